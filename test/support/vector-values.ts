/**
 * Decoding of the vector files' JSON value encoding into our message model:
 * strings are binaries (or {"$b64": ...} bytes), {"$atom": x} atoms,
 * {"$float": "2.5"} floats, {"$as": dev, "msg": m} and {"$resolve": [...]}.
 */

import { canonicalBinary } from '../../src/core/binary.ts';
import {
  As,
  Atom,
  Float,
  type Message,
  type PathItem,
  type Value,
} from '../../src/core/message.ts';
import { subPath } from '../../src/engine/hyperpath.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function fromVector(json: Json): PathItem {
  if (json === null) return Atom.of('null');
  if (typeof json === 'string' || typeof json === 'number' || typeof json === 'boolean')
    return json;
  if (Array.isArray(json)) return json.map((j) => fromVector(j) as Value);
  if ('$b64' in json) return canonicalBinary(Buffer.from(json.$b64 as string, 'base64'));
  if ('$atom' in json) return atomOf(json.$atom as string);
  if ('$float' in json) {
    const n = Number(json.$float);
    return Number.isInteger(n) ? new Float(n) : n;
  }
  if ('$as' in json) return new As(json.$as as string, fromVector(json.msg as Json) as Message);
  if ('$resolve' in json) return subPath((json.$resolve as Json[]).map(fromVector));
  const out: Message = {};
  for (const [k, v] of Object.entries(json)) {
    const key = k.startsWith('$atom:') ? k.slice(6) : k;
    out[key] = fromVector(v) as Value;
  }
  return out;
}

function atomOf(name: string): Value {
  if (name === 'true') return true;
  if (name === 'false') return false;
  return Atom.of(name);
}

/** Binary values in codec vectors: strings, or {"$b64": ...}. */
export function vectorBinary(json: Json): string | Uint8Array {
  if (typeof json === 'string') return json;
  if (json && typeof json === 'object' && !Array.isArray(json) && '$b64' in json) {
    return canonicalBinary(Buffer.from(json.$b64 as string, 'base64'));
  }
  throw new TypeError(`not a vector binary: ${JSON.stringify(json)}`);
}
