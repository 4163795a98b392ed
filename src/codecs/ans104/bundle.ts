/**
 * ANS-104 bundles: `count | (size, id)* | items`, every number a 256-bit
 * integer. The standard (and arbundles) writes them little-endian; HyperBEAM
 * writes them big-endian and indexes items by their unsigned IDs. We write
 * either and read both.
 */
import { CodecError } from '../../core/errors.ts';

export type BundleFormat = 'standard' | 'hyperbeam';

export interface BundleEntry {
  id: Uint8Array;
  bytes: Uint8Array;
}

function u256(n: number, format: BundleFormat): Uint8Array {
  const out = new Uint8Array(32);
  let v = BigInt(n);
  for (let i = 0; i < 32 && v > 0n; i++) {
    out[format === 'standard' ? i : 31 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function readU256(bytes: Uint8Array, at: number, format: BundleFormat): number {
  let v = 0n;
  for (let i = 0; i < 32; i++) {
    const byte = bytes[format === 'standard' ? at + 31 - i : at + i] as number;
    v = (v << 8n) | BigInt(byte);
  }
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

export function writeBundle(entries: BundleEntry[], format: BundleFormat = 'standard'): Uint8Array {
  return Buffer.concat([
    u256(entries.length, format),
    ...entries.flatMap((e) => {
      if (e.id.length !== 32) throw new CodecError('bad_bundle', 'bundle entry IDs are 32 bytes');
      return [u256(e.bytes.length, format), e.id];
    }),
    ...entries.map((e) => e.bytes),
  ]);
}

function tryRead(bytes: Uint8Array, format: BundleFormat): BundleEntry[] | undefined {
  if (bytes.length < 32) return undefined;
  const count = readU256(bytes, 0, format);
  if (count < 0 || 32 + count * 64 > bytes.length) return undefined;
  const entries: BundleEntry[] = [];
  let offset = 32 + count * 64;
  for (let i = 0; i < count; i++) {
    const at = 32 + i * 64;
    const size = readU256(bytes, at, format);
    if (size < 0 || offset + size > bytes.length) return undefined;
    entries.push({
      id: bytes.subarray(at + 32, at + 64),
      bytes: bytes.subarray(offset, offset + size),
    });
    offset += size;
  }
  return offset === bytes.length ? entries : undefined;
}

/** Read a bundle in either byte order; a bundle that is neither is an error. */
export function readBundle(bytes: Uint8Array): { format: BundleFormat; entries: BundleEntry[] } {
  for (const format of ['standard', 'hyperbeam'] as const) {
    const entries = tryRead(bytes, format);
    if (entries) return { format, entries };
  }
  throw new CodecError('bad_bundle', 'the data is not an ANS-104 bundle');
}
