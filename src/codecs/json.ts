/**
 * `json@1.0`: a TABM as JSON. Binaries must be UTF-8 text. Reading also
 * accepts native JSON numbers, booleans, null and arrays (as clients send
 * them): they become typed values recorded in that level's `ao-types`.
 */
import { type Binary, isBinary, toBytes, tryUtf8Decode } from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';
import { Atom, isMessage, isPrivateKey, put, type Value } from '../core/message.ts';
import type { Codec } from './codec.ts';
import { encodeValue, escapeKey, parseAoTypes, type Tabm } from './structured.ts';
import { serializeDictionary, str } from './structured-fields.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function toJson(tabm: Tabm): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(tabm)) {
    if (isPrivateKey(key)) continue;
    if (typeof value === 'string') out[key] = value;
    else if (value instanceof Uint8Array) {
      const text = tryUtf8Decode(value);
      if (text === undefined) {
        throw new CodecError('not_utf8', `json@1.0 cannot carry the non-UTF-8 value of '${key}'`);
      }
      out[key] = text;
    } else if (isMessage(value)) out[key] = toJson(value as Tabm);
    else throw new CodecError('unsupported_value', `json@1.0 cannot encode the value of '${key}'`);
  }
  return out;
}

function jsonToValue(value: Json): Value {
  if (value === null) return Atom.of('null');
  if (Array.isArray(value)) return value.map(jsonToValue);
  if (typeof value === 'object') return fromJson(value) as Value;
  return value;
}

function fromJson(obj: { [key: string]: Json }): Tabm {
  const out: Tabm = {};
  const types = parseAoTypes(typeof obj['ao-types'] === 'string' ? obj['ao-types'] : undefined);
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'ao-types') continue;
    if (typeof value === 'string') put(out, key, value);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      put(out, key, fromJson(value));
    } else {
      const [type, encoded] = encodeValue(jsonToValue(value));
      types.set(key, type);
      put(out, key, encoded);
    }
  }
  if (types.size > 0) {
    out['ao-types'] = serializeDictionary([...types].map(([k, t]) => [escapeKey(k), str(t)]));
  }
  return out;
}

export const jsonCodec: Codec<Binary> = {
  name: 'json@1.0',
  contentType: 'application/json',
  fromTabm: (tabm) => JSON.stringify(toJson(tabm)),
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
    return fromJson(parsed as { [key: string]: Json });
  },
};
