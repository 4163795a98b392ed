/**
 * The signature algorithms an httpsig commitment may name (its `alg`), each
 * with how its `keyid` becomes a public key and an address.
 *
 *   rsa-pss-sha512     HyperBEAM's own: keyid is the RSA modulus, address
 *                      base64url(sha256(n)), any PSS salt length.
 *   secp256k1,         Ethereum keys, as aoconnect signers of type 3 sign HTTP
 *   ecdsa-secp256k1    messages: keyid is the public key (65 bytes, or 33
 *                      compressed); a 65-byte signature r‖s‖v is a personal
 *                      (EIP-191) signature of the signature base, as wallets and
 *                      arbundles' EthereumSigner make them; a 64-byte r‖s is
 *                      ECDSA over sha256(base). Low-S only. The address is the
 *                      checksummed Ethereum address, as for ANS-104 type 3.
 * HyperBEAM verifies only RSA; accepting Ethereum keys lets current clients
 * sign with them (refused there, accepted here: see the README).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromBase64url, sha256 } from '../../core/binary.ts';
import { addressOf, verifyEthereum, verifyRsaPss } from '../../crypto/wallet.ts';

export const RSA_ALG = 'rsa-pss-sha512';

export interface SignatureAlgorithm {
  /** Whether `signature` is this key's signature of `base`. */
  verify(publicKey: Uint8Array, base: Uint8Array, signature: Uint8Array): boolean;
  /** The signer's address. */
  address(publicKey: Uint8Array): string;
}

const rsa: SignatureAlgorithm = {
  verify: (n, base, signature) => verifyRsaPss(n, base, signature, 'sha512'),
  address: (n) => addressOf('rsa', n),
};

function uncompressed(publicKey: Uint8Array): Uint8Array | undefined {
  try {
    return secp256k1.Point.fromBytes(publicKey).toBytes(false);
  } catch {
    return undefined;
  }
}

const ethereum: SignatureAlgorithm = {
  verify(publicKey, base, signature) {
    const key = uncompressed(publicKey);
    if (!key) return false;
    if (signature.length === 65) return verifyEthereum(key, base, signature);
    if (signature.length !== 64) return false;
    try {
      return secp256k1.verify(signature, sha256(base), key, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  address: (publicKey) => addressOf('secp256k1', uncompressed(publicKey) ?? publicKey),
};

const ALGORITHMS: ReadonlyMap<string, SignatureAlgorithm> = new Map([
  [RSA_ALG, rsa],
  ['secp256k1', ethereum],
  ['ecdsa-secp256k1', ethereum],
]);

export function signatureAlgorithm(alg: string): SignatureAlgorithm | undefined {
  return ALGORITHMS.get(alg.toLowerCase());
}

export function supportedAlgorithms(): string[] {
  return [...ALGORITHMS.keys()];
}

/** A keyid as key bytes (base64url), or undefined if it is not one. */
export function keyidBytes(keyid: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(keyid)) return undefined;
  try {
    return fromBase64url(keyid);
  } catch {
    return undefined;
  }
}
