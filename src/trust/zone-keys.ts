/**
 * The green zone's key exchange, byte-compatible with HyperBEAM (trust.md
 * §3.7): the zone's AES-256 key travels to a joiner RSA-PKCS#1-v1.5
 * encrypted to the joiner's key (named by its ETF public-key term), and a
 * member's identity travels as its ETF private tuple under AES-256-GCM with a
 * 16-byte IV, the tag after the ciphertext. All base64 here is standard,
 * padded (Erlang's `base64:encode`).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { base64url, fromBase64 } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { decodeRsaKey, encodePrivateKey, encodePublicKey } from '../crypto/etf-keys.ts';
import { type Wallet, walletFromJwk } from '../crypto/wallet.ts';

export const ZONE_KEY_BYTES = 32;
const IV_BYTES = 16;
const TAG_BYTES = 16;

const refuse = (code: string, why: string): never => {
  throw new BadRequestError(code, why);
};

/** Standard base64 from a peer, refused (400) when it is not. */
function decoded(text: string, what: string): Buffer {
  try {
    return Buffer.from(fromBase64(text));
  } catch {
    return refuse('bad_base64', `the ${what} is not base64`);
  }
}

function rsaOnly(wallet: Wallet): void {
  if (wallet.type !== 'rsa') refuse('not_rsa', 'green zones exchange RSA identities only');
}

const bigEndian = (n: number) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};

/** The wallet's public key as HyperBEAM sends it: base64 of `{{rsa, 65537}, N}`. */
export function publicKeyTerm(wallet: Wallet): string {
  rsaOnly(wallet);
  return encodePublicKey(wallet.publicKey).toString('base64');
}

/** The RSA modulus a public-key term names (refused unless it is one). */
export function modulusOfTerm(term: string): Uint8Array {
  const key = decodeRsaKey(decoded(term, 'public key'));
  if (key.privateExponent) refuse('bad_public_key', 'the public key term holds a private key');
  if (key.exponent !== 65537) refuse('bad_public_key', 'the public exponent is not 65537');
  return key.modulus;
}

/** `zone-key`: the AES key encrypted to the holder of `modulus` (PKCS#1 v1.5). */
export function wrapZoneKey(aes: Uint8Array, modulus: Uint8Array): string {
  try {
    const key = createPublicKey({
      key: { kty: 'RSA', n: base64url(modulus), e: base64url(bigEndian(65537)) },
      format: 'jwk',
    });
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, aes).toString('base64');
  } catch {
    return refuse('bad_public_key', 'nothing can be encrypted to this public key');
  }
}

/**
 * The AES key from a `zone-key` sent to `wallet`. The raw RSA operation,
 * then the type-2 padding stripped here: Node may refuse PKCS#1 decryption
 * (the Marvin mitigation), and the ciphertext comes inside a reply whose
 * signature was checked first, so no padding oracle is offered.
 */
export function unwrapZoneKey(zoneKey: string, wallet: Wallet): Buffer {
  rsaOnly(wallet);
  const key = createPrivateKey({ key: wallet.jwk, format: 'jwk' });
  let block: Buffer;
  try {
    block = privateDecrypt(
      { key, padding: constants.RSA_NO_PADDING },
      decoded(zoneKey, 'zone key'),
    );
  } catch {
    return refuse('bad_zone_key', 'the zone key is not encrypted to this node');
  }
  const end = block.indexOf(0, 2);
  const aes = block.subarray(end + 1);
  if (block[0] !== 0 || block[1] !== 2 || end < 10 || aes.length !== ZONE_KEY_BYTES) {
    refuse('bad_zone_key', 'the zone key is not encrypted to this node');
  }
  return aes;
}

/** `key`'s reply: the wallet's private tuple under the zone key. */
export function sealIdentity(
  wallet: Wallet,
  aes: Uint8Array,
): { encrypted_key: string; iv: string } {
  rsaOnly(wallet);
  const d = fromBase64urlField(wallet.jwk.d);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', aes, iv);
  const sealed = Buffer.concat([
    cipher.update(encodePrivateKey(d, wallet.publicKey)),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { encrypted_key: sealed.toString('base64'), iv: iv.toString('base64') };
}

/** The wallet a `key` reply carries, opened with the zone key (refused if it does not open). */
export function openIdentity(encryptedKey: string, iv: string, aes: Uint8Array): Wallet {
  const sealed = decoded(encryptedKey, 'encrypted key');
  const nonce = decoded(iv, 'iv');
  if (sealed.length <= TAG_BYTES || nonce.length === 0) {
    refuse('bad_identity', 'the encrypted key is too short');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', aes, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(sealed.subarray(0, -TAG_BYTES)), decipher.final()]);
  } catch {
    return refuse('bad_identity', 'the encrypted key does not open with this zone key');
  }
  const key = decodeRsaKey(plain);
  if (!key.privateExponent) return refuse('bad_identity', 'the encrypted key is not private');
  return walletFromJwk({
    kty: 'RSA',
    n: base64url(key.modulus),
    e: base64url(bigEndian(key.exponent)),
    d: base64url(key.privateExponent),
  });
}

function fromBase64urlField(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64url');
}
