/**
 * Wallets (codecs.md §5): Arweave RSA-4096 JWKs, ed25519 and secp256k1 keys;
 * addresses; RSA-PSS signing (salt = digest length) and verification that
 * accepts any salt length; ed25519 and Ethereum (EIP-191, EIP-55) signatures;
 * typed errors for keys that cannot be loaded.
 *
 * Creating an RSA-4096 key is slow, so the file creates exactly one.
 */
import assert from 'node:assert/strict';
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  sign,
  verify,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sharedPath } from '../../test/support/shared.ts';
import { base64url, fromBase64url, sha256 } from '../core/binary.ts';
import {
  addressOf,
  createWallet,
  ethereumAddress,
  ethereumSign,
  loadWallet,
  saveWallet,
  verifyEd25519,
  verifyEthereum,
  verifyRsaPss,
  type Wallet,
  walletFromJwk,
} from './wallet.ts';

const KEY_1 = sharedPath('fixtures', 'key-1.json');
const KEY_2 = sharedPath('fixtures', 'key-2.json');
const KEY_1_ADDRESS = 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4';

const key1 = loadWallet(KEY_1);
const key2 = loadWallet(KEY_2);
const key1Jwk = JSON.parse(readFileSync(KEY_1, 'utf8')) as JsonWebKey;

const bytes = (text: string) => new TextEncoder().encode(text);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const flip = (b: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const out = new Uint8Array(b);
  out[at] = (out[at] as number) ^ mask;
  return out;
};

const scratch = mkdtempSync(join(tmpdir(), 'hb-wallet-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The well-known web3.js key (docs of `web3.eth.accounts`). */
const WEB3_SECRET = Buffer.from(
  '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  'hex',
);
const WEB3_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';

function secpJwk(secret: Uint8Array): JsonWebKey {
  const point = secp256k1.getPublicKey(secret, false);
  return {
    kty: 'EC',
    crv: 'secp256k1',
    d: base64url(secret),
    x: base64url(point.subarray(1, 33)),
    y: base64url(point.subarray(33)),
  };
}

describe('loading the Arweave JWK fixtures', () => {
  it('loads key-1 as an RSA-4096 wallet with its known address', () => {
    assert.equal(key1.type, 'rsa');
    assert.equal(key1.address, KEY_1_ADDRESS);
    assert.equal(key1.publicKey.length, 512);
    assert.deepEqual(key1.publicKey, fromBase64url(String(key1Jwk.n)));
    assert.deepEqual(key1.jwk, key1Jwk);
  });

  it('gives key-2 its own address, the SHA-256 of its modulus', () => {
    assert.equal(key2.type, 'rsa');
    assert.equal(key2.publicKey.length, 512);
    assert.notEqual(key2.address, key1.address);
    assert.equal(key2.address, base64url(sha256(key2.publicKey)));
    assert.equal(key2.address.length, 43);
  });

  it('loads the same wallet from the JWK object as from the file', () => {
    const w = walletFromJwk(key1Jwk);
    assert.equal(w.address, KEY_1_ADDRESS);
    assert.deepEqual(w.publicKey, key1.publicKey);
  });

  it('addressOf agrees with the wallets', () => {
    assert.equal(addressOf('rsa', key1.publicKey), KEY_1_ADDRESS);
    assert.equal(addressOf('rsa', key2.publicKey), key2.address);
  });
});

describe('creating wallets', () => {
  // The only RSA key generated in this file.
  const rsa = createWallet();

  it('creates RSA-4096 wallets by default, with e = 65537 and ext: true', () => {
    assert.equal(rsa.type, 'rsa');
    assert.equal(rsa.publicKey.length, 512);
    assert.equal(rsa.jwk.kty, 'RSA');
    assert.equal(rsa.jwk.e, 'AQAB');
    assert.equal((rsa.jwk as { ext?: unknown }).ext, true);
    for (const part of ['n', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
      assert.equal(typeof rsa.jwk[part], 'string', part);
    }
    assert.equal(rsa.address, base64url(sha256(rsa.publicKey)));
    assert.notEqual(rsa.address, KEY_1_ADDRESS);
  });

  it('signs with a new RSA wallet in both digests', () => {
    const data = bytes('new rsa key');
    for (const digest of ['sha256', 'sha512'] as const) {
      const sig = rsa.sign(data, digest);
      assert.equal(sig.length, 512);
      assert.equal(verifyRsaPss(rsa.publicKey, data, sig, digest), true);
      assert.equal(verifyRsaPss(key1.publicKey, data, sig, digest), false);
    }
  });

  it('saves and reloads an RSA wallet', () => {
    const path = join(scratch, 'rsa.json');
    saveWallet(path, rsa);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(JSON.parse(text), rsa.jwk);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const back = loadWallet(path);
    assert.equal(back.type, 'rsa');
    assert.equal(back.address, rsa.address);
    const data = bytes('reloaded');
    assert.equal(verifyRsaPss(rsa.publicKey, data, back.sign(data, 'sha512'), 'sha512'), true);
  });

  it('creates ed25519 wallets', () => {
    const a = createWallet('ed25519');
    const b = createWallet('ed25519');
    assert.equal(a.type, 'ed25519');
    assert.equal(a.publicKey.length, 32);
    assert.equal(a.jwk.kty, 'OKP');
    assert.equal(a.jwk.crv, 'Ed25519');
    assert.deepEqual(a.publicKey, fromBase64url(String(a.jwk.x)));
    assert.equal(a.address, base64url(sha256(a.publicKey)));
    assert.equal(addressOf('ed25519', a.publicKey), a.address);
    assert.notEqual(a.address, b.address);
  });

  it('creates secp256k1 wallets with uncompressed keys and EIP-55 addresses', () => {
    const a = createWallet('secp256k1');
    const b = createWallet('secp256k1');
    assert.equal(a.type, 'secp256k1');
    assert.equal(a.publicKey.length, 65);
    assert.equal(a.publicKey[0], 0x04);
    assert.equal(a.jwk.kty, 'EC');
    assert.equal(a.jwk.crv, 'secp256k1');
    assert.deepEqual(a.publicKey.subarray(1, 33), fromBase64url(String(a.jwk.x)));
    assert.deepEqual(a.publicKey.subarray(33), fromBase64url(String(a.jwk.y)));
    assert.match(a.address, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(a.address, ethereumAddress(a.publicKey));
    assert.equal(addressOf('secp256k1', a.publicKey), a.address);
    assert.notEqual(a.address, b.address);
  });

  for (const type of ['ed25519', 'secp256k1'] as const) {
    it(`saves and reloads a ${type} wallet`, () => {
      const w = createWallet(type);
      const path = join(scratch, `${type}.json`);
      saveWallet(path, w);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const back = loadWallet(path);
      assert.equal(back.type, type);
      assert.equal(back.address, w.address);
      assert.deepEqual(back.publicKey, w.publicKey);
      const data = bytes(`reloaded ${type}`);
      const check = type === 'ed25519' ? verifyEd25519 : verifyEthereum;
      assert.equal(check(w.publicKey, data, back.sign(data)), true);
    });
  }
});

describe('RSA-PSS', () => {
  const data = bytes('hello ao');
  const publicKey = createPublicKey({ key: key1Jwk, format: 'jwk' });
  const privateKey = createPrivateKey({ key: key1Jwk, format: 'jwk' });

  /** Whether node:crypto accepts the signature with exactly this salt length. */
  const saltIs = (sig: Uint8Array, digest: string, saltLength: number) =>
    verify(
      digest,
      data,
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
      sig,
    );

  for (const [digest, salt] of [
    ['sha256', 32],
    ['sha512', 64],
  ] as const) {
    it(`signs with ${digest} and a ${salt}-byte salt, and verifies`, () => {
      const sig = key1.sign(data, digest);
      assert.equal(sig.length, 512);
      assert.equal(verifyRsaPss(key1.publicKey, data, sig, digest), true);
      assert.equal(saltIs(sig, digest, salt), true);
      assert.equal(saltIs(sig, digest, salt === 32 ? 64 : 32), false);
      // The other digest does not verify.
      const other = digest === 'sha256' ? 'sha512' : 'sha256';
      assert.equal(verifyRsaPss(key1.publicKey, data, sig, other), false);
      // Nor does another key, or other data.
      assert.equal(verifyRsaPss(key2.publicKey, data, sig, digest), false);
      assert.equal(verifyRsaPss(key1.publicKey, bytes('hello ap'), sig, digest), false);
    });
  }

  it('signs with sha256 when no digest is given', () => {
    const sig = key1.sign(data);
    assert.equal(verifyRsaPss(key1.publicKey, data, sig, 'sha256'), true);
    assert.equal(saltIs(sig, 'sha256', 32), true);
  });

  it('is salted: two signatures of the same data differ and both verify', () => {
    const a = key1.sign(data, 'sha512');
    const b = key1.sign(data, 'sha512');
    assert.notDeepEqual(a, b);
    assert.equal(verifyRsaPss(key1.publicKey, data, a, 'sha512'), true);
    assert.equal(verifyRsaPss(key1.publicKey, data, b, 'sha512'), true);
  });

  for (const digest of ['sha256', 'sha512'] as const) {
    for (const saltLength of [0, 32, 64, constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
      it(`accepts a ${digest} signature with salt length ${saltLength}`, () => {
        const sig = new Uint8Array(
          sign(digest, data, {
            key: privateKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength,
          }),
        );
        assert.equal(verifyRsaPss(key1.publicKey, data, sig, digest), true);
        assert.equal(verifyRsaPss(key1.publicKey, data, flip(sig, 100), digest), false);
      });
    }
  }

  it('rejects PKCS#1 v1.5 signatures', () => {
    const sig = new Uint8Array(
      sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }),
    );
    assert.equal(sig.length, 512);
    assert.equal(verifyRsaPss(key1.publicKey, data, sig, 'sha256'), false);
  });

  it('rejects signatures of the wrong length', () => {
    const sig = key1.sign(data, 'sha512');
    const cases = [
      new Uint8Array(0),
      sig.subarray(0, 511),
      sig.subarray(1),
      Uint8Array.from([...sig, 0]),
      Uint8Array.from([0, ...sig]),
      sig.subarray(0, 256),
    ];
    for (const bad of cases) {
      assert.equal(
        verifyRsaPss(key1.publicKey, data, bad, 'sha512'),
        false,
        `length ${bad.length}`,
      );
    }
  });

  it('rejects altered signatures (first, middle and last byte, every bit of one byte)', () => {
    const sig = key1.sign(data, 'sha256');
    for (const at of [0, 1, 255, 256, 510, 511]) {
      assert.equal(verifyRsaPss(key1.publicKey, data, flip(sig, at), 'sha256'), false, `@${at}`);
    }
    for (let bit = 0; bit < 8; bit++) {
      assert.equal(verifyRsaPss(key1.publicKey, data, flip(sig, 300, 1 << bit), 'sha256'), false);
    }
  });

  it('returns false (does not throw) for degenerate keys and signatures', () => {
    const sig = key1.sign(data, 'sha256');
    assert.equal(verifyRsaPss(new Uint8Array(0), data, new Uint8Array(0), 'sha256'), false);
    assert.equal(verifyRsaPss(key1.publicKey, data, new Uint8Array(512), 'sha256'), false);
    // A signature numerically larger than the modulus.
    assert.equal(
      verifyRsaPss(key1.publicKey, data, new Uint8Array(512).fill(0xff), 'sha256'),
      false,
    );
    // A "modulus" that is not an RSA key of the signature's length.
    assert.equal(verifyRsaPss(new Uint8Array(512), data, sig, 'sha256'), false);
    assert.equal(verifyRsaPss(new Uint8Array(512).fill(0xff), data, sig, 'sha256'), false);
  });
});

describe('ed25519', () => {
  const w = createWallet('ed25519');
  const data = bytes('ed25519 data');

  it('signs deterministically and verifies', () => {
    const sig = w.sign(data);
    assert.equal(sig.length, 64);
    assert.deepEqual(w.sign(data), sig);
    assert.equal(verifyEd25519(w.publicKey, data, sig), true);
  });

  it('ignores the digest argument', () => {
    assert.deepEqual(w.sign(data, 'sha512'), w.sign(data));
  });

  it('matches node:crypto', () => {
    const key = createPrivateKey({ key: w.jwk, format: 'jwk' });
    assert.deepEqual(w.sign(data), new Uint8Array(sign(null, data, key)));
  });

  it('rejects altered signatures, other data and other keys', () => {
    const sig = w.sign(data);
    for (const at of [0, 31, 32, 63]) {
      assert.equal(verifyEd25519(w.publicKey, data, flip(sig, at)), false, `@${at}`);
    }
    assert.equal(verifyEd25519(w.publicKey, bytes('ed25519 datA'), sig), false);
    assert.equal(verifyEd25519(createWallet('ed25519').publicKey, data, sig), false);
  });

  it('rejects wrong lengths and garbage keys without throwing', () => {
    const sig = w.sign(data);
    assert.equal(verifyEd25519(w.publicKey, data, sig.subarray(0, 63)), false);
    assert.equal(verifyEd25519(w.publicKey, data, Uint8Array.from([...sig, 0])), false);
    assert.equal(verifyEd25519(w.publicKey.subarray(0, 31), data, sig), false);
    assert.equal(verifyEd25519(new Uint8Array(65), data, sig), false);
    assert.equal(verifyEd25519(new Uint8Array(32).fill(0xff), data, sig), false);
    assert.equal(verifyEd25519(w.publicKey, data, new Uint8Array(64).fill(0xff)), false);
  });
});

describe('Ethereum (secp256k1)', () => {
  const web3 = walletFromJwk(secpJwk(WEB3_SECRET));

  it('derives the known address of the web3.js documentation key', () => {
    assert.equal(web3.type, 'secp256k1');
    assert.equal(web3.address, WEB3_ADDRESS);
    assert.equal(ethereumAddress(secp256k1.getPublicKey(WEB3_SECRET, false)), WEB3_ADDRESS);
  });

  it('derives the EIP-55 addresses of private keys 1 and 2', () => {
    const one = new Uint8Array(32);
    one[31] = 1;
    const two = new Uint8Array(32);
    two[31] = 2;
    assert.equal(
      ethereumAddress(secp256k1.getPublicKey(one, false)),
      '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
    );
    assert.equal(
      ethereumAddress(secp256k1.getPublicKey(two, false)),
      '0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF',
    );
  });

  it('accepts the public key with or without the 0x04 prefix', () => {
    const point = secp256k1.getPublicKey(WEB3_SECRET, false);
    assert.equal(ethereumAddress(point.subarray(1)), WEB3_ADDRESS);
  });

  it('signs personal messages (EIP-191) like web3.js', () => {
    // web3.eth.accounts.sign('Some data', <key>) in the web3.js documentation.
    const sig = ethereumSign(bytes('Some data'), WEB3_SECRET);
    assert.equal(
      hex(sig),
      'b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd' +
        '6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a029' +
        '1c',
    );
    assert.deepEqual(web3.sign(bytes('Some data')), sig);
    assert.equal(verifyEthereum(web3.publicKey, bytes('Some data'), sig), true);
  });

  it('ends every signature with v = 27 or 28', () => {
    const w = web3;
    const seen = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const sig = w.sign(bytes(`message ${i}`));
      assert.equal(sig.length, 65);
      assert.ok(sig[64] === 27 || sig[64] === 28, String(sig[64]));
      seen.add(sig[64] as number);
      assert.equal(verifyEthereum(w.publicKey, bytes(`message ${i}`), sig), true);
    }
    // Over 16 fixed messages of a fixed key, both recovery values occur.
    assert.deepEqual([...seen].sort(), [27, 28]);
  });

  it('rejects altered signatures, other data and other keys', () => {
    const data = bytes('eth data');
    const sig = web3.sign(data);
    for (const at of [0, 31, 32, 63]) {
      assert.equal(verifyEthereum(web3.publicKey, data, flip(sig, at)), false, `@${at}`);
    }
    assert.equal(verifyEthereum(web3.publicKey, bytes('eth datA'), sig), false);
    assert.equal(verifyEthereum(createWallet('secp256k1').publicKey, data, sig), false);
  });

  // The high-S twin (r, n - s) of a signature is refused, as arbundles does:
  // otherwise every type-3 item would have a second valid ID.
  it('rejects high-S Ethereum signatures, as arbundles does', () => {
    const data = bytes('eth data');
    const sig = web3.sign(data);
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt(`0x${Buffer.from(sig.subarray(32, 64)).toString('hex')}`);
    const high = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
    const v = (sig[64] as number) === 27 ? 28 : 27; // the twin recovers with the other parity
    const twin = Uint8Array.from([...sig.subarray(0, 32), ...high, v]);
    assert.equal(verifyEthereum(web3.publicKey, data, sig), true);
    assert.equal(verifyEthereum(web3.publicKey, data, twin), false);
  });

  it('rejects wrong lengths and garbage keys without throwing', () => {
    const data = bytes('eth data');
    const sig = web3.sign(data);
    assert.equal(verifyEthereum(web3.publicKey, data, sig.subarray(0, 64)), false);
    assert.equal(verifyEthereum(web3.publicKey, data, Uint8Array.from([...sig, 0])), false);
    assert.equal(verifyEthereum(new Uint8Array(65), data, sig), false);
    assert.equal(verifyEthereum(new Uint8Array(3), data, sig), false);
    assert.equal(verifyEthereum(web3.publicKey, data, new Uint8Array(65)), false);
  });
});

describe('bad wallets', () => {
  const bad = (jwk: unknown) => () => walletFromJwk(jwk as JsonWebKey);
  const badWallet = { name: 'BadRequestError', code: 'bad_wallet', status: 400 };

  it('refuses keys of unknown types or without private parts', () => {
    const { d: _d, ...publicOnly } = key1Jwk;
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const { d: _ed, ...edPublic } = ed;
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    });
    for (const jwk of [{}, { kty: 'oct', k: 'AAAA' }, publicOnly, edPublic, x25519, p256]) {
      assert.throws(bad(jwk), badWallet, JSON.stringify(jwk).slice(0, 60));
    }
  });

  it('refuses keys whose parts are not valid', () => {
    const cases: JsonWebKey[] = [
      { ...key1Jwk, n: 'not a modulus!', d: '@@' },
      { ...key1Jwk, n: 'AQAB' },
      { kty: 'OKP', crv: 'Ed25519', d: 'AAAA', x: 'AAAA' },
      { kty: 'EC', crv: 'secp256k1', d: base64url(new Uint8Array(32)) },
      { kty: 'EC', crv: 'secp256k1', d: base64url(new Uint8Array(32).fill(0xff)) },
      { kty: 'EC', crv: 'secp256k1', d: 'AAAA' },
    ];
    for (const jwk of cases) assert.throws(bad(jwk), badWallet, JSON.stringify(jwk).slice(0, 60));
  });

  it('refuses files that are missing or not JSON', () => {
    assert.throws(() => loadWallet(join(scratch, 'missing.json')), badWallet);
    const path = join(scratch, 'garbage.json');
    writeFileSync(path, 'not json {');
    assert.throws(() => loadWallet(path), badWallet);
    const array = join(scratch, 'array.json');
    writeFileSync(array, '[1, 2, 3]');
    assert.throws(() => loadWallet(array), badWallet);
  });

  // codecs.md §5: HyperBEAM reads only `n` and `d`; we recover the primes.
  it('loads an RSA JWK that has only n, e and d (as HyperBEAM does)', () => {
    const { p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...minimal } = key1Jwk;
    const wallet = walletFromJwk(minimal as JsonWebKey);
    assert.equal(wallet.address, key1.address);
    const data = bytes('minimal');
    assert.equal(verifyRsaPss(key1.publicKey, data, wallet.sign(data, 'sha512'), 'sha512'), true);
  });

  it('refuses CRT parameters that do not match n', () => {
    assert.throws(bad({ ...key1Jwk, p: 'AQAB', q: 'AQAB' }), badWallet);
  });
});

/** Signing helpers keep working on a wallet object passed around as the interface. */
describe('the Wallet interface', () => {
  it('holds the same shape for every key type', () => {
    const wallets: Wallet[] = [key1, createWallet('ed25519'), createWallet('secp256k1')];
    for (const w of wallets) {
      assert.equal(typeof w.address, 'string');
      assert.ok(w.publicKey instanceof Uint8Array);
      assert.equal(addressOf(w.type, w.publicKey), w.address);
      assert.equal(typeof w.jwk.d, 'string');
    }
  });
});
