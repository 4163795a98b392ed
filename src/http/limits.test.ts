/**
 * Request limits (limits.ts) and the chunk-size guard (declared-size.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCodecRegistry } from '../codecs/index.ts';
import type { Message } from '../core/message.ts';
import { DeclaredSizeGuard } from './declared-size.ts';
import { checkBody, checkRequest, countKeys, pathShape, type RequestLimits } from './limits.ts';

const limits: RequestLimits = { keys: 10, depth: 3, pathKeys: 40 };

describe('request limits', () => {
  it('counts keys of nested messages and list items', () => {
    assert.equal(countKeys({ a: '1', b: { c: '2', d: ['x', 'y'] } }, limits), 6);
  });

  it('refuses more keys than allowed, as soon as they are counted', () => {
    const msg: Message = {};
    for (let i = 0; i < 1_000; i++) msg[`k${i}`] = { x: '1' };
    assert.throws(() => countKeys(msg, limits), { status: 413, code: 'too_many_keys' });
  });

  it('refuses deeper nesting than allowed; `a/b/c` keys nest as deep as their parts', () => {
    assert.equal(countKeys({ a: { b: { c: '1' } } }, limits), 3);
    assert.throws(() => countKeys({ a: { b: { c: { d: '1' } } } }, limits), { code: 'too_deep' });
    assert.throws(() => countKeys({ a: [[['x']]] }, limits), { code: 'too_deep' });
    assert.equal(countKeys({ 'a/b/c': '1' }, limits), 1);
    assert.throws(() => countKeys({ a: { 'b/c/d': '1' } }, limits), { code: 'too_deep' });
    assert.equal(countKeys({ 'a//b/': '1' }, { ...limits, depth: 2 }), 1);
  });

  it('the shape of a path: how many messages it can become, how deep its sub-paths nest', () => {
    assert.deepEqual(pathShape('/~message@1.0&a=1/a'), { messages: 3, depth: 0 });
    assert.deepEqual(pathShape('/a%2Fb/c%252Fd?x=/y'), { messages: 5, depth: 0 });
    assert.deepEqual(pathShape('/x/((a)/(b))'), { messages: 4, depth: 2 });
  });

  it('keys copied into every message of a path count once per message', () => {
    const msg: Message = { path: '/a/b/c', k1: '1', k2: '2', k3: '3', k4: '4', k5: '5' };
    assert.doesNotThrow(() => checkRequest(msg, limits));
    assert.throws(() => checkRequest({ ...msg, path: '/a/b/c/d/e/f/g' }, limits), {
      code: 'too_many_path_keys',
    });
    assert.throws(() => checkRequest({ path: '/((((x))))' }, limits), { code: 'too_deep' });
  });

  it('a multipart body with more parts than keys allowed is refused before parsing', () => {
    const body = (n: number) =>
      new TextEncoder().encode(
        `${'--b\r\ncontent-disposition: form-data;name="a"\r\n\r\nv\r\n'.repeat(n)}--b--`,
      );
    const headers = { 'content-type': 'multipart/form-data; boundary="b"' };
    const codecs = createCodecRegistry();
    const httpsig = codecs.get('httpsig@1.0');
    assert.doesNotThrow(() => checkBody(httpsig, { headers, body: body(10) }, limits));
    assert.throws(() => checkBody(httpsig, { headers, body: body(11) }, limits), {
      code: 'too_many_parts',
    });
    // Other codecs read the body as their bytes: parts are not keys.
    assert.doesNotThrow(() =>
      checkBody(codecs.get('json@1.0'), { headers, body: body(11) }, limits),
    );
  });
});

describe('the chunk-size guard', () => {
  function run(limit: number, chunks: string[]): boolean {
    const guard = new DeclaredSizeGuard(limit);
    let tripped = false;
    guard.onTooLarge(() => {
      tripped = true;
    });
    for (const chunk of chunks) guard.push(Buffer.from(chunk, 'latin1'));
    return tripped;
  }
  const head = 'POST /x HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n';

  it('trips on a chunk size beyond the limit, however it is split', () => {
    assert.equal(run(100, [`${head}ffffffffffffffff\r\n`]), true);
    const bytes = `${head}65\r\n`;
    assert.equal(run(100, [...bytes]), true);
    assert.equal(run(101, [bytes]), false);
  });

  it('adds the chunks of one body', () => {
    assert.equal(run(100, [`${head}32\r\n${'a'.repeat(50)}\r\n33\r\n`]), true);
    assert.equal(run(100, [`${head}32\r\n${'a'.repeat(50)}\r\n32\r\n`]), false);
  });

  it('follows content-length bodies and pipelined requests', () => {
    const first = `POST /x HTTP/1.1\r\ncontent-length: 10\r\n\r\n${'f'.repeat(10)}`;
    assert.equal(run(100, [first + head, 'fff\r\n']), true);
    // Body bytes that look like a chunk size are skipped as body.
    const looks = `POST /x HTTP/1.1\r\ncontent-length: 7\r\n\r\nfffff\r\n${head}1\r\na\r\n0\r\n\r\n`;
    assert.equal(run(100, [looks]), false);
  });

  it('stops at an upgrade, a CONNECT or bytes it cannot follow', () => {
    assert.equal(run(1, ['CONNECT x:1 HTTP/1.1\r\n\r\nffff\r\n']), false);
    assert.equal(run(1, [`${head}zz\r\n`, `${head}ffff\r\n`]), false);
  });
});
