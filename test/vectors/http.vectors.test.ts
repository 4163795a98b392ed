/**
 * HyperBEAM's `http` vectors (../shared/vectors/core-vectors.json) against a
 * node on a loopback port. Each request is sent twice: the answer must not
 * change (HyperBEAM's can, on a cache hit). Vectors with a `deviation` note
 * are checked against their `expect` like any other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningNode } from '../../src/http/server.ts';
import { type RawResponse, send, startTestNode } from '../support/node.ts';
import { readVectors } from '../support/shared.ts';

interface HttpVector {
  name: string;
  kind: string;
  deviation?: string;
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  expect: {
    status: number | '4xx' | 'not5xx';
    body?: string;
    body_contains?: string;
    headers?: Record<string, string>;
  };
}

const vectors = readVectors<HttpVector[]>('core-vectors.json').filter((v) => v.kind === 'http');

function check(v: HttpVector, res: RawResponse): void {
  const { status, body, body_contains, headers } = v.expect;
  if (status === '4xx') assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
  else if (status === 'not5xx') assert.ok(res.status < 500, `status ${res.status}`);
  else assert.equal(res.status, status, res.text);
  if (body !== undefined) assert.equal(res.text, body);
  if (body_contains !== undefined) assert.ok(res.text.includes(body_contains), res.text);
  for (const [name, value] of Object.entries(headers ?? {})) {
    assert.equal(res.headers[name], value, `header ${name}`);
  }
}

describe('core vectors: http', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('covers every http vector', () => assert.equal(vectors.length, 54));
  for (const v of vectors) {
    it(`${v.name}${v.deviation ? ' (deviation)' : ''}`, async () => {
      const req = {
        method: v.request.method,
        path: v.request.path,
        headers: v.request.headers,
        body: v.request.body,
      };
      const first = await send(node, req);
      check(v, first);
      const second = await send(node, req);
      check(v, second);
      assert.equal(second.status, first.status);
      assert.equal(second.text, first.text);
    });
  }
});
