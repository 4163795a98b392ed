/**
 * `flat@1.0`: a TABM as a one-level map whose keys are `/`-joined paths
 * (`n/deep/c`), and its line serialisation (`path: value\n`, sorted by path).
 * httpsig's multipart part names are this same flat form.
 */
import {
  type Binary,
  concatBinary,
  fromByteString,
  isBinary,
  sortKeys,
  toByteString,
} from '../core/binary.ts';
import { CodecError } from '../core/errors.ts';
import { fromEntries, isMessage, own, put } from '../core/message.ts';
import type { Codec } from './codec.ts';
import type { Tabm, TabmValue } from './structured.ts';

export type FlatMap = Record<string, Binary>;

/** Messages nested deeper than this are refused (they would exhaust the stack). */
export const MAX_DEPTH = 64;

/** Split a path on `/`, dropping empty parts (HyperBEAM's term_to_path_parts). */
export function pathParts(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

export function tabmToFlat(tabm: Tabm): FlatMap {
  const out: FlatMap = {};
  const walk = (prefix: string, value: TabmValue) => {
    if (isBinary(value)) {
      put(out as Tabm, pathParts(prefix).join('/'), value);
    } else if (isMessage(value)) {
      for (const [k, v] of Object.entries(value as Tabm)) walk(prefix ? `${prefix}/${k}` : k, v);
    } else {
      throw new CodecError('unsupported_value', `flat@1.0 cannot encode the value at '${prefix}'`);
    }
  };
  for (const [k, v] of Object.entries(tabm)) walk(k, v);
  return out;
}

/**
 * Rebuild nesting from path keys. Conflicting leaf/map paths are an error.
 * Maps are merged into copies this function owns, in place, so the work is
 * linear however many keys (or spellings of one path) arrive.
 */
export function flatToTabm(flat: Record<string, TabmValue>): Tabm {
  const root: Tabm = {};
  const owned = new WeakSet<Tabm>([root]);
  /** The map at `node[key]`, as a copy this call owns (made on first write). */
  const ownedChild = (node: Tabm, key: string, path: string): Tabm => {
    const next = own(node, key);
    if (next !== undefined && !isMessage(next)) {
      throw new CodecError('path_collision', `flat key '${path}' collides with a value`);
    }
    if (next !== undefined && owned.has(next as Tabm)) return next as Tabm;
    const child: Tabm = next === undefined ? {} : { ...(next as Tabm) };
    owned.add(child);
    put(node, key, child);
    return child;
  };
  for (const [path, value] of Object.entries(flat)) {
    const parts = pathParts(path);
    if (parts.length === 0) throw new CodecError('bad_key', `empty flat key '${path}'`);
    if (parts.length > MAX_DEPTH)
      throw new CodecError('too_deep', `flat key '${path.slice(0, 80)}...' is nested too deeply`);
    let node = root;
    for (const part of parts.slice(0, -1)) node = ownedChild(node, part, path);
    const leaf = parts[parts.length - 1] as string;
    const existing = own(node, leaf);
    if (existing === undefined) put(node, leaf, value);
    else if (isMessage(existing) && isMessage(value)) {
      const target = ownedChild(node, leaf, path);
      for (const [k, v] of Object.entries(value as Tabm)) put(target, k, v);
    } else {
      throw new CodecError('path_collision', `flat key '${path}' is given twice`);
    }
  }
  return root;
}

export function serializeFlat(flat: FlatMap): Binary {
  const lines: Binary[] = [];
  for (const key of sortKeys(Object.keys(flat))) {
    const value = flat[key] as Binary;
    if (key.includes('\n') || key.includes(': ')) {
      throw new CodecError('bad_key', `flat@1.0 keys cannot contain newlines or ': ' ('${key}')`);
    }
    if (toByteString(value).includes('\n')) {
      throw new CodecError('bad_value', `flat@1.0 values cannot contain newlines ('${key}')`);
    }
    lines.push(key, ': ', value, '\n');
  }
  return concatBinary(lines);
}

export function deserializeFlat(text: Binary): FlatMap {
  const bytes = toByteString(text);
  const entries: [string, Binary][] = [];
  for (const line of bytes.split('\n')) {
    const at = line.indexOf(': ');
    if (at < 0) continue;
    const key = fromByteString(line.slice(0, at));
    if (typeof key !== 'string') throw new CodecError('bad_key', 'a flat key is not valid UTF-8');
    entries.push([key, fromByteString(line.slice(at + 2))]);
  }
  return fromEntries(entries) as FlatMap;
}

export const flatCodec: Codec<FlatMap> = {
  name: 'flat@1.0',
  toTabm: flatToTabm,
  fromTabm: tabmToFlat,
  serialize: serializeFlat,
  deserialize: deserializeFlat,
};
