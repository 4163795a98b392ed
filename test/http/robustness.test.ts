/**
 * Requests built to make a node work hard (issue 15): each is answered, or
 * refused with a 4xx saying why, and a health probe from another client is
 * answered while it is handled. No timings are asserted here (bench/ measures
 * them); the tests only need to finish, and the probes to answer.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningNode } from '../../src/http/server.ts';
import { type RawRequest, type RawResponse, send, startTestNode } from '../support/node.ts';

/** A multipart body of `n` parts `k<i>: v`. */
function multipart(n: number): RawRequest {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(`--bnd\r\ncontent-disposition: form-data;name="k${i}"\r\n\r\nv\r\n`);
  }
  return {
    method: 'POST',
    path: '/~message@1.0/k1',
    headers: { 'content-type': 'multipart/form-data; boundary="bnd"' },
    body: `${parts.join('')}--bnd--`,
  };
}

function json(path: string, value: unknown): RawRequest {
  return {
    method: 'POST',
    path,
    headers: { 'codec-device': 'json@1.0' },
    body: JSON.stringify(value),
  };
}

/** Send raw bytes on a fresh connection; resolve with all that came back. */
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
    socket.write(bytes);
  });
}

/** The status of a raw response. */
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

/** Send `req`, and a health probe while it is handled; both must answer. */
async function withProbe(node: RunningNode, req: RawRequest): Promise<RawResponse> {
  const big = send(node, req);
  const probe = send(node, { path: '/~meta@1.0/info/address' });
  const [res, health] = await Promise.all([big, probe]);
  assert.equal(health.status, 200);
  assert.equal(health.text, node.address);
  return res;
}

describe('big requests: answered or refused, the node keeps serving', { timeout: 120_000 }, () => {
  let node: RunningNode;
  let roomy: RunningNode;
  before(async () => {
    node = await startTestNode();
    roomy = await startTestNode({ config: { http_max_keys: 50_000, http_max_path_keys: 500_000 } });
  });
  after(async () => {
    await node.stop();
    await roomy.stop();
  });

  it('20,000 multipart parts: 413 under the default http_max_keys', async () => {
    const res = await withProbe(node, multipart(20_000));
    assert.equal(res.status, 413, res.text);
    assert.match(res.text, /more than 10000 (parts|keys) \(http_max_keys\)/);
  });

  it('20,000 multipart parts under a higher limit: answered', async () => {
    const res = await withProbe(roomy, multipart(20_000));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'v');
  });

  it('9,000 parts: answered under the default limit', async () => {
    const res = await withProbe(node, multipart(9_000));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'v');
  });

  it('10,000 `/`-path keys of one nested message: answered', async () => {
    const body: Record<string, string> = {};
    for (let i = 0; i < 4_000; i++) body[`n/k${i}`] = 'v';
    const res = await withProbe(roomy, json('/~message@1.0/n/k3999', body));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'v');
  });

  it('a 12 KB body of 6,000 list items: answered', async () => {
    const res = await withProbe(node, json('/~message@1.0/l/6000', { l: Array(6_000).fill(0) }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '0');
  });

  it('a 20 KB body of 10,000 list items: 413', async () => {
    const res = await withProbe(node, json('/~message@1.0/l/1', { l: Array(10_000).fill(0) }));
    assert.equal(res.status, 413, res.text);
  });

  it('a 12 KB structured@1.0 body: a 4xx', async () => {
    const res = await withProbe(node, {
      method: 'POST',
      path: '/~message@1.0/k1',
      headers: { 'codec-device': 'structured@1.0' },
      body: '0,'.repeat(6_000),
    });
    assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
  });

  it('messages 60 deep are answered; a key `x/y/...` nesting past 64 in them is 413', async () => {
    const nest = (inner: unknown) => {
      let value = inner;
      for (let i = 0; i < 59; i++) value = { a: value };
      return value;
    };
    const ok = await withProbe(node, json(`/~message@1.0${'/a'.repeat(60)}`, { a: nest('v') }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.text, 'v');
    const deep = { a: nest({ [`x${'/y'.repeat(10)}`]: 'v' }) };
    const res = await withProbe(node, json('/~message@1.0/a', deep));
    assert.equal(res.status, 413, res.text);
    assert.match(res.text, /deeper than 64 levels \(http_max_depth\)/);
  });

  it('sub-paths nested deeper than http_max_depth: 413', async () => {
    const res = await withProbe(node, { path: `/${'('.repeat(100)}x${')'.repeat(100)}` });
    assert.equal(res.status, 413, res.text);
  });

  it('a long path carrying many keys: 413', async () => {
    const res = await withProbe(node, {
      ...json(
        `/~message@1.0${'/a'.repeat(500)}`,
        Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, 'v'])),
      ),
    });
    assert.equal(res.status, 413, res.text);
    assert.match(res.text, /http_max_path_keys/);
  });
});

describe('keys that cannot be set, and devices outside their stack', { timeout: 60_000 }, () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('a key through a value that is not a message: 422', async () => {
    const res = await withProbe(node, json('/~message@1.0/k1', { k1: 'v', 'id/0': 'v' }));
    assert.equal(res.status, 422, res.text);
    assert.match(res.text, /not a message/);
  });

  it('many keys running message@1.0 functions over a large message: 413', async () => {
    const body: Record<string, string> = {};
    for (let i = 0; i < 3_000; i++) body[`k${i}`] = 'v';
    for (let i = 0; i < 100; i++) body[`commit/${i}`] = 'v';
    const res = await withProbe(node, json('/~message@1.0/k1', body));
    assert.equal(res.status, 413, res.text);
    assert.match(res.text, /resolution of their own/);
  });

  for (const device of ['dedup@1.0', 'multipass@1.0']) {
    it(`${device} outside a stack: an unknown key is 404, not its state`, async () => {
      for (const path of [`/~${device}/a`, `/~${device}/a/b`]) {
        const res = await withProbe(node, { path });
        assert.equal(res.status, 404, `${path}: ${res.text}`);
        assert.equal(res.text, '"not_found"');
      }
    });
  }
});

describe('WASM devices given what is not a process', { timeout: 60_000 }, () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  const wasm = (path: string, body: string | Uint8Array): RawRequest => ({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/wasm' },
    body,
  });

  it('an image that is not WebAssembly: 422', async () => {
    const res = await withProbe(node, wasm('/~wasm-64@1.0/init', 'garbage'));
    assert.equal(res.status, 422, res.text);
    assert.match(res.text, /not a WebAssembly module/);
  });

  it('a module that cannot be started: 422', async () => {
    const empty = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);
    const res = await withProbe(node, wasm('/~wasm-64@1.0/init', empty));
    assert.equal(res.status, 422, res.text);
    assert.match(res.text, /could not be started/);
  });

  it('compute on a message that never started an instance: 422', async () => {
    const res = await withProbe(node, { path: '/~genesis-wasm@1.0/compute' });
    assert.equal(res.status, 422, res.text);
    assert.match(res.text, /Run `init` first/);
  });
});

describe('HTTP edges', { timeout: 60_000 }, () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({
      config: { http_max_header_size: 4096, http_max_body_size: 1024 },
    });
  });
  after(() => node.stop());

  const target = '/~meta@1.0/info/address';
  /** A GET of `target` whose head counts `size` bytes (target, names and values). */
  function head(size: number): string {
    const fixed = target.length + 'host'.length + 1 + 'connection'.length + 'close'.length;
    const filler = size - fixed - 1;
    return `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nf: ${'v'.repeat(filler)}\r\n\r\n`;
  }

  it('a head of exactly http_max_header_size bytes is answered; one more byte is 413', async () => {
    assert.equal(statusOf(await raw(node.port, head(4096))), 200);
    const over = await raw(node.port, head(4097));
    assert.equal(statusOf(over), 413);
    assert.match(over, /larger than 4096 bytes/);
  });

  it('many short headers within the size are answered (no count limit)', async () => {
    const roomy = await startTestNode();
    try {
      const headers: string[] = [];
      for (let i = 0; i < 6_000; i++) headers.push(`h${i}: v\r\n`);
      const res = await raw(
        roomy.port,
        `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${headers.join('')}\r\n`,
      );
      assert.equal(statusOf(res), 200, res.slice(0, 200));
      assert.ok(res.endsWith(roomy.address));
    } finally {
      await roomy.stop();
    }
  });

  it('a chunk declaring 2^64-1 bytes: 413 at once', async () => {
    const res = await raw(
      node.port,
      'POST /x HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\n',
    );
    assert.equal(statusOf(res), 413, res);
    assert.match(res, /larger than 1024 bytes/);
  });

  it('chunks declaring more than the body limit together: 413', async () => {
    const res = await raw(
      node.port,
      'POST /x HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n200\r\n' +
        `${'a'.repeat(512)}\r\n201\r\n`,
    );
    assert.equal(statusOf(res), 413, res);
  });

  it('a chunked body within the limit is read, also after a request with a body', async () => {
    const first = 'POST /~message@1.0&a=1/a HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc';
    const chunked =
      'POST /~message@1.0/data HTTP/1.1\r\nhost: x\r\ncodec-device: httpsig@1.0\r\n' +
      'content-type: text/plain\r\ninline-body-key: data\r\ntransfer-encoding: chunked\r\n' +
      'connection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\ntrailer: x\r\n\r\n';
    const res = await raw(node.port, first + chunked);
    const statuses = [...res.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 200], res);
    assert.ok(res.endsWith('hello world'), res.slice(-200));
  });

  it('CONNECT: 405', async () => {
    const res = await raw(
      node.port,
      'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com\r\n\r\n',
    );
    assert.equal(statusOf(res), 405, res);
    assert.match(res, /allow: GET/i);
  });

  it('other methods get an answer, never a 5xx', async () => {
    for (const method of ['TRACE', 'PATCH', 'DELETE', 'PUT', 'PROPFIND', 'HEAD', 'FOO']) {
      const res = await raw(
        node.port,
        `${method} ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      );
      const status = statusOf(res);
      assert.ok(status >= 200 && status < 500, `${method}: ${res.slice(0, 200)}`);
    }
  });

  it('an absolute-form target is read as its path', async () => {
    const res = await raw(
      node.port,
      `GET http://example.com${target} HTTP/1.1\r\nhost: example.com\r\nconnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(res), 200, res.slice(0, 200));
    assert.ok(res.endsWith(node.address));
  });
});
