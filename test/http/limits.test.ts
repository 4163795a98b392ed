/**
 * Bad input over HTTP: every client error gets a 4xx with a message (never a
 * 500), and the node keeps serving after each one. Limits on header and body
 * size (413) and on time (504).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { defineDevice, ok } from '../../src/engine/device.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { type RawRequest, send, startTestNode } from '../support/node.ts';

const slowDevice = defineDevice({
  name: 'slow@1.0',
  keys: {
    wait: async (base) => {
      await new Promise((resolve) => setTimeout(resolve, Number(base.ms ?? 100)));
      return ok('done');
    },
  },
});

/** Send raw bytes on a fresh connection; resolve with what came back. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

describe('bad requests get a 4xx and the node keeps serving', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({
      config: { http_max_body_size: 1024, http_max_header_size: 4096, http_resolve_timeout: 200 },
      devices: createDeviceRegistry([slowDevice]),
    });
  });
  after(() => node.stop());

  async function stillServes() {
    const res = await send(node, { path: '/~message@1.0&alive=yes/alive' });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'yes');
  }

  const cases: [string, RawRequest, number, RegExp][] = [
    [
      'a body over the limit',
      { method: 'POST', path: '/body', body: 'x'.repeat(2000) },
      413,
      /larger than 1024/,
    ],
    [
      'an undecodable ao-types header',
      { path: '/x', headers: { x: '1', 'ao-types': 'x=' } },
      400,
      /./,
    ],
    [
      'an unknown type in ao-types',
      { path: '/x', headers: { x: '1', 'ao-types': 'x="nope"' } },
      400,
      /./,
    ],
    [
      'a signature without signature-input',
      { path: '/x', headers: { x: '1', signature: 'a=:AA==:' } },
      400,
      /signature/,
    ],
    [
      'a malformed signature-input',
      { path: '/x', headers: { x: '1', signature: 'a=:AA==:', 'signature-input': 'a=(' } },
      400,
      /./,
    ],
    [
      'a malformed multipart body',
      {
        method: 'POST',
        path: '/x',
        headers: { 'content-type': 'multipart/form-data; boundary="b"' },
        body: '--b\r\nno-end',
      },
      400,
      /./,
    ],
    [
      'an unknown codec-device',
      { method: 'POST', path: '/x', headers: { 'codec-device': 'nope@1.0' }, body: 'x' },
      400,
      /nope@1.0/,
    ],
    [
      'invalid JSON',
      { method: 'POST', path: '/x', headers: { 'codec-device': 'json@1.0' }, body: '{' },
      400,
      /./,
    ],
    [
      'a garbage ANS-104 body',
      {
        method: 'POST',
        path: '/x',
        headers: { 'content-type': 'application/ans104' },
        body: 'nope',
      },
      400,
      /./,
    ],
    ['a path segment over 512 bytes', { path: `/${'a'.repeat(600)}` }, 400, /512/],
    ['a bad key scope', { path: '/x?x.y=1' }, 400, /scope/],
    ['a bad cast', { path: '/~message@1.0&x+int=1/x' }, 400, /int/],
    ['an unbalanced parenthesis (a plain key)', { path: '/(~message@1.0&a=1/a' }, 404, /not_found/],
    ['an unknown device', { path: '/~nothing@1.0/x' }, 404, /nothing@1.0/],
    ['a missing message ID', { path: `/${'A'.repeat(43)}` }, 404, /./],
  ];
  for (const [name, req, status, pattern] of cases) {
    it(`${name}: ${status}`, async () => {
      const res = await send(node, req);
      assert.equal(res.status, status, res.text);
      assert.match(res.text, pattern);
      await stillServes();
    });
  }

  it('headers over the limit: 413', async () => {
    const res = await send(node, { path: '/x', headers: { big: 'y'.repeat(8000) } }).catch(
      (error: Error) => ({ status: 0, text: error.message }),
    );
    assert.equal(res.status, 413, res.text);
    await stillServes();
  });

  it('bytes that are not HTTP: 400', async () => {
    const answer = await raw(node.port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('a request not answered in time: 504', async () => {
    const res = await send(node, { path: '/~slow@1.0&ms=1000/wait' });
    assert.equal(res.status, 504);
    assert.match(res.text, /200 ms/);
    await stillServes();
  });
});
