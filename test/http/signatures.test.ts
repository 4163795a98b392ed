/**
 * Signatures over HTTP: signed requests are verified (forged ones refused
 * with a 4xx), `force_signed_requests` refuses unsigned ones, and every
 * response is signed by the node in the codec the client asked for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verify } from 'hbsig';
import { parseItem, verifyItem } from '../../src/codecs/ans104/data-item.ts';
import { ans104Codec } from '../../src/codecs/ans104/index.ts';
import { committersOf, verifyMessage } from '../../src/codecs/commitments.ts';
import { httpToTabm } from '../../src/codecs/httpsig/index.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { tabmToMessage } from '../../src/codecs/structured.ts';
import { base64url, sha256 } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import type { RunningNode } from '../../src/http/server.ts';
import {
  clientWallet,
  nodeWallet,
  type RawRequest,
  type RawResponse,
  send,
  startTestNode,
} from '../support/node.ts';
import { ans104Request, signedRequest } from '../support/signing.ts';

const codecs = createCodecRegistry();

/** A response as the message it carries. */
function responseMessage(res: RawResponse): Message {
  const fields: Record<string, string | Uint8Array> = { ...res.headers };
  for (const hop of ['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']) {
    delete fields[hop];
  }
  for (const cors of Object.keys(fields).filter((k) => k.startsWith('access-control-'))) {
    delete fields[cors];
  }
  if (res.body.length > 0) fields.body = new Uint8Array(res.body);
  return tabmToMessage(httpToTabm(fields));
}

describe('signed requests', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('accepts a valid httpsig signature and keeps only the signed keys', async () => {
    const req = signedRequest('GET', { path: '/~message@1.0/signed', signed: 'yes' }, clientWallet);
    req.headers = { ...req.headers, unsigned: 'dropped' };
    const ok = await send(node, req);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.text, 'yes');
    const dropped = signedRequest('GET', { path: '/~message@1.0/unsigned' }, clientWallet);
    dropped.headers = { ...dropped.headers, unsigned: 'dropped' };
    assert.equal((await send(node, dropped)).status, 404);
  });

  it('refuses an altered header with a clear 400', async () => {
    const req = signedRequest('GET', { path: '/~message@1.0/a', a: '1' }, clientWallet);
    req.headers = { ...req.headers, a: '2' };
    const res = await send(node, req);
    assert.equal(res.status, 400);
    assert.match(res.text, /signature .* does not verify/);
  });

  it('refuses an altered body', async () => {
    const req = signedRequest('POST', { path: '/body', body: 'original' }, clientWallet);
    const res = await send(node, { ...req, body: 'tampered' });
    assert.equal(res.status, 400);
  });

  it('refuses a signature from another key claimed for the operator', async () => {
    const req = signedRequest('GET', { path: '/~message@1.0/a', a: '1' }, clientWallet);
    const other = signedRequest('GET', { path: '/~message@1.0/a', a: '1' }, nodeWallet);
    // The operator's keyid with the client's signature bytes.
    const inputOf = (r: RawRequest) => String(r.headers?.['signature-input'] ?? '');
    const keyid = /keyid="([^"]+)"/.exec(inputOf(other))?.[1];
    const forged = inputOf(req).replace(/keyid="[^"]+"/, `keyid="${keyid}"`);
    const res = await send(node, {
      ...req,
      headers: { ...req.headers, 'signature-input': forged },
    });
    assert.equal(res.status, 400);
  });

  it('refuses an HMAC commitment that claims a committer', async () => {
    // A multipart body smuggling a commitment with a committer but no real signature.
    const boundary = 'xyz';
    const body = [
      `--${boundary}`,
      `content-disposition: form-data;name="commitments/${'A'.repeat(43)}"`,
      'alg: hmac-sha256',
      'commitment-device: ans104@1.0',
      `committer: ${nodeWallet.address}`,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await send(node, {
      method: 'POST',
      path: '/~meta@1.0/info',
      headers: { 'content-type': `multipart/form-data; boundary="${boundary}"`, evil: '1' },
      body,
    });
    assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
    assert.equal((await send(node, { path: '/~meta@1.0/info/evil' })).status, 404);
  });

  it('accepts a signed ANS-104 item and refuses a tampered one', async () => {
    const req = await ans104Request(
      '/~message@1.0/action',
      { action: 'Eval', data: '1 + 1' },
      clientWallet,
    );
    const res = await send(node, req);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'Eval');
    const bytes = Buffer.from(req.body as Uint8Array);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1); // the data
    const tampered = await send(node, { ...req, body: bytes });
    assert.equal(tampered.status, 400);
    assert.match(tampered.text, /does not verify/);
    const garbage = await send(node, { ...req, body: 'not a data item' });
    assert.equal(garbage.status, 400);
  });
});

describe('force_signed_requests', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ config: { force_signed_requests: true } });
  });
  after(() => node.stop());

  it('refuses unsigned requests with 401 and serves signed ones', async () => {
    const res = await send(node, { path: '/~message@1.0&a=1/a' });
    assert.equal(res.status, 401);
    assert.match(res.text, /signed/);
    const signed = signedRequest('GET', { path: '/~message@1.0/a', a: '1' }, clientWallet);
    assert.equal((await send(node, signed)).status, 200);
  });
});

describe('signed responses', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('signs httpsig responses with the node key; they verify', async () => {
    for (const path of ['/~message@1.0&a=1/a', '/~meta@1.0/info', '/~message@1.0&a=1/missing']) {
      const res = await send(node, { path });
      const msg = responseMessage(res);
      assert.deepEqual(committersOf(msg), [nodeWallet.address], path);
      assert.equal(await verifyMessage(msg, {}, codecs), true, path);
    }
  });

  it('responses verify with hbsig, over the headers as sent (a real client)', async () => {
    for (const path of [
      '/~message@1.0&a=1/a',
      '/~meta@1.0/info/address',
      '/~message@1.0&a=1&b=2',
    ]) {
      const res = await send(node, { path });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (
          !k.startsWith('access-control-') &&
          !['date', 'connection', 'content-length'].includes(k)
        ) {
          headers[k] = v;
        }
      }
      const result = await verify({
        url: `${node.url}${path}`,
        method: 'GET',
        headers,
        body: res.text,
      });
      assert.equal(result.valid, true, path);
    }
  });

  it('answers in ANS-104 when asked (accept-codec), signed by the node', async () => {
    const res = await send(node, {
      path: '/~message@1.0&a=1&b=2/b',
      headers: { 'accept-codec': 'ans104@1.0' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['codec-device'], 'ans104@1.0');
    assert.equal(res.headers['content-type'], 'application/ans104');
    const item = parseItem(new Uint8Array(res.body));
    assert.ok(verifyItem(item));
    assert.equal(base64url(sha256(item.owner)), nodeWallet.address);
    const msg = tabmToMessage(ans104Codec.toTabm(item));
    assert.equal(msg.body, '2');
  });

  it('answers in JSON for Accept: application/json', async () => {
    const res = await send(node, {
      path: '/~message@1.0&a=1&b=2',
      headers: { accept: 'text/html, application/json;q=0.9' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['codec-device'], 'json@1.0');
    const json = JSON.parse(res.text) as Record<string, unknown>;
    assert.equal(json.a, '1');
    assert.equal(json.b, '2');
    assert.ok(json.commitments, 'the JSON carries the node signature');
  });

  it('refuses an unknown accept-codec with 400', async () => {
    const res = await send(node, {
      path: '/~message@1.0&a=1/a',
      headers: { 'accept-codec': 'x@9' },
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /x@9/);
  });

  it('does not sign when force_signed is off', async () => {
    const unsigned = await startTestNode({ config: { force_signed: false } });
    try {
      const res = await send(unsigned, { path: '/~message@1.0&a=1/a' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.signature, undefined);
    } finally {
      await unsigned.stop();
    }
  });
});
