/**
 * Signatures known to hold, each with a digest of the bytes it signed (a
 * bounded memo, per process: a fact about bytes, not node state). A message
 * is checked again and again on its way (its request, its commitments'
 * keys, the reply that carries it, each compute of its process): once one
 * signature has verified over some bytes, the same signature over the same
 * bytes is known to hold by hashing them, without the public-key operation.
 */
import { createHash } from 'node:crypto';

const LIMIT = 8192;
const known = new Map<string, string>();

const keyOf = (signature: Uint8Array) => Buffer.from(signature).toString('base64');
const digestOf = (signed: Uint8Array) => createHash('sha256').update(signed).digest('base64');

/** Note that `signature` holds over `signed` (it verified, or this node just made it). */
export function rememberVerified(signature: Uint8Array, signed: Uint8Array): void {
  if (known.size >= LIMIT) known.clear();
  known.set(keyOf(signature), digestOf(signed));
}

/** Whether `signature` over `signed` holds: remembered, or `verify` says so (then remembered). */
export function verifiedOnce(
  signature: Uint8Array,
  signed: Uint8Array,
  verify: () => boolean,
): boolean {
  if (known.get(keyOf(signature)) === digestOf(signed)) return true;
  if (!verify()) return false;
  rememberVerified(signature, signed);
  return true;
}
