/**
 * Wallets: Arweave RSA-4096 JWK keys (what HyperBEAM signs with), plus
 * ed25519 and secp256k1 (Ethereum) keys that current clients sign with.
 *
 * An RSA wallet's public key is its raw modulus `n`; its address is
 * base64url(sha256(n)). Signatures are RSA-PSS with the salt as long as the
 * digest (SHA-512 for httpsig, SHA-256 for ANS-104); verification accepts any
 * salt length, as HyperBEAM does.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base64url, fromBase64url, sha256 } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';

export type KeyType = 'rsa' | 'ed25519' | 'secp256k1';
export type Digest = 'sha256' | 'sha512';

export interface Wallet {
  readonly type: KeyType;
  /** The public key as carried on the wire (RSA modulus, ed25519 key, uncompressed secp256k1 point). */
  readonly publicKey: Uint8Array;
  /** The signer's address. */
  readonly address: string;
  /** The JWK the wallet was made from (private parts included). */
  readonly jwk: JsonWebKey;
  /** Sign bytes with this key's scheme (RSA-PSS with the given digest, ed25519, or Ethereum). */
  sign(data: Uint8Array, digest?: Digest): Uint8Array;
  /** The same, off the main thread where the scheme allows (RSA and ed25519 use libuv's pool). */
  signAsync(data: Uint8Array, digest?: Digest): Promise<Uint8Array>;
}

/** node:crypto's sign, run in libuv's thread pool. */
function signInPool(
  digest: string | null,
  data: Uint8Array,
  key: Parameters<typeof sign>[2],
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign(digest, data, key, (error, signature) =>
      error ? reject(error) : resolve(new Uint8Array(signature)),
    );
  });
}

// RSA keys from `n`, `e` and `d` alone (all HyperBEAM reads): recover the
// primes, then the CRT parameters node:crypto needs (NIST SP 800-56B, C.2).
const big = (b64: string) => BigInt(`0x${Buffer.from(fromBase64url(b64)).toString('hex') || '0'}`);
const b64 = (n: bigint) => {
  const hex = n.toString(16);
  return base64url(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
};
function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

function withCrt(jwk: JsonWebKey): JsonWebKey {
  if (jwk.p && jwk.q && jwk.dp && jwk.dq && jwk.qi) return jwk;
  const n = big(String(jwk.n));
  const e = big(String(jwk.e ?? 'AQAB'));
  const d = big(String(jwk.d));
  const k = d * e - 1n;
  let t = k;
  while (t % 2n === 0n) t /= 2n;
  for (let g = 2n; g < 1000n; g++) {
    for (let x = t; x < k; x *= 2n) {
      const y = modPow(g, x, n);
      if (y !== 1n && y !== n - 1n && modPow(y, 2n, n) === 1n) {
        const p = gcd(y - 1n, n);
        const q = n / p;
        return {
          ...jwk,
          e: b64(e),
          p: b64(p),
          q: b64(q),
          dp: b64(d % (p - 1n)),
          dq: b64(d % (q - 1n)),
          qi: b64(modInverse(q, p)),
        };
      }
    }
  }
  throw new BadRequestError('bad_wallet', 'the RSA key parameters are inconsistent');
}

function rsaWallet(rawJwk: JsonWebKey): Wallet {
  const jwk = withCrt(rawJwk);
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = fromBase64url(String(jwk.n));
  const pss = (digest: Digest) => ({
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: digest === 'sha512' ? 64 : 32,
  });
  // A key whose parameters disagree would sign things nobody can verify: check once.
  const probe = Buffer.from('hyperbeam wallet self-test');
  const signature = sign('sha256', probe, {
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  if (!verifyRsaPss(publicKey, probe, signature, 'sha256')) {
    throw new BadRequestError('bad_wallet', 'the RSA key does not match its public modulus');
  }
  return {
    type: 'rsa',
    publicKey,
    address: base64url(sha256(publicKey)),
    jwk,
    sign: (data, digest = 'sha256') => new Uint8Array(sign(digest, data, pss(digest))),
    signAsync: (data, digest = 'sha256') => signInPool(digest, data, pss(digest)),
  };
}

function ed25519Wallet(jwk: JsonWebKey): Wallet {
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = fromBase64url(String(jwk.x));
  return {
    type: 'ed25519',
    publicKey,
    address: base64url(sha256(publicKey)),
    jwk,
    sign: (data) => new Uint8Array(sign(null, data, key)),
    signAsync: (data) => signInPool(null, data, key),
  };
}

function secp256k1Wallet(jwk: JsonWebKey): Wallet {
  const secret = fromBase64url(String(jwk.d));
  const publicKey = secp256k1.getPublicKey(secret, false);
  return {
    type: 'secp256k1',
    publicKey,
    address: ethereumAddress(publicKey),
    jwk,
    sign: (data) => ethereumSign(data, secret),
    signAsync: async (data) => ethereumSign(data, secret),
  };
}

/** A wallet from a JWK: RSA (Arweave), OKP/Ed25519, or EC/secp256k1. */
export function walletFromJwk(jwk: JsonWebKey): Wallet {
  try {
    if (jwk.kty === 'RSA' && jwk.n && jwk.d) return rsaWallet(jwk);
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.d) return ed25519Wallet(jwk);
    if (jwk.kty === 'EC' && jwk.crv === 'secp256k1' && jwk.d) return secp256k1Wallet(jwk);
  } catch (error) {
    throw new BadRequestError(
      'bad_wallet',
      `the key cannot be loaded: ${(error as Error).message}`,
    );
  }
  throw new BadRequestError(
    'bad_wallet',
    'a wallet must be a private RSA, Ed25519 or secp256k1 JWK',
  );
}

export function loadWallet(path: string): Wallet {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as JsonWebKey;
  } catch (error) {
    throw new BadRequestError(
      'bad_wallet',
      `cannot read the wallet ${path}: ${(error as Error).message}`,
    );
  }
  return walletFromJwk(jwk);
}

/** A new wallet (RSA-4096 by default, like Arweave's). */
export function createWallet(type: KeyType = 'rsa'): Wallet {
  if (type === 'secp256k1') {
    const secret = secp256k1.utils.randomSecretKey();
    const point = secp256k1.getPublicKey(secret, false);
    return walletFromJwk({
      kty: 'EC',
      crv: 'secp256k1',
      d: base64url(secret),
      x: base64url(point.subarray(1, 33)),
      y: base64url(point.subarray(33)),
    });
  }
  const { privateKey } =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' });
  return walletFromJwk(type === 'rsa' ? { ...jwk, ext: true } : jwk);
}

export function saveWallet(path: string, wallet: Wallet): void {
  writeFileSync(path, `${JSON.stringify(wallet.jwk)}\n`, { mode: 0o600 });
}

// Verification ---------------------------------------------------------------------------

const rsaKeys = new Map<string, KeyObject>();

function rsaPublicKey(modulus: Uint8Array): KeyObject {
  const n = base64url(modulus);
  let key = rsaKeys.get(n);
  if (!key) {
    key = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });
    if (rsaKeys.size > 1000) rsaKeys.clear();
    rsaKeys.set(n, key);
  }
  return key;
}

/** RSA-PSS verification with any salt length; the signature must be as long as the modulus. */
export function verifyRsaPss(
  modulus: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
  digest: Digest,
): boolean {
  if (modulus.length === 0 || signature.length !== modulus.length) return false;
  try {
    return verify(
      digest,
      data,
      {
        key: rsaPublicKey(modulus),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_AUTO,
      },
      signature,
    );
  } catch {
    return false;
  }
}

export function verifyEd25519(
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) },
      format: 'jwk',
    });
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** Ethereum's personal-message hash (EIP-191), what ANS-104 type-3 signers sign. */
function ethereumMessageHash(data: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${data.length}`);
  return keccak_256(Buffer.concat([prefix, data]));
}

/** An Ethereum signature: r ‖ s ‖ v (v = 27 or 28) over the EIP-191 hash. */
export function ethereumSign(data: Uint8Array, secret: Uint8Array): Uint8Array {
  const recovered = secp256k1.sign(ethereumMessageHash(data), secret, {
    prehash: false,
    format: 'recovered',
  });
  // noble puts the recovery byte first; Ethereum puts it last, offset by 27.
  return Uint8Array.from([...recovered.subarray(1), (recovered[0] as number) + 27]);
}

/**
 * Ethereum signature check: low-S only (as arbundles and Ethereum require), and
 * the recovery byte must recover the owner, so a signature has exactly one
 * valid form (and an item exactly one ID).
 */
export function verifyEthereum(
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 65) return false;
  const v = signature[64] as number;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return false;
  try {
    const hash = ethereumMessageHash(data);
    if (
      !secp256k1.verify(signature.subarray(0, 64), hash, publicKey, {
        prehash: false,
        format: 'compact',
      })
    ) {
      return false;
    }
    const recovered = secp256k1.recoverPublicKey(
      Uint8Array.from([recovery, ...signature.subarray(0, 64)]),
      hash,
      {
        prehash: false,
      },
    );
    return (
      Buffer.compare(
        Buffer.from(secp256k1.Point.fromBytes(recovered).toBytes(false)),
        Buffer.from(publicKey),
      ) === 0
    );
  } catch {
    return false;
  }
}

/** The checksummed Ethereum address of an uncompressed secp256k1 public key (EIP-55). */
export function ethereumAddress(publicKey: Uint8Array): string {
  const point = publicKey.length === 65 ? publicKey.subarray(1) : publicKey;
  const hex = Buffer.from(keccak_256(point).subarray(-20)).toString('hex');
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(hex))).toString('hex');
  let out = '0x';
  for (let i = 0; i < hex.length; i++) {
    out += Number.parseInt(hash[i] as string, 16) >= 8 ? (hex[i] as string).toUpperCase() : hex[i];
  }
  return out;
}

/** The address of a public key of the given type. */
export function addressOf(type: KeyType, publicKey: Uint8Array): string {
  return type === 'secp256k1' ? ethereumAddress(publicKey) : base64url(sha256(publicKey));
}
