/**
 * Unit tests for reading HTTP requests (HyperBEAM's
 * hb_http:req_to_tabm_singleton): the request codec, decoding, signature
 * checks, and the added `method` and `path`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawRequest } from '../../test/support/node.ts';
import { sharedPath } from '../../test/support/shared.ts';
import { ans104Request, signedRequest } from '../../test/support/signing.ts';
import { serializeItem } from '../codecs/ans104/data-item.ts';
import { tabmToItem } from '../codecs/ans104/index.ts';
import { committersOf, verifyMessage } from '../codecs/commitments.ts';
import { messageToTabm } from '../codecs/structured.ts';
import { toBytes } from '../core/binary.ts';
import { HbError, SignatureError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import type { Context, MessageStore } from '../engine/context.ts';
import { MemoryStore } from '../stores/memory.ts';
import { TieredMessageStore } from '../stores/tiered.ts';
import { decodeRequest, type HttpRequest, requestCodec } from './request.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const bytes = (text: string) => new TextEncoder().encode(text);

function request(fields: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', url: '/', headers: {}, body: new Uint8Array(), ...fields };
}

/** A test client's request as the server hands it over. */
function fromRaw(raw: RawRequest): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers ?? {})) headers[name] = String(value);
  return {
    method: raw.method ?? 'GET',
    url: raw.path,
    headers,
    body: raw.body === undefined ? new Uint8Array() : toBytes(raw.body),
  };
}

/** The singleton a request is resolved as. */
const singletonOf = async (req: HttpRequest, ctx: Context) =>
  (await decodeRequest(req, ctx)).singleton;

/** An httpsig request signed by the key-1 fixture. */
const signed = (method: string, msg: Message) => fromRaw(signedRequest(method, msg, wallet));

describe('requestCodec', () => {
  it('is httpsig@1.0 by default', () => {
    assert.equal(requestCodec({}), 'httpsig@1.0');
    assert.equal(requestCodec({ 'content-type': 'text/plain' }), 'httpsig@1.0');
    assert.equal(requestCodec({ 'codec-device': '' }), 'httpsig@1.0');
  });

  it('reads the codec-device header, lower-cased', () => {
    assert.equal(requestCodec({ 'codec-device': 'json@1.0' }), 'json@1.0');
    assert.equal(requestCodec({ 'codec-device': 'ANS104@1.0' }), 'ans104@1.0');
  });

  it('reads ans104@1.0 from content-type application/ans104', () => {
    assert.equal(requestCodec({ 'content-type': 'application/ans104' }), 'ans104@1.0');
    assert.equal(requestCodec({ 'content-type': 'Application/ANS104; x=1' }), 'ans104@1.0');
  });

  it('prefers codec-device to content-type', () => {
    const headers = { 'codec-device': 'json@1.0', 'content-type': 'application/ans104' };
    assert.equal(requestCodec(headers), 'json@1.0');
  });
});

describe('decodeRequest: unsigned requests', () => {
  const ctx = createContext();

  it('keeps headers as keys and adds method and path from the url', async () => {
    const req = request({ url: '/~meta@1.0/info?x=1', headers: { a: '1', accept: 'text/html' } });
    assert.deepEqual(await singletonOf(req, ctx), {
      a: '1',
      accept: 'text/html',
      method: 'GET',
      path: '/~meta@1.0/info?x=1',
    });
  });

  it('types header values by ao-types', async () => {
    const req = request({ headers: { n: '5', 'ao-types': 'n="integer"' } });
    const msg = await singletonOf(req, ctx);
    assert.equal(msg.n, 5);
    assert.equal(msg['ao-types'], undefined);
  });

  it('reads the body as the body key', async () => {
    const req = request({
      method: 'POST',
      url: '/x',
      headers: { 'content-type': 'text/plain' },
      body: bytes('hi'),
    });
    assert.deepEqual(await singletonOf(req, ctx), {
      'content-type': 'text/plain',
      body: 'hi',
      method: 'POST',
      path: '/x',
    });
  });

  it('lets a path key win over the url', async () => {
    const req = request({ method: 'POST', url: '/from-url', headers: { path: '/from-key' } });
    const msg = await singletonOf(req, ctx);
    assert.equal(msg.path, '/from-key');
    assert.equal(msg.method, 'POST');
  });

  it('always takes the method from the request line', async () => {
    const req = request({ method: 'PUT', headers: { method: 'DELETE' } });
    assert.equal((await singletonOf(req, ctx)).method, 'PUT');
  });

  it('reads other codecs from the body, with their path', async () => {
    const req = request({
      method: 'POST',
      url: '/x',
      headers: { 'codec-device': 'json@1.0' },
      body: bytes('{"a":1,"path":"/z"}'),
    });
    assert.deepEqual(await singletonOf(req, ctx), { a: 1, path: '/z', method: 'POST' });
  });

  it('refuses an unknown codec-device with 400', async () => {
    const req = request({ headers: { 'codec-device': 'nope@1.0' } });
    await assert.rejects(decodeRequest(req, ctx), {
      name: 'BadRequestError',
      code: 'unknown_codec',
      status: 400,
    });
  });

  it('refuses a body the codec cannot read with 400', async () => {
    const req = request({ headers: { 'codec-device': 'json@1.0' }, body: bytes('{') });
    await assert.rejects(decodeRequest(req, ctx), {
      name: 'CodecError',
      code: 'bad_json',
      status: 400,
    });
  });

  it('refuses httpsig requests it cannot decode with 400', async () => {
    const multipart = request({
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary="abc"' },
      body: bytes('garbage'),
    });
    const badType = request({ headers: { n: 'x', 'ao-types': 'n="integer"' } });
    for (const req of [multipart, badType]) {
      await assert.rejects(decodeRequest(req, ctx), (err) => {
        assert.ok(err instanceof HbError);
        assert.equal(err.name, 'CodecError');
        assert.equal(err.status, 400);
        return true;
      });
    }
  });

  it('refuses an unsigned ANS-104 data item', async () => {
    const item = serializeItem(tabmToItem(messageToTabm({ a: '1' })));
    const req = request({
      method: 'POST',
      headers: { 'content-type': 'application/ans104' },
      body: item,
    });
    await assert.rejects(decodeRequest(req, ctx), {
      name: 'SignatureError',
      code: 'unsigned_item',
      status: 400,
    });
  });

  it('refuses unsigned requests with 401 when force_signed_requests is set', async () => {
    const strict = createContext({ config: { force_signed_requests: true } });
    await assert.rejects(decodeRequest(request({ headers: { a: '1' } }), strict), (err) => {
      assert.ok(err instanceof SignatureError);
      assert.equal(err.code, 'signature_required');
      assert.equal(err.status, 401);
      return true;
    });
  });
});

describe('decodeRequest: signed requests', () => {
  const signedCtx = (config: Message = {}, messages?: MessageStore) =>
    createContext({
      config: { force_signed_requests: true, store_all_signed: false, ...config },
      messages,
    });

  it('accepts an httpsig request signed by a valid key', async () => {
    const msg = await singletonOf(
      signed('POST', { path: '/~meta@1.0/info', port: '9000' }),
      signedCtx(),
    );
    assert.deepEqual(committersOf(msg), [wallet.address]);
    assert.equal(msg.port, '9000');
    assert.equal(msg.path, '/~meta@1.0/info');
    assert.equal(msg.method, 'POST');
  });

  it('keeps only the keys the signature covers', async () => {
    const req = signed('POST', { path: '/x', a: '1' });
    const msg = await singletonOf(
      { ...req, headers: { ...req.headers, extra: 'unsigned' } },
      signedCtx(),
    );
    assert.equal(msg.a, '1');
    assert.equal(msg.extra, undefined);
  });

  it('refuses a request whose signed keys were changed', async () => {
    const req = signed('POST', { path: '/x', a: '1' });
    const forged = { ...req, headers: { ...req.headers, a: '2' } };
    await assert.rejects(decodeRequest(forged, createContext()), {
      name: 'SignatureError',
      code: 'invalid_signature',
      status: 400,
    });
  });

  it('stores signed requests when store_all_signed is set', async () => {
    const store = new TieredMessageStore([new MemoryStore()]);
    const req = signed('GET', { path: '/x', a: '1' });
    const decoded = await decodeRequest(req, signedCtx({ store_all_signed: true }, store));
    await decoded.stored;
    const msg = decoded.singleton;
    const [id] = Object.keys(msg.commitments as Message).filter(
      (c) => ((msg.commitments as Message)[c] as Message).committer !== undefined,
    );
    assert.equal((await store.read(id as string))?.a, '1');
    const notStored = new TieredMessageStore([new MemoryStore()]);
    await singletonOf(signed('GET', { path: '/x', a: '1' }), signedCtx({}, notStored));
    assert.equal(await notStored.read(id as string), undefined);
  });

  it('accepts a signed ANS-104 data item, taking the path from the url', async () => {
    const req = fromRaw(await ans104Request('/~message@1.0/a', { a: '1' }, wallet));
    const msg = await singletonOf(req, signedCtx());
    assert.equal(msg.a, '1');
    assert.equal(msg.path, '/~message@1.0/a');
    assert.equal(msg.method, 'POST');
    assert.deepEqual(committersOf(msg), [wallet.address]);
  });

  it('gives a data item as its signer sent it: no method, path or HMAC added', async () => {
    const req = fromRaw(await ans104Request('/x', { a: '1' }, wallet));
    const ctx = signedCtx();
    const { message, singleton } = await decodeRequest(req, ctx);
    assert.equal(message.method, undefined);
    assert.equal(message.path, undefined);
    assert.equal(singleton.path, '/x');
    const algs = Object.values(message.commitments as Message).map((c) => (c as Message).alg);
    assert.deepEqual(algs, ['rsa-pss']);
    assert.equal(await verifyMessage(message, { committers: 'all' }, ctx.services.codecs), true);
  });
});
