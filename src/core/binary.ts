/**
 * Binaries. AO-Core binaries are byte strings; we keep text as JS strings (the
 * common case, cheap to compare and print) and anything that is not valid UTF-8
 * as a Uint8Array. `canonicalBinary` picks that representation, so every byte
 * string has exactly one form and `===`/deep equality mean byte equality.
 */
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

export type Binary = string | Uint8Array;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the whole ASCII range is the point.
const ASCII = /^[\x00-\x7f]*$/;

export function isBinary(value: unknown): value is Binary {
  return typeof value === 'string' || value instanceof Uint8Array;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode bytes as UTF-8, or return undefined when they are not valid UTF-8. */
export function tryUtf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The canonical form of a byte string: text when valid UTF-8, bytes otherwise. */
export function canonicalBinary(bytes: Uint8Array): Binary {
  return tryUtf8Decode(bytes) ?? new Uint8Array(bytes);
}

export function toBytes(value: Binary): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

export function byteLength(value: Binary): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

const ZEROS = new Uint8Array(1 << 20);

/** Whether every byte is zero (compared a megabyte at a time, at memcmp's speed). */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const part = bytes.subarray(at, at + ZEROS.length);
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

export function binaryEquals(a: Binary, b: Binary): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return Buffer.compare(toBytes(a), toBytes(b)) === 0;
}

export function concatBinary(parts: Binary[]): Binary {
  let text = '';
  for (const part of parts) {
    if (typeof part !== 'string') return canonicalBinary(Buffer.concat(parts.map(toBytes)));
    text += part;
  }
  return text;
}

/**
 * A "byte string": a JS string with one char per byte (latin1). Parsers that
 * work on raw header bytes use it, so arbitrary bytes survive a parse.
 */
export function toByteString(value: Binary): string {
  if (typeof value === 'string' && ASCII.test(value)) return value;
  return Buffer.from(toBytes(value)).toString('latin1');
}

export function fromByteString(text: string): Binary {
  if (ASCII.test(text)) return text;
  return canonicalBinary(Buffer.from(text, 'latin1'));
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64url decoding (no padding, no foreign characters). */
export function fromBase64url(text: string): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) {
    throw new TypeError(`not base64url: ${text.slice(0, 64)}`);
  }
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** Standard base64 decoding, accepting the url alphabet too (clients mix them). */
export function fromBase64(text: string): Uint8Array {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!B64.test(normal) || normal.replace(/=+$/, '').length % 4 === 1) {
    throw new TypeError(`not base64: ${text.slice(0, 64)}`);
  }
  return new Uint8Array(Buffer.from(normal, 'base64'));
}

export function sha256(data: Binary): Uint8Array {
  // Text is hashed as its UTF-8 bytes by node:crypto itself (no copy here).
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

// Building a key object is most of an HMAC's cost; keep them (keys are few and fixed).
const hmacKeys = new Map<string, KeyObject>();

export function hmacSha256(key: string, data: Binary): Uint8Array {
  let secret = hmacKeys.get(key);
  if (!secret) {
    secret = createSecretKey(Buffer.from(key, 'utf8'));
    hmacKeys.set(key, secret);
  }
  return new Uint8Array(createHmac('sha256', secret).update(data).digest());
}

/** Compare two strings by their UTF-8 bytes (Erlang's binary order). */
export function compareBytes(a: string, b: string): number {
  // UTF-16 order equals code point order (and so UTF-8 byte order) unless a
  // surrogate meets a char in U+E000..U+FFFF; only then do the slow thing.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    }
    return x - y;
  }
  return a.length - b.length;
}

export function sortKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(compareBytes);
}
