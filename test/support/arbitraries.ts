/**
 * fast-check generators of canonical AO-Core messages, for codec round-trip
 * properties. `wire` restricts values to what an HTTP message can carry
 * through a multipart body (no CR/LF in part headers, UTF-8 for JSON).
 */
import fc from 'fast-check';
import { tryUtf8Decode } from '../../src/core/binary.ts';
import { Atom, Float, type Message, type Value } from '../../src/core/message.ts';

export interface MessageOptions {
  /** Allow raw (non-UTF-8) byte values. */
  bytes?: boolean;
  /** Allow CR and LF inside text values. */
  newlines?: boolean;
  /** Maximum nesting depth. */
  depth?: number;
}

/** Keys that codecs treat specially, or that tx-default filtering may drop. */
const RESERVED = new Set([
  'ao-types',
  'ao-ids',
  'body-keys',
  'content-type',
  'content-digest',
  'inline-body-key',
  'signature',
  'signature-input',
  'commitments',
  'unsigned_id',
  'data',
  'path',
  'format',
  'id',
  'last_tx',
  'owner',
  'tags',
  'target',
  'quantity',
  'manifest',
  'data_size',
  'data_tree',
  'data_root',
  'reward',
  'denomination',
]);

export const key = fc
  .stringMatching(/^[a-z][a-z0-9_-]{0,11}$/)
  .filter((k) => !RESERVED.has(k) && !k.startsWith('priv'));

export function text(options: MessageOptions = {}) {
  const chars = options.newlines ? /^[^\r]{1,40}$/ : /^[^\r\n]{1,40}$/;
  return fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .filter((s) => chars.test(s) && s.trim() === s);
}

const nonUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 24 })
  .filter((b) => tryUtf8Decode(b) === undefined && !b.includes(0x0a) && !b.includes(0x0d));

export const integer = fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 });

export const float = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 })
  .map((x): Value => (Number.isInteger(x) ? new Float(x) : x));

export const atom = fc.oneof(
  fc.boolean(),
  fc.constantFrom('ok', 'error', 'unset', 'null', 'hello_world').map((n) => Atom.of(n)),
);

export function scalar(options: MessageOptions = {}): fc.Arbitrary<Value> {
  const values: fc.Arbitrary<Value>[] = [text(options), integer, float, atom];
  if (options.bytes) values.push(nonUtf8);
  return fc.oneof(...values);
}

export function message(options: MessageOptions = {}): fc.Arbitrary<Message> {
  const depth = options.depth ?? 2;
  const leaf = fc.oneof(
    { weight: 5, arbitrary: scalar(options) },
    { weight: 1, arbitrary: fc.constantFrom<Value>('', [], {}) },
    { weight: 2, arbitrary: fc.array(scalar(options), { minLength: 1, maxLength: 4 }) },
  );
  const value: fc.Arbitrary<Value> =
    depth <= 0
      ? leaf
      : fc.oneof(
          { weight: 6, arbitrary: leaf },
          { weight: 2, arbitrary: message({ ...options, depth: depth - 1 }) },
          {
            weight: 1,
            arbitrary: fc.array(message({ ...options, depth: depth - 1 }), {
              minLength: 1,
              maxLength: 3,
            }),
          },
        );
  return fc.dictionary(key, value, { maxKeys: 6 }).map((m) => m as Message);
}
