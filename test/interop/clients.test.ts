/**
 * Interoperability with real AO clients: messages signed by hbsig (httpsig)
 * and requests built by @permaweb/aoconnect's transport (ao-core-libs, both
 * ANS-104 and httpsig) verify in our code, with the IDs the clients compute.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import coreLibs from '@permaweb/ao-core-libs';
import { createSigner, hmacid, rsaid } from 'hbsig';
import { itemId, parseItem, verifyItem } from '../../src/codecs/ans104/data-item.ts';
import { itemToTabm } from '../../src/codecs/ans104/index.ts';
import { verifyMessage } from '../../src/codecs/commitments.ts';
import { httpToTabm } from '../../src/codecs/httpsig/index.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { type Tabm, tabmToMessage } from '../../src/codecs/structured.ts';
import { base64url } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import { messageId } from '../../src/engine/ids.ts';
import { sharedPath } from '../support/shared.ts';

const codecs = createCodecRegistry();

const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));
const address = 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4';

async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body as Uint8Array);
}

async function decode(headers: Record<string, string>, body: unknown): Promise<Message> {
  const fields: Record<string, string | Uint8Array> = {};
  for (const [k, v] of Object.entries(headers)) fields[k.toLowerCase()] = v;
  const bytes = await bodyBytes(body);
  if (bytes && bytes.length > 0) fields.body = bytes;
  return httpToTabm(fields) as Message;
}

describe('hbsig-signed messages', () => {
  const sign = createSigner(jwk, 'http://localhost:1');
  const cases: Record<string, Record<string, unknown>> = {
    simple: { a: '1', 'test-key': 'Test-Value' },
    typed: { int: 42, neg: -7, list: [1, 'two', 3], atom: true },
    nested: { a: '1', nested: { b: '2', c: 3 } },
    body: { body: 'hello world', x: 'y' },
    'list of maps': { items: [{ n: 1 }, { n: 2 }] },
    'mixed-case key': { 'Key-With-Caps': 'V' },
    'deep body': { body: { body: 'payload', inner: '2' }, x: '1' },
  };
  for (const [name, fields] of Object.entries(cases)) {
    it(`${name}: verifies, with hbsig's IDs`, async () => {
      const signed = await sign({ ...fields, path: '/~message@1.0/a' });
      const msg = await decode(signed.headers, signed.body);
      assert.equal(await verifyMessage(msg, {}, codecs), true);
      const [rsa] = Object.values(msg.commitments as Message).filter(
        (c) => (c as Message).committer === address,
      );
      assert.ok(rsa);
      assert.equal(messageId(msg, { committers: 'all' }), rsaid(rsa));
      assert.equal(messageId(msg, { committers: [] }), hmacid(signed.headers));
      // Tampering with a signed header breaks the signature.
      const forged = await decode({ ...signed.headers, path: '/~message@1.0/b' }, signed.body);
      assert.equal(await verifyMessage(forged, {}, codecs), false);
    });
  }
});

describe('aoconnect (ao-core-libs) requests', () => {
  const requests: { url: string; init: RequestInit }[] = [];
  const realFetch = globalThis.fetch;
  before(() => {
    globalThis.fetch = (async (url: string | URL, init: RequestInit = {}) => {
      requests.push({ url: String(url), init });
      return new Response('ok');
    }) as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
  });
  const client = coreLibs.init({ jwk, url: 'http://localhost:1' });

  it('an ANS-104 request verifies, keeps its original tags, and decodes', async () => {
    await client.request({
      path: '/~process@1.0/push',
      'signing-format': 'ans104',
      Action: 'Eval',
      target: address,
      data: '1 + 1',
    });
    const { init } = requests.at(-1) as { init: RequestInit };
    const headers = new Headers(init.headers);
    assert.equal(headers.get('content-type'), 'application/ans104');
    assert.equal(headers.get('codec-device'), 'ans104@1.0');
    const item = parseItem((await bodyBytes(init.body)) as Uint8Array);
    assert.ok(verifyItem(item));
    const msg = tabmToMessage(itemToTabm(item) as Tabm);
    assert.equal(await verifyMessage(msg, {}, codecs), true);
    assert.equal(messageId(msg, { committers: 'all' }), base64url(itemId(item)));
    assert.equal(msg.action, 'Eval');
    assert.equal(msg['signing-format'], 'ans104');
    assert.equal(msg.data, '1 + 1');
  });

  it('a header-only httpsig request verifies', async () => {
    await client.request({
      path: '/~meta@1.0/info',
      'signing-format': 'httpsig',
      a: '1',
      'test-key': 'Test-Value',
    });
    const { init } = requests.at(-1) as { init: RequestInit };
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const msg = await decode(headers, init.body);
    assert.equal(await verifyMessage(msg, {}, codecs), true);
    assert.equal(msg['test-key'], 'Test-Value');
  });
});
