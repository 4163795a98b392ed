/**
 * ANS-104 data items: the binary format, its deep-hash signature data, IDs,
 * signing and verification, for signature types 1 (Arweave RSA-4096),
 * 2 (ed25519), 3 (Ethereum secp256k1) and 4 (Solana, ed25519).
 *
 *   u16 LE signature type | signature | owner
 *   | target (0, or 1 + 32 bytes) | anchor (0, or 1 + 32 bytes)
 *   | u64 LE tag count | u64 LE tag bytes | Avro-encoded tags | data
 */
import { type Binary, base64url, canonicalBinary, sha256, toBytes } from '../../core/binary.ts';
import { ByteCursor } from '../../core/byte-cursor.ts';
import { CodecError } from '../../core/errors.ts';
import { verifiedOnce } from '../../crypto/verified.ts';
import { verifyEd25519, verifyEthereum, verifyRsaPss, type Wallet } from '../../crypto/wallet.ts';
import { deepHash } from './deep-hash.ts';

export interface Tag {
  name: Binary;
  value: Binary;
}

export interface DataItem {
  signatureType: number;
  signature: Uint8Array;
  owner: Uint8Array;
  target: Uint8Array;
  anchor: Uint8Array;
  tags: Tag[];
  data: Uint8Array;
}

interface SignatureConfig {
  signatureLength: number;
  ownerLength: number;
  verify(owner: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

export const SIGNATURE_TYPES: Record<number, SignatureConfig> = {
  1: {
    signatureLength: 512,
    ownerLength: 512,
    verify: (o, d, s) => verifyRsaPss(o, d, s, 'sha256'),
  },
  2: { signatureLength: 64, ownerLength: 32, verify: verifyEd25519 },
  3: { signatureLength: 65, ownerLength: 65, verify: verifyEthereum },
  4: { signatureLength: 64, ownerLength: 32, verify: verifyEd25519 },
};

const WALLET_TYPES = { rsa: 1, ed25519: 2, secp256k1: 3 } as const;

export const MAX_TAGS = 128;
export const MAX_TAG_NAME = 1024;
export const MAX_TAG_VALUE = 3072;

function config(type: number): SignatureConfig {
  const c = SIGNATURE_TYPES[type];
  if (!c)
    throw new CodecError(
      'unsupported_signature_type',
      `ANS-104 signature type ${type} is not supported`,
    );
  return c;
}

/** An unsigned item of the given signature type (zero signature and owner). */
export function newItem(fields: Partial<DataItem> = {}): DataItem {
  const type = fields.signatureType ?? 1;
  const c = config(type);
  return {
    signatureType: type,
    signature: fields.signature ?? new Uint8Array(c.signatureLength),
    owner: fields.owner ?? new Uint8Array(c.ownerLength),
    target: fields.target ?? new Uint8Array(0),
    anchor: fields.anchor ?? new Uint8Array(0),
    tags: fields.tags ?? [],
    data: fields.data ?? new Uint8Array(0),
  };
}

// Avro tags -------------------------------------------------------------------------------

function zigzag(n: number): number[] {
  const out: number[] = [];
  let v = n * 2;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

export function encodeTags(tags: Tag[]): Uint8Array {
  if (tags.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [Uint8Array.from(zigzag(tags.length))];
  for (const { name, value } of tags) {
    for (const field of [toBytes(name), toBytes(value)]) {
      parts.push(Uint8Array.from(zigzag(field.length)), field);
    }
  }
  parts.push(Uint8Array.of(0));
  return Buffer.concat(parts);
}

class Reader extends ByteCursor {
  constructor(bytes: Uint8Array) {
    super(bytes, (what) => {
      throw new CodecError('bad_data_item', `the data item is truncated (${what})`);
    });
  }
  long(): number {
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.byte('tag varint');
      result += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      factor *= 128;
    }
    throw new CodecError('bad_data_item', 'a tag varint is too long');
  }
  u64(what: string): number {
    const b = this.take(8, what);
    const n = Buffer.from(b).readBigUInt64LE();
    if (n > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CodecError('bad_data_item', `${what} is too large`);
    return Number(n);
  }
}

export function decodeTags(bytes: Uint8Array): Tag[] {
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  const tags: Tag[] = [];
  for (;;) {
    let count = r.long();
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      r.long(); // block size in bytes; the items follow
    }
    if (tags.length + count > 4 * MAX_TAGS) throw new CodecError('bad_data_item', 'too many tags');
    for (let i = 0; i < count; i++) {
      const name = canonicalBinary(r.take(r.long(), 'tag name'));
      const value = canonicalBinary(r.take(r.long(), 'tag value'));
      tags.push({ name, value });
    }
  }
  if (r.at !== bytes.length) throw new CodecError('bad_data_item', 'trailing bytes after the tags');
  return tags;
}

// Binary format ---------------------------------------------------------------------------

function optional(field: Uint8Array, what: string): Uint8Array[] {
  if (field.length === 0) return [Uint8Array.of(0)];
  if (field.length !== 32) throw new CodecError('bad_data_item', `the ${what} must be 32 bytes`);
  return [Uint8Array.of(1), field];
}

function u64(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function serializeItem(item: DataItem): Uint8Array {
  const c = config(item.signatureType);
  if (item.signature.length !== c.signatureLength || item.owner.length !== c.ownerLength) {
    throw new CodecError('bad_data_item', 'signature or owner has the wrong length for its type');
  }
  const tags = encodeTags(item.tags);
  const type = Buffer.alloc(2);
  type.writeUInt16LE(item.signatureType);
  return Buffer.concat([
    type,
    item.signature,
    item.owner,
    ...optional(item.target, 'target'),
    ...optional(item.anchor, 'anchor'),
    u64(item.tags.length),
    u64(tags.length),
    tags,
    item.data,
  ]);
}

export function parseItem(bytes: Uint8Array): DataItem {
  const r = new Reader(bytes);
  const signatureType = Buffer.from(r.take(2, 'signature type')).readUInt16LE();
  const c = config(signatureType);
  const signature = new Uint8Array(r.take(c.signatureLength, 'signature'));
  const owner = new Uint8Array(r.take(c.ownerLength, 'owner'));
  const field = (what: string) => {
    const present = r.byte(what);
    if (present === 0) return new Uint8Array(0);
    if (present !== 1) throw new CodecError('bad_data_item', `bad ${what} presence byte`);
    return new Uint8Array(r.take(32, what));
  };
  const target = field('target');
  const anchor = field('anchor');
  const count = r.u64('tag count');
  const tagBytes = r.u64('tag length');
  const tags = decodeTags(r.take(tagBytes, 'tags'));
  if (tags.length !== count)
    throw new CodecError('bad_data_item', 'the tag count does not match the tags');
  const data = new Uint8Array(bytes.subarray(r.at));
  return { signatureType, signature, owner, target, anchor, tags, data };
}

// Signatures and IDs ----------------------------------------------------------------------

const text = (s: string) => new TextEncoder().encode(s);

/** What a data item's signature covers: the deep hash of its fields. */
export function signatureData(item: DataItem): Uint8Array {
  return deepHash([
    text('dataitem'),
    text('1'),
    text(String(item.signatureType)),
    item.owner,
    item.target,
    item.anchor,
    encodeTags(item.tags),
    item.data,
  ]);
}

export function isSigned(item: DataItem): boolean {
  return item.signature.some((b) => b !== 0);
}

/** The item's ID: SHA-256 of its signature. */
export function itemId(item: DataItem): Uint8Array {
  return sha256(item.signature);
}

/** HyperBEAM's unsigned ID: SHA-256 of the signature data with a zero owner. */
export function unsignedItemId(item: DataItem): Uint8Array {
  return sha256(
    signatureData({ ...item, owner: new Uint8Array(config(item.signatureType).ownerLength) }),
  );
}

function owned(item: DataItem, wallet: Wallet): DataItem {
  return { ...item, signatureType: WALLET_TYPES[wallet.type], owner: wallet.publicKey };
}

export function signItem(item: DataItem, wallet: Wallet): DataItem {
  const unsigned = owned(item, wallet);
  return { ...unsigned, signature: wallet.sign(signatureData(unsigned), 'sha256') };
}

/** The same, signing off the main thread. */
export async function signItemAsync(item: DataItem, wallet: Wallet): Promise<DataItem> {
  const unsigned = owned(item, wallet);
  return { ...unsigned, signature: await wallet.signAsync(signatureData(unsigned), 'sha256') };
}

export function tagsValid(item: DataItem): boolean {
  return (
    item.tags.length <= MAX_TAGS &&
    item.tags.every(
      (t) => toBytes(t.name).length <= MAX_TAG_NAME && toBytes(t.value).length <= MAX_TAG_VALUE,
    )
  );
}

/** Whether a signed item's signature verifies over its fields and its tags are within limits. */
export function verifyItem(item: DataItem): boolean {
  const c = SIGNATURE_TYPES[item.signatureType];
  if (!c || !isSigned(item) || !tagsValid(item)) return false;
  const data = signatureData(item);
  return verifiedOnce(item.signature, data, () => c.verify(item.owner, data, item.signature));
}

export const humanId = (id: Uint8Array) => base64url(id);
