/**
 * A message's content as one record: a map of names to bytes or to maps, in
 * a length-prefixed binary form. Each entry is
 *   u16 name length, name (UTF-8), u8 kind (0 bytes, 1 map), u32 length, payload
 * after a u32 entry count. Decoded values are views of one copy of the record.
 */
import { BadRequestError } from '../core/errors.ts';

export type PackedTree = { [name: string]: Uint8Array | PackedTree };

const BYTES = 0;
const MAP = 1;

/** The encoded size of a map; names' byte lengths are kept for the writing pass. */
function sizeOf(tree: PackedTree, names: Map<string, number>): number {
  let size = 4;
  for (const name of Object.keys(tree)) {
    let length = names.get(name);
    if (length === undefined) {
      length = Buffer.byteLength(name, 'utf8');
      if (length > 0xffff) throw new BadRequestError('bad_key', 'a key is too long to store');
      names.set(name, length);
    }
    const value = tree[name] as Uint8Array | PackedTree;
    size += 2 + length + 5 + (value instanceof Uint8Array ? value.length : sizeOf(value, names));
  }
  return size;
}

function writeMap(
  tree: PackedTree,
  out: Buffer,
  start: number,
  names: Map<string, number>,
): number {
  const keys = Object.keys(tree);
  let at = out.writeUInt32LE(keys.length, start);
  for (const name of keys) {
    const value = tree[name] as Uint8Array | PackedTree;
    at = out.writeUInt16LE(names.get(name) as number, at);
    at += out.write(name, at, 'utf8');
    if (value instanceof Uint8Array) {
      at = out.writeUInt8(BYTES, at);
      at = out.writeUInt32LE(value.length, at);
      out.set(value, at);
      at += value.length;
    } else {
      at = out.writeUInt8(MAP, at);
      const inner = writeMap(value, out, at + 4, names);
      out.writeUInt32LE(inner - at - 4, at);
      at = inner;
    }
  }
  return at;
}

/** Encode a tree, after `prefix` bytes left for the caller (a record's tag). */
export function encodeTree(tree: PackedTree, prefix = 0): Buffer {
  const names = new Map<string, number>();
  const out = Buffer.allocUnsafe(prefix + sizeOf(tree, names));
  writeMap(tree, out, prefix, names);
  return out;
}

function decodeAt(bytes: Buffer, start: number, end: number): PackedTree {
  const tree: PackedTree = {};
  let at = start;
  const need = (n: number) => {
    if (at + n > end) throw new RangeError('packed record cut short');
  };
  need(4);
  const count = bytes.readUInt32LE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    need(2);
    const keyLength = bytes.readUInt16LE(at);
    need(2 + keyLength + 5);
    const name = bytes.toString('utf8', at + 2, at + 2 + keyLength);
    at += 2 + keyLength;
    const kind = bytes.readUInt8(at);
    const length = bytes.readUInt32LE(at + 1);
    at += 5;
    need(length);
    const value =
      kind === MAP
        ? decodeAt(bytes, at, at + length)
        : new Uint8Array(bytes.buffer, bytes.byteOffset + at, length);
    // Defined, not assigned: a name such as `__proto__` is a key like any other.
    Object.defineProperty(tree, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    at += length;
  }
  return tree;
}

/** Decode a packed record; RangeError when it is not one. */
export function decodeTree(bytes: Uint8Array): PackedTree {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return decodeAt(buffer, 0, buffer.length);
}
