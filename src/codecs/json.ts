/**
 * `json@1.0`: a TABM as JSON. Binaries must be UTF-8 text. Reading also
 * accepts native JSON numbers, booleans, null and arrays (as clients send
 * them): they become typed values recorded in that level's `ao-types`.
 */
import { type Binary, isBinary, toBytes, tryUtf8Decode } from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';
import { Atom, isMessage, isPrivateKey, type Message, put, type Value } from '../core/message.ts';
import type { Codec } from './codec.ts';
import { MAX_DEPTH } from './flat.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function toJson(tabm: Tabm): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(tabm)) {
    if (isPrivateKey(key)) continue;
    if (typeof value === 'string') put(out as Message, key, value);
    else if (value instanceof Uint8Array) {
      const text = tryUtf8Decode(value);
      if (text === undefined) {
        throw new CodecError('not_utf8', `json@1.0 cannot carry the non-UTF-8 value of '${key}'`);
      }
      put(out as Message, key, text);
    } else if (isMessage(value)) put(out as Message, key, toJson(value as Tabm) as Message);
    else throw new CodecError('unsupported_value', `json@1.0 cannot encode the value of '${key}'`);
  }
  return out;
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
    return messageToTabm(fromJson(parsed as { [key: string]: Json }, 0));
  },
};
