/**
 * `lmdb`: the default embedded store (store-module `lmdb`, `prefix` = its
 * directory), on the `lmdb` package. Entries are `path -> tag + payload`
 * (0x01 link target, 0x02 bytes, 0x03 group, followed by the group's packed
 * content if it has some: HyperBEAM's RocksDB tags); a second table indexes
 * each group's children. Writes are batched into LMDB
 * transactions and acknowledged once committed, so a write that returned
 * survives the process being killed.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import { NotFoundError } from '../core/errors.ts';
import { decodeTree, encodeTree, type PackedTree } from './packed.ts';
import { type Entry, type EntryMap, type EntryWriter, RecordStore } from './records.ts';

const LINK = 1;
const DATA = 2;
const GROUP = 3;
const EMPTY = new Uint8Array();

/**
 * Bytes to encode a value into, used again for the next: LMDB copies a value
 * when it is put inside a transaction, and fresh large buffers cost a page
 * fault per 4 KiB (a snapshot's megabytes would be copied twice). A value
 * larger than KEPT gets bytes of its own, so the store never holds on to
 * the largest value it ever wrote.
 */
class ValueBuffer {
  private static readonly KEPT = 16 * 1024 * 1024;
  private bytes = new Uint8Array(64 * 1024);

  take(length: number): Uint8Array {
    if (length > ValueBuffer.KEPT) return new Uint8Array(length);
    if (length > this.bytes.length) {
      this.bytes = new Uint8Array(
        Math.min(ValueBuffer.KEPT, Math.max(length, this.bytes.length * 2)),
      );
    }
    return this.bytes.subarray(0, length);
  }
}

function encode(entry: Entry, buffer: ValueBuffer): Uint8Array {
  if (entry.kind === 'group') {
    if (!entry.content) return Uint8Array.of(GROUP);
    const out = encodeTree(entry.content, 1);
    out[0] = GROUP;
    return out;
  }
  const payload = entry.kind === 'data' ? entry.bytes : Buffer.from(entry.target, 'utf8');
  const out = buffer.take(payload.length + 1);
  out[0] = entry.kind === 'data' ? DATA : LINK;
  out.set(payload, 1);
  return out;
}

/**
 * A group whose content is decoded when first read: walking a path or
 * creating groups along it asks only what kind an entry is. (Copied now:
 * LMDB's buffers are not ours to keep.)
 */
function lazyGroup(path: string, packed: Uint8Array): Entry {
  let content: PackedTree | undefined;
  return {
    kind: 'group',
    get content() {
      try {
        content ??= decodeTree(packed);
      } catch {
        throw new NotFoundError('corrupt_entry', `the store entry at '${path}' is corrupt`);
      }
      return content;
    },
  };
}

function decode(path: string, raw: Uint8Array | undefined): Entry | undefined {
  if (raw === undefined) return undefined;
  switch (raw[0]) {
    case DATA:
      // A copy, as a plain Uint8Array: LMDB's buffers are not ours to keep.
      return { kind: 'data', bytes: new Uint8Array(raw.subarray(1)) };
    case LINK:
      return { kind: 'link', target: Buffer.from(raw.subarray(1)).toString('utf8') };
    case GROUP:
      if (raw.length === 1) return { kind: 'group' };
      return lazyGroup(path, new Uint8Array(raw.subarray(1)));
    default:
      throw new NotFoundError('corrupt_entry', `the store entry at '${path}' is corrupt`);
  }
}

// Keys are raw UTF-8 bytes (lmdb's default key encoding would read NUL as a separator).
const keyOf = (path: string) => Buffer.from(path, 'utf8');
const childKey = (parent: string, name: string) => Buffer.from(`${parent}\u0000${name}`, 'utf8');

class LmdbEntries implements EntryMap {
  private readonly root: RootDatabase;
  private readonly entries: Database<Uint8Array, Buffer>;
  private readonly index: Database<Uint8Array, Buffer>;
  private readonly values = new ValueBuffer();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: dir, maxDbs: 4 });
    const binary = { encoding: 'binary', keyEncoding: 'binary' } as const;
    this.entries = this.root.openDB<Uint8Array, Buffer>({ name: 'entries', ...binary });
    this.index = this.root.openDB<Uint8Array, Buffer>({ name: 'children', ...binary });
  }

  get(path: string): Entry | undefined {
    return decode(path, this.entries.get(keyOf(path)));
  }

  children(path: string): string[] {
    const start = keyOf(`${path}\u0000`);
    const names: string[] = [];
    for (const key of this.index.getKeys({ start, end: keyOf(`${path}\u0001`) })) {
      names.push(Buffer.from(key).subarray(start.length).toString('utf8'));
    }
    return names;
  }

  batch(writes: (tx: EntryWriter) => void): Promise<void> {
    return this.root.transaction(() => {
      writes({
        get: (path) => this.get(path),
        put: (path, entry) => {
          // Inside the transaction, so the value is copied now.
          this.entries.put(keyOf(path), encode(entry, this.values));
        },
        addChild: (parent, name) => {
          this.index.put(childKey(parent, name), EMPTY);
        },
      });
    }) as Promise<void>;
  }

  async clear(): Promise<void> {
    await this.entries.clearAsync();
    await this.index.clearAsync();
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

export class LmdbStore extends RecordStore {
  constructor(prefix: string) {
    super(new LmdbEntries(resolve(prefix)), { 'store-module': 'lmdb', prefix });
  }
}
