/**
 * `json@1.0`: a message as JSON with JSON's native types (numbers, booleans,
 * null, arrays, objects); binaries must be UTF-8 text. Reading accepts both
 * native values and TABM strings typed by `ao-types`.
 */
import { type Binary, isBinary, toBytes, tryUtf8Decode } from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';
import { Atom, isMessage, isPrivateKey, type Message, put, type Value } from '../core/message.ts';
import type { Codec } from './codec.ts';
import { MAX_DEPTH } from './flat.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A value JSON carries natively, or undefined when it needs a TABM string and `ao-types`. */
function nativeJson(value: Value, where: string): Json | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    const text = tryUtf8Decode(value);
    if (text === undefined) {
      throw new CodecError('not_utf8', `json@1.0 cannot carry the non-UTF-8 value of '${where}'`);
    }
    return text;
  }
  // Integral floats (2.0) and integers beyond 2^53 would not read back as what they are.
  if (typeof value === 'number')
    return Number.isSafeInteger(value) || !Number.isInteger(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  if (value instanceof Atom) return value.name === 'null' ? null : undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => nativeJson(v, where));
    return items.every((v) => v !== undefined) ? (items as Json[]) : undefined;
  }
  if (isMessage(value)) return toJson(value);
  return undefined;
}

/**
 * A message as JSON with JSON's own types (current HyperBEAM's json@1.0):
 * numbers, booleans, null, arrays and objects are native; what JSON cannot
 * carry (other atoms, integral floats, links) is written as its TABM string,
 * typed in that object's `ao-types`.
 */
function toJson(msg: Message): JsonObject {
  const out: JsonObject = {};
  const typed: Message = {};
  for (const [key, value] of Object.entries(msg)) {
    if (isPrivateKey(key) || key === 'ao-types') continue;
    const native = nativeJson(value as Value, key);
    if (native === undefined) typed[key] = value as Value;
    else put(out as Message, key, native as Value);
  }
  for (const [key, value] of Object.entries(messageToTabm(typed))) {
    put(
      out as Message,
      key,
      (isMessage(value) ? toJson(tabmToMessage(value as Tabm)) : value) as Value,
    );
  }
  return withVerbatimRaw(out);
}

/**
 * A legacy compute result keeps its JSON verbatim (`json/body`) beside the
 * parsed `raw`: clients read `raw` with the original key case
 * (`Output`, `Messages`), which message keys do not keep.
 */
function withVerbatimRaw(out: JsonObject): JsonObject {
  const json = out.json;
  if (out.raw === undefined || typeof json !== 'object' || json === null || Array.isArray(json))
    return out;
  if (json['content-type'] !== 'application/json' || typeof json.body !== 'string') return out;
  try {
    return { ...out, raw: JSON.parse(json.body) as Json };
  } catch {
    return out;
  }
}

/** A parsed JSON object as a message, as reading its text would give it. */
export function jsonToMessage(obj: { [key: string]: Json }): Message {
  return fromJson(obj, 0);
}

/**
 * A JSON object as a rich message: string values are TABM binaries (typed by
 * the object's `ao-types`), native JSON values keep their JSON types.
 */
function fromJson(obj: { [key: string]: Json }, depth: number): Message {
  if (depth > MAX_DEPTH) throw new CodecError('too_deep', 'the JSON message is nested too deeply');
  const mixed: Message = {};
  for (const [key, value] of Object.entries(obj)) put(mixed, key, jsonValue(value, depth));
  return tabmToMessage(mixed as Tabm);
}

function jsonValue(value: Json, depth: number): Value {
  if (value === null) return Atom.of('null');
  if (Array.isArray(value)) return value.map((v) => jsonValue(v, depth + 1));
  if (typeof value === 'object') return fromJson(value, depth + 1);
  return value;
}

export const jsonCodec: Codec<Binary> = {
  name: 'json@1.0',
  contentType: 'application/json',
  // The wire form is already the bytes.
  serialize: (wire) => wire,
  deserialize: (bytes) => bytes,
  fromTabm: (tabm) => JSON.stringify(toJson(tabmToMessage(tabm))),
  toTabm(wire) {
    const text = isBinary(wire) ? tryUtf8Decode(toBytes(wire)) : undefined;
    if (text === undefined) throw new CodecError('bad_json', 'JSON must be UTF-8 text');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CodecError('bad_json', `invalid JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CodecError('bad_json', 'a JSON message must be an object');
    }
    return messageToTabm(fromJson(parsed as { [key: string]: Json }, 0));
  },
};
