/**
 * Verifying a serialised ANS-104 data item over the bytes read, as the node
 * does for an item POSTed to it: the deep hash is taken over the fields
 * exactly as they sit in the bytes (the tags too, as their Avro bytes), never
 * over a message decoded from the item and encoded again. Decoding and
 * re-encoding normalises what the message cannot express (the zero signature
 * and owner of unsigned items nested in a bundle, tag encodings), so a
 * changed byte there would otherwise go unnoticed, and an item whose tags a
 * message cannot reproduce would be called invalid although it is not.
 */

import {
  type DataItem,
  isSigned,
  itemId,
  SIGNATURE_TYPES,
  tagsValid,
} from '../codecs/ans104/data-item.ts';
import { deepHash } from '../codecs/ans104/deep-hash.ts';
import { base64url } from '../core/binary.ts';
import { addressOf } from '../crypto/wallet.ts';

const KEY_TYPES = { 1: 'rsa', 2: 'ed25519', 3: 'secp256k1', 4: 'ed25519' } as const;

export interface ItemVerdict {
  /** The item's ID: base64url(SHA-256(signature)). */
  id: string;
  /** The address of the key in the item's owner field. */
  committer: string;
  valid: boolean;
  /** Why it is not valid. */
  reason?: string;
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * The tag and data bytes of a serialised item, as they are in `bytes`.
 * `item` is what parseItem read from the same bytes (so the layout is known to hold).
 */
function rawTagsAndData(bytes: Uint8Array, item: DataItem): { tags: Uint8Array; data: Uint8Array } {
  const config = SIGNATURE_TYPES[item.signatureType];
  if (!config) throw new Error(`unsupported signature type ${item.signatureType}`);
  let at = 2 + config.signatureLength + config.ownerLength;
  at += bytes[at] === 1 ? 33 : 1; // target
  at += bytes[at] === 1 ? 33 : 1; // anchor
  const tagLength = Number(Buffer.from(bytes.subarray(at + 8, at + 16)).readBigUInt64LE());
  at += 16;
  return { tags: bytes.subarray(at, at + tagLength), data: bytes.subarray(at + tagLength) };
}

/** What the item's signature covers, from its bytes. */
export function rawSignatureData(bytes: Uint8Array, item: DataItem): Uint8Array {
  const { tags, data } = rawTagsAndData(bytes, item);
  return deepHash([
    text('dataitem'),
    text('1'),
    text(String(item.signatureType)),
    item.owner,
    item.target,
    item.anchor,
    tags,
    data,
  ]);
}

/**
 * Check a signed item's signature over its own bytes (`item` is parseItem(bytes)).
 * Undefined for an unsigned item: there is no signature to check.
 */
export function verifyItemBytes(bytes: Uint8Array, item: DataItem): ItemVerdict | undefined {
  if (!isSigned(item)) return undefined;
  const config = SIGNATURE_TYPES[item.signatureType];
  const keyType = KEY_TYPES[item.signatureType as keyof typeof KEY_TYPES];
  const id = base64url(itemId(item));
  const committer = keyType ? addressOf(keyType, item.owner) : '?';
  if (!config) {
    return {
      id,
      committer,
      valid: false,
      reason: `signature type ${item.signatureType} is not supported`,
    };
  }
  if (!tagsValid(item)) {
    return {
      id,
      committer,
      valid: false,
      reason: "its tags exceed ANS-104's limits (128 tags, names of 1024 bytes, values of 3072)",
    };
  }
  let valid = false;
  try {
    valid = config.verify(item.owner, rawSignatureData(bytes, item), item.signature);
  } catch {
    valid = false; // an owner that is not a key of its type
  }
  return valid
    ? { id, committer, valid }
    : {
        id,
        committer,
        valid,
        reason: "the signature does not match the item's bytes (owner, target, anchor, tags, data)",
      };
}
