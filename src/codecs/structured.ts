/**
 * `structured@1.0`: rich messages <-> TABM (type-annotated binary messages).
 *
 * A TABM holds only binaries and nested TABMs; the type of every other value
 * is recorded per level in an `ao-types` structured-field dictionary
 * (`count="integer"`). Empty values are carried by their type alone. This is
 * the pivot every other codec converts through, and the exact bytes matter:
 * message IDs are computed over them.
 */

import { type Binary, byteLength, canonicalBinary, isBinary, toBytes } from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';
import {
  Atom,
  Float,
  isDevice,
  isEmptyMessage,
  isInteger,
  isMessage,
  isPrivateKey,
  Link,
  listToMessage,
  type Message,
  messageToList,
  normalizeKey,
  normalizeKeys,
  Opaque,
  put,
  Resolve,
  sortedKeys,
  type Value,
} from '../core/message.ts';
import type { Codec } from './codec.ts';
import {
  type BareItem,
  type Member,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  str,
} from './structured-fields.ts';

/** A TABM: binaries and nested TABMs (plus unevaluated sub-resolutions in paths). */
export interface Tabm {
  [key: string]: TabmValue;
}
export type TabmValue = Binary | Tabm | Resolve;

/** Keys that are regenerated on every encoding and never carried. */
export const REGEN_KEYS = new Set(['unsigned_id', 'content-digest']);

/** The largest integer whose encoding HyperBEAM can decode again (15 digits). */
export const MAX_INTEGER = 999_999_999_999_999;

export function isTabm(value: unknown): value is Tabm {
  return isMessage(value);
}

// Values -----------------------------------------------------------------------------

/** The exact decimal digits of a finite double: value = digits × 10^exponent. */
function exactDecimal(value: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  if (mantissa === 0n) return { digits: '0', exponent: 0 };
  return exp2 >= 0
    ? { digits: (mantissa << BigInt(exp2)).toString(), exponent: 0 }
    : { digits: (mantissa * 5n ** BigInt(-exp2)).toString(), exponent: exp2 };
}

/**
 * Erlang's float_to_binary/1, i.e. C's `%.20e`: 21 significant digits, ties
 * rounded to even (JS's toExponential rounds ties up), exponent of at least
 * two digits.
 */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) {
    throw new CodecError('bad_float', `cannot encode the float ${value}`);
  }
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  let { digits, exponent } = exactDecimal(value);
  let decimalExponent = digits === '0' ? 0 : digits.length - 1 + exponent;
  if (digits.length > 21) {
    const kept = BigInt(digits.slice(0, 21));
    const rest = digits.slice(21);
    const half = `5${'0'.repeat(rest.length - 1)}`;
    const roundUp = rest > half || (rest === half && kept % 2n === 1n);
    digits = (roundUp ? kept + 1n : kept).toString();
    if (digits.length > 21) {
      digits = digits.slice(0, 21);
      decimalExponent++;
    }
  }
  digits = digits.padEnd(21, '0');
  const exp = Math.abs(decimalExponent).toString().padStart(2, '0');
  return `${sign}${digits[0]}.${digits.slice(1)}e${decimalExponent < 0 ? '-' : '+'}${exp}`;
}

/** Erlang's binary_to_float: digits, a dot, digits, an optional exponent. */
export function parseFloatStrict(text: string): number | Float {
  if (!/^[+-]?\d+\.\d+([eE][+-]?\d+)?$/.test(text)) {
    throw new CodecError('bad_float', `not a float: ${JSON.stringify(text.slice(0, 40))}`);
  }
  const n = Number(text);
  if (!Number.isFinite(n))
    throw new CodecError('bad_float', `the float ${text.slice(0, 40)} is out of range`);
  return Number.isInteger(n) ? new Float(n) : n;
}

export function atomFromName(name: string): boolean | Atom {
  if (name === 'true') return true;
  if (name === 'false') return false;
  return Atom.of(name);
}

function checkInteger(n: number): number {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_INTEGER) {
    throw new CodecError(
      'integer_too_large',
      `integer ${n} is out of range: at most 15 digits can be encoded`,
    );
  }
  return n;
}

/** Encode a non-binary, non-message value: `[type, encoded text]`. */
export function encodeValue(value: Value): [string, Binary] {
  if (typeof value === 'number' || value instanceof Float) {
    if (isInteger(value)) return ['integer', String(checkInteger(value))];
    return ['float', formatFloat(value instanceof Float ? value.value : value)];
  }
  if (typeof value === 'boolean' || value instanceof Atom) {
    return ['atom', serializeItem(str(String(value)))];
  }
  if (Array.isArray(value)) {
    const items: Member[] = value.map((element) => {
      if (isBinary(element)) return str(element);
      if (isMessage(element) || element instanceof Link || element instanceof Resolve) {
        throw new CodecError('bad_list', 'a list of plain values cannot hold messages or links');
      }
      const [type, encoded] = encodeValue(element);
      return str(
        typeof encoded === 'string' ? `(ao-type-${type}) ${encoded}` : concat(type, encoded),
      );
    });
    return ['list', serializeList(items)];
  }
  if (isBinary(value)) return ['binary', value];
  throw new CodecError('unsupported_value', `cannot encode a ${typeof value} value`);
}

function concat(type: string, encoded: Uint8Array): Binary {
  return canonicalBinary(Buffer.concat([Buffer.from(`(ao-type-${type}) `), encoded]));
}

export function fromBareItem(item: BareItem): Value {
  switch (item.type) {
    case 'integer':
      return item.value;
    case 'decimal':
      return Number.isInteger(item.value) ? new Float(item.value) : item.value;
    case 'string':
      return item.value;
    case 'token':
      return atomFromName(item.value);
    case 'binary':
      return canonicalBinary(item.value);
    case 'boolean':
      return item.value;
  }
}

function itemOf(member: Member, what: string): BareItem {
  if (member.kind !== 'item') {
    throw new CodecError('bad_structured_field', `${what}: inner lists are not supported`);
  }
  return member.value;
}

/**
 * Decode a typed value. Returns undefined for values HyperBEAM cannot represent
 * and silently drops (an `integer` written as a decimal).
 */
export function decodeValue(rawType: string, value: Binary): Value | undefined {
  const type = rawType.toLowerCase();
  switch (type) {
    case 'integer': {
      const item = parseItem(value).value;
      if (item.type === 'decimal') return undefined;
      if (item.type !== 'integer')
        throw new CodecError('bad_integer', `not an integer: ${text(value)}`);
      return item.value;
    }
    case 'float':
      return parseFloatStrict(text(value));
    case 'atom': {
      const item = parseItem(value).value;
      if (item.type !== 'string' && item.type !== 'token') {
        throw new CodecError('bad_atom', `not an atom: ${text(value)}`);
      }
      return atomFromName(text(item.value));
    }
    case 'list':
      return parseList(value).map((member) => {
        const item = itemOf(member, 'list');
        if (item.type === 'string') {
          const s = item.value;
          const marker = typeof s === 'string' ? s : '';
          if (marker.startsWith('(ao-type-')) {
            const close = marker.indexOf(') ');
            if (close > 0) {
              const decoded = decodeValue(marker.slice(9, close), marker.slice(close + 2));
              if (decoded === undefined) throw new CodecError('bad_list', 'undecodable list item');
              return decoded;
            }
          }
          if (typeof s !== 'string' && startsWithMarker(s)) return decodeBinaryMarker(s);
        }
        return fromBareItem(item);
      });
    case 'map': {
      const out: Message = {};
      for (const [key, member] of parseDictionary(value)) {
        put(out, key, fromBareItem(itemOf(member, 'map')));
      }
      return out;
    }
    case 'binary':
      return value;
    case 'empty-binary':
      return '';
    case 'empty-list':
      return [];
    case 'empty-message':
      return {};
    default:
      throw new CodecError('unknown_type', `unknown type '${rawType}'`);
  }
}

function startsWithMarker(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 9)).toString('latin1') === '(ao-type-';
}

function decodeBinaryMarker(bytes: Uint8Array): Value {
  const close = Buffer.from(bytes).indexOf(') ');
  const type = Buffer.from(bytes.subarray(9, close)).toString('latin1');
  const decoded = decodeValue(type, canonicalBinary(bytes.subarray(close + 2)));
  if (decoded === undefined) throw new CodecError('bad_list', 'undecodable list item');
  return decoded;
}

function text(value: Binary): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('latin1');
}

// hb_escape: ao-types keys keep [a-z0-9.-_/?&+], everything else becomes %xx.

const ESCAPE_KEEP = /^[a-z0-9.\-_/?&+]*$/;

export function escapeKey(key: string): string {
  if (ESCAPE_KEEP.test(key)) return key;
  let out = '';
  for (const byte of toBytes(key)) {
    const c = String.fromCharCode(byte);
    out += ESCAPE_KEEP.test(c) ? c : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function unescapeKey(key: string): string {
  if (!key.includes('%')) return key;
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const hex = key.slice(i + 1, i + 3);
    if (key[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(key.charCodeAt(i) & 0xff);
    }
  }
  const decoded = canonicalBinary(Uint8Array.from(bytes));
  if (typeof decoded !== 'string') throw new CodecError('bad_key', 'a key is not valid UTF-8');
  return decoded;
}

/** Parse an `ao-types` dictionary into key -> lower-cased type name. */
export function parseAoTypes(value: TabmValue | undefined): Map<string, string> {
  const types = new Map<string, string>();
  if (value === undefined || !isBinary(value) || byteLength(value) === 0) return types;
  for (const [key, member] of parseDictionary(value)) {
    const item = itemOf(member, 'ao-types');
    if (item.type !== 'string' && item.type !== 'token') {
      throw new CodecError('bad_ao_types', `ao-types entry '${key}' is not a string`);
    }
    types.set(unescapeKey(key), text(item.value).toLowerCase());
  }
  return types;
}

// Messages ---------------------------------------------------------------------------

/** structured@1.0 `from`: a rich message to its TABM. */
export function messageToTabm(input: Message): Tabm {
  const msg = normalizeKeys(input) as Message;
  const types: [string, string][] = [];
  const out: Tabm = {};
  for (const key of sortedKeys(msg)) {
    if (REGEN_KEYS.has(key) || isPrivateKey(key)) continue;
    const value = msg[key] as Value;
    if (isBinary(value)) {
      if (byteLength(value) === 0) types.push([key, 'empty-binary']);
      else put(out, key, value);
    } else if (Array.isArray(value)) {
      if (value.length === 0) types.push([key, 'empty-list']);
      else if (isNumberedList(value)) {
        types.push([key, 'list']);
        put(out, key, messageToTabm(listToMessage(value)));
      } else {
        types.push([key, 'list']);
        put(out, key, encodeValue(value)[1]);
      }
    } else if (isMessage(value)) {
      if (isEmptyMessage(value)) types.push([key, 'empty-message']);
      else put(out, key, messageToTabm(value));
    } else if (value instanceof Resolve) {
      put(out, key, value);
    } else if (value instanceof Link) {
      put(out, `${key}+link`, value.id);
    } else if (isDevice(value)) {
      // Inline devices hold functions; like HyperBEAM's funs they encode as text.
      put(out, key, value.name ?? '(inline device)');
    } else if (value instanceof Opaque || value === undefined) {
      // Runtime-only data is never encoded (HyperBEAM drops unsupported terms).
    } else {
      const [type, encoded] = encodeValue(value);
      types.push([key, type]);
      put(out, key, encoded);
    }
  }
  if (types.length > 0) {
    out['ao-types'] = serializeDictionary(types.map(([k, t]) => [escapeKey(k), str(t)]));
  }
  return out;
}

/**
 * HyperBEAM encodes a list as a numbered message when its first element is a
 * message or a list. (It crashes on messages later in a list; we number those.)
 */
function isNumberedList(list: Value[]): boolean {
  const first = list[0];
  return isMessage(first) || Array.isArray(first) || list.some(isMessage);
}

/** structured@1.0 `to`: a TABM to its rich message. */
export function tabmToMessage(tabm: Tabm): Message {
  const types = parseAoTypes(tabm['ao-types']);
  const out: Message = {};
  for (const [key, type] of types) {
    if (type === 'empty-binary') put(out, key, '');
    else if (type === 'empty-list') put(out, key, []);
    else if (type === 'empty-message') put(out, key, {});
  }
  for (const key of Object.keys(tabm)) {
    if (key === 'ao-types') continue;
    const value = tabm[key] as TabmValue;
    if (value instanceof Resolve) {
      put(out, key, value);
    } else if (isBinary(value)) {
      if (key.endsWith('+link')) {
        put(out, key.slice(0, -5), new Link(text(value)));
        continue;
      }
      const type = types.get(normalizeKey(key));
      if (type === undefined) {
        put(out, key, value);
      } else {
        const decoded = decodeValue(type, value);
        if (decoded !== undefined) put(out, key, decoded);
      }
    } else if (isMessage(value)) {
      const child = tabmToMessage(value as Tabm);
      put(out, key, types.get(key) === 'list' ? messageToList(child) : child);
    } else {
      // Already a rich value (JSON numbers, say): kept as it is, like HyperBEAM.
      put(out, key, value as Value);
    }
  }
  return filterDefaultKeys(out);
}

const ZERO_32 = new Uint8Array(32);
const ZERO_512 = new Uint8Array(512);

/** Values equal to an Arweave tx-record default are dropped by HyperBEAM's codecs. */
const TX_DEFAULTS: [string, (v: Value) => boolean][] = [
  ['format', (v) => v === Atom.of('ans104')],
  ['id', (v) => isZeroBytes(v, ZERO_32)],
  ['unsigned_id', (v) => isZeroBytes(v, ZERO_32)],
  ['last_tx', (v) => v === ''],
  ['owner', (v) => isZeroBytes(v, ZERO_512)],
  ['tags', (v) => Array.isArray(v) && v.length === 0],
  ['target', (v) => v === ''],
  ['quantity', (v) => v === 0],
  ['data', (v) => v === ''],
  ['manifest', (v) => v === Atom.of('undefined')],
  ['data_size', (v) => v === 0],
  ['data_tree', (v) => Array.isArray(v) && v.length === 0],
  ['data_root', (v) => v === ''],
  ['signature', (v) => isZeroBytes(v, ZERO_512)],
  ['reward', (v) => v === 0],
  ['denomination', (v) => v === 0],
];
const TX_DEFAULT_MAP = new Map(TX_DEFAULTS);

function isZeroBytes(value: Value, zero: Uint8Array): boolean {
  return value instanceof Uint8Array && Buffer.compare(value, zero) === 0;
}

export function filterDefaultKeys(msg: Message): Message {
  let out: Message | undefined;
  for (const key of Object.keys(msg)) {
    const isDefault = TX_DEFAULT_MAP.get(normalizeKey(key));
    if (isDefault?.(msg[key] as Value)) {
      out ??= { ...msg };
      delete out[key];
    }
  }
  return out ?? msg;
}

/** structured@1.0: rich messages to TABM and back; it has no byte form of its own. */
export const structuredCodec: Codec<Message> = {
  name: 'structured@1.0',
  toTabm: messageToTabm,
  fromTabm: tabmToMessage,
};
