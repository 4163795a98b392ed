/**
 * Signatures checked over what was received: header values and body bytes
 * as they arrived, never a re-encoding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sharedPath } from '../../../test/support/shared.ts';
import { type Binary, base64, base64url, sha256, toBytes } from '../../core/binary.ts';
import { ethereumAddress, ethereumSign, loadWallet } from '../../crypto/wallet.ts';
import { messageToTabm } from '../structured.ts';
import { serializeDictionary } from '../structured-fields.ts';
import { signatureAlgorithm } from './algorithms.ts';
import { committedKeys, signHttpsig, verifyHttpsig } from './commit.ts';
import { tabmToHttp } from './encode.ts';
import { resetHmac } from './hmac.ts';
import { digestMatches, type ReceivedFields, readReceived, verifyReceived } from './received.ts';
import { signatureBase, signatureInput } from './signature-base.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function signedFields(msg: Record<string, unknown>): ReceivedFields['fields'] {
  return tabmToHttp(messageToTabm(signHttpsig(msg as never, wallet)), { transport: true });
}

describe('digestMatches', () => {
  const body = new TextEncoder().encode('hello');
  it('accepts the sha-256 of the body, refuses any other', () => {
    assert.equal(digestMatches(`sha-256=:${base64(sha256(body))}:`, body), true);
    assert.equal(digestMatches(`sha-256=:${base64(sha256('hellp'))}:`, body), false);
  });
  it('refuses digests it cannot check or read', () => {
    assert.equal(digestMatches('md5=:AAAA:', body), false);
    assert.equal(digestMatches('not a dictionary ((', body), false);
    assert.equal(digestMatches('sha-256="text"', body), false);
  });
});

describe('verifyReceived', () => {
  it('verifies our own signed messages, and names the signer', () => {
    const fields = signedFields({ a: '1', nested: { b: '2' }, path: '/x' });
    const [sig] = verifyReceived({ fields });
    assert.equal(sig?.committer, wallet.address);
    assert.ok(sig?.covers.includes('content-digest'));
    assert.ok(sig?.covers.includes('path'));
  });

  it('has nothing to check on an unsigned message', () => {
    assert.deepEqual(verifyReceived({ fields: { a: '1' } }), []);
  });

  it('refuses a body that does not match its signed digest', () => {
    const fields = signedFields({ a: '1', nested: { b: '2' } });
    const body = text(toBytes(fields.body as Uint8Array)).replace('b: 2', 'b: 3');
    assert.throws(() => verifyReceived({ fields: { ...fields, body } }), /content-digest/);
  });

  it('refuses a changed header and a missing covered header', () => {
    const fields = signedFields({ a: '1', b: '2' });
    assert.throws(() => verifyReceived({ fields: { ...fields, a: '2' } }), /does not verify/);
    const { b: _b, ...rest } = fields;
    assert.throws(() => verifyReceived({ fields: rest }), /covers a field/);
  });

  it('refuses a signature without its input, and unknown algorithms by name', () => {
    const fields = signedFields({ a: '1' });
    const { 'signature-input': _i, ...noInput } = fields;
    assert.throws(() => verifyReceived({ fields: noInput }), /signature-input/);
    const input = String(fields['signature-input']).replace('rsa-pss-sha512', 'hs2019');
    assert.throws(
      () => verifyReceived({ fields: { ...fields, 'signature-input': input } }),
      /alg 'hs2019' cannot be verified here/,
    );
  });

  it('reads a signed @path from the request line when no path header was sent', () => {
    const fields = signedFields({ a: '1', path: '/~message@1.0/a' });
    const { path: _p, ...noPath } = fields;
    assert.equal(verifyReceived({ fields: noPath, path: '/~message@1.0/a' }).length, 1);
    assert.throws(() => verifyReceived({ fields: noPath, path: '/other' }), /does not verify/);
  });
});

describe('secp256k1 (Ethereum) HTTP signatures', () => {
  const secret = new Uint8Array(32).fill(7);
  const publicKey = secp256k1.getPublicKey(secret, false);
  const keyid = base64url(publicKey);

  function ethSigned(
    fields: Record<string, string>,
    alg: string,
    sign: (b: Uint8Array) => Uint8Array,
  ) {
    const components = Object.keys(fields).sort();
    const input = signatureInput(components, { alg, keyid });
    const base = toBytes(signatureBase(components, input, fields));
    const label = 'http-sig-eth';
    return {
      ...fields,
      signature: serializeDictionary([
        [label, { kind: 'item', value: { type: 'binary', value: sign(base) }, params: [] }],
      ]),
      'signature-input': serializeDictionary([[label, input]]),
    } as Record<string, string>;
  }

  it('accepts EIP-191 personal signatures (65 bytes) and attributes them to the address', () => {
    const fields = ethSigned({ a: '1' }, 'secp256k1', (b) => ethereumSign(b, secret));
    const [sig] = verifyReceived({ fields });
    assert.equal(sig?.committer, ethereumAddress(publicKey));
    assert.match(sig?.committer ?? '', /^0x[0-9a-fA-F]{40}$/);
  });

  it('accepts compact ECDSA over sha-256 (64 bytes), low-S only', () => {
    const sign = (b: Uint8Array) => secp256k1.sign(sha256(b), secret, { prehash: false });
    const fields = ethSigned({ a: '1' }, 'ecdsa-secp256k1', sign);
    assert.equal(verifyReceived({ fields }).length, 1);
    assert.throws(() => verifyReceived({ fields: { ...fields, a: '2' } }), /does not verify/);
  });

  it('refuses another key’s signature presented with this keyid', () => {
    const other = new Uint8Array(32).fill(9);
    const fields = ethSigned({ a: '1' }, 'secp256k1', (b) => ethereumSign(b, other));
    assert.throws(() => verifyReceived({ fields }), /does not verify/);
  });

  it('has an address for compressed keys too', () => {
    const algorithm = signatureAlgorithm('secp256k1');
    const compressed = secp256k1.getPublicKey(secret, true);
    assert.equal(algorithm?.address(compressed), ethereumAddress(publicKey));
  });
});

describe('a short `data` a client sends and signs as a header (aoconnect)', () => {
  function clientSigned(fields: Record<string, string>): Record<string, Binary> {
    const components = Object.keys(fields).sort();
    const input = signatureInput(components, {
      alg: 'rsa-pss-sha512',
      keyid: base64url(wallet.publicKey),
    });
    const signature = wallet.sign(toBytes(signatureBase(components, input, fields)), 'sha512');
    const label = 'http-sig-client';
    return {
      ...fields,
      signature: serializeDictionary([
        [label, { kind: 'item', value: { type: 'binary', value: signature }, params: [] }],
      ]),
      'signature-input': serializeDictionary([[label, input]]),
    };
  }

  it('verifies over the header as received, and again over the message it decodes to', () => {
    const headers = clientSigned({ action: 'Eval', data: '1 + 1', type: 'Message' });
    const { message, verified } = readReceived({
      headers,
      body: new Uint8Array(),
      method: 'POST',
      path: '/x',
    });
    assert.equal(message.data, '1 + 1');
    const [id] = verified;
    assert.ok(id !== undefined && verifyHttpsig(message, id));
    assert.ok(committedKeys(message, id).includes('data'));
    // Beside the signature, the HMAC (the unsigned ID) over the form the signature covers.
    assert.equal(Object.keys(message.commitments as object).length, 2);
    // HyperBEAM's own encoding still makes such a `data` the body.
    assert.equal(tabmToHttp(messageToTabm({ data: '1 + 1' })).body, '1 + 1');
  });

  it('refuses the same request with its data changed', () => {
    const headers = clientSigned({ action: 'Eval', data: '1 + 1' });
    const received = { body: new Uint8Array(), method: 'POST', path: '/x' };
    assert.throws(
      () => readReceived({ ...received, headers: { ...headers, data: '2 + 2' } }),
      /does not verify/,
    );
  });
});

describe('the connection fields of a signed request', () => {
  const read = (headers: Record<string, Binary>) =>
    readReceived({ headers, body: new Uint8Array(), method: 'POST', path: '/x' });

  it('are left out unless signed: the message and its HMAC are those of the signed keys', () => {
    const fields = signedFields({ a: '1', path: '/x' });
    const plain = read(fields);
    const sent = read({
      ...fields,
      host: '127.0.0.1:8734',
      connection: 'close',
      'content-length': '0',
    });
    assert.deepEqual(sent.message, plain.message);
    assert.deepEqual(
      resetHmac(messageToTabm(sent.message)).commitments,
      messageToTabm(plain.message).commitments,
    );
  });

  it('are kept where a signature covers them', () => {
    const fields = signedFields({ a: '1', host: 'example.org' });
    const { message } = read({ ...fields, connection: 'close' });
    assert.equal(message.host, 'example.org');
    assert.equal(message.connection, undefined);
  });
});
