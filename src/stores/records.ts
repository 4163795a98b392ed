/**
 * A store over a key-value map of entries: each path holds bytes, a group
 * marker or a link, and each group lists its children in an index (so
 * listing is a range read, not a rewrite of the group on every child added).
 * The memory and LMDB stores are this over their own maps. Every change runs
 * in one atomic batch; `writeMany` puts a whole message in one.
 *
 * A message's keys are kept in one record, its group's `content` (a
 * `message` op): a path into them (`<id>/key/sub`) reads that value, as if
 * each were an entry of its own, so a message costs a few entries rather than
 * one per key.
 */
import { BadRequestError, NotFoundError } from '../core/errors.ts';
import { type Message, put, type Value } from '../core/message.ts';
import type { PackedTree } from './packed.ts';
import {
  checkPath,
  joinPath,
  LinkCycleError,
  MAX_LINK_HOPS,
  pathSegments,
  type Store,
  type StoreOp,
  type StoreType,
  splitPath,
  type Tree,
} from './store.ts';
import { TreeMemo, topOf } from './tree-memo.ts';

export type Entry =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'link'; target: string }
  /** A group; `content`: names kept in the group's own record (a message's keys). */
  | { kind: 'group'; content?: PackedTree };

/** Reads and writes within one atomic batch. */
export interface EntryWriter {
  get(path: string): Entry | undefined;
  put(path: string, entry: Entry): void;
  addChild(parent: string, name: string): void;
}

export interface EntryMap {
  get(path: string): Entry | undefined;
  children(path: string): string[];
  /** Run `writes` as one atomic batch; resolves once it is durable. */
  batch(writes: (tx: EntryWriter) => void): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

type Get = (path: string) => Entry | undefined;
type MessageOp = Extract<StoreOp, { op: 'message' }>;

/** A resolved path: an entry, and the names inside that entry's `content` (none: the entry itself). */
interface Place {
  at: string;
  inner: string[];
}

function contentHas(entry: Entry | undefined, name: string): boolean {
  return (
    entry?.kind === 'group' && entry.content !== undefined && Object.hasOwn(entry.content, name)
  );
}

/** Follow links segment by segment (into messages' content too). */
function locate(get: Get, path: string, hops = { n: 0 }): Place {
  let at = '';
  let inner: string[] = [];
  for (const segment of pathSegments(path)) {
    if (inner.length > 0) {
      inner.push(segment);
      continue;
    }
    let candidate: Place = { at: joinPath(at, segment), inner: [] };
    let entry = get(candidate.at);
    while (entry?.kind === 'link') {
      if (++hops.n > MAX_LINK_HOPS) throw new LinkCycleError(path);
      candidate = locate(get, entry.target, hops);
      entry = candidate.inner.length > 0 ? undefined : get(candidate.at);
    }
    const parent = () => (at === '' ? undefined : get(at));
    if (candidate.inner.length === 0 && entry === undefined && contentHas(parent(), segment)) {
      candidate = { at, inner: [segment] };
    }
    ({ at, inner } = candidate);
    inner = [...inner];
  }
  return { at, inner };
}

/** The value at `inner` within a content record. */
function valueIn(content: PackedTree | undefined, inner: readonly string[]): Tree | undefined {
  let value: Tree | undefined = content;
  for (const name of inner) {
    if (value === undefined || value instanceof Uint8Array || !Object.hasOwn(value, name)) {
      return undefined;
    }
    value = value[name];
  }
  return value;
}

/** A path as an entry's path: one inside a message's content cannot take new entries. */
function resolveWith(get: Get, path: string): string {
  const { at, inner } = locate(get, path);
  if (inner.length > 0) {
    throw new BadRequestError(
      'path_collision',
      `'${path.slice(0, 80)}' is inside a stored message`,
    );
  }
  return at;
}

/** Create the groups along `path` that do not exist yet. */
function ensureGroups(tx: EntryWriter, path: string): void {
  let current = '';
  for (const segment of pathSegments(path)) {
    const next = joinPath(current, segment);
    const entry = tx.get(next);
    if (entry === undefined) {
      tx.put(next, { kind: 'group' });
      tx.addChild(current, segment);
    } else if (entry.kind === 'data') {
      throw new BadRequestError('path_collision', `'${next}' holds a value, not a group`);
    }
    current = next;
  }
}

/** Where a new entry named by `path` goes: its parent resolved, itself not. */
function placeOf(tx: EntryWriter, path: string): [parent: string, name: string, at: string] {
  const [rawParent, name] = splitPath(checkPath(path));
  const parent = rawParent === '' ? '' : resolveWith((p) => tx.get(p), rawParent);
  return [parent, name, joinPath(parent, name)];
}

/** Members of `content` a group lacks, each as an entry of its own (the group's record stays as it is). */
function addMembers(tx: EntryWriter, at: string, group: Entry, content: PackedTree): void {
  const own = group.kind === 'group' ? group.content : undefined;
  for (const [name, value] of Object.entries(content)) {
    const path = `${at}/${name}`;
    if ((own && Object.hasOwn(own, name)) || tx.get(path) !== undefined) continue;
    tx.put(
      path,
      value instanceof Uint8Array
        ? { kind: 'data', bytes: value }
        : { kind: 'group', content: value },
    );
    tx.addChild(at, name);
  }
}

/** Members a growing group at `at` (followed if it is a link) lacks, as entries of their own. */
function growGroup(tx: EntryWriter, at: string, existing: Entry, content: PackedTree): void {
  // A group HyperBEAM wrote as a link to a map is followed and added to.
  const target = existing.kind === 'link' ? resolveWith((p) => tx.get(p), existing.target) : at;
  if (target !== at) ensureGroups(tx, target);
  const group = tx.get(target) as Entry;
  if (group.kind !== 'group') {
    throw new BadRequestError('path_collision', `'${target}' holds a value, not a group`);
  }
  addMembers(tx, target, group, content);
}

/**
 * A group holding `content` at `path`, in one record while it is new. A
 * message's group keeps the content it has (same ID, same content); a
 * growing one (a message's commitments) gets the members it lacks.
 */
function applyMessage(tx: EntryWriter, { path, content, grows }: MessageOp): void {
  const [parent, name, at] = placeOf(tx, path);
  ensureGroups(tx, parent);
  const existing = tx.get(at);
  if (existing === undefined) {
    tx.put(at, { kind: 'group', content });
    tx.addChild(parent, name);
  } else if (grows) {
    growGroup(tx, at, existing, content);
  } else if (existing.kind === 'link' || (existing.kind === 'group' && !existing.content)) {
    // A link here (from an ID of the message nested in another) gives way to the message itself.
    tx.put(at, { kind: 'group', content });
  } else if (existing.kind === 'data') {
    throw new BadRequestError('path_collision', `'${at}' holds a value, not a message`);
  }
}

function apply(tx: EntryWriter, op: StoreOp): void {
  if (op.op === 'message') {
    applyMessage(tx, op);
    return;
  }
  if (op.op === 'group') {
    ensureGroups(
      tx,
      resolveWith((p) => tx.get(p), checkPath(op.path)),
    );
    return;
  }
  if (op.op === 'write') {
    const [parent, name, at] = placeOf(tx, op.path);
    ensureGroups(tx, parent);
    if (tx.get(at)?.kind === 'group') {
      throw new BadRequestError('path_collision', `'${at}' is a group, not a value`);
    }
    tx.put(at, { kind: 'data', bytes: op.value });
    tx.addChild(parent, name);
    return;
  }
  const target = checkPath(op.existing);
  const [parent, name, at] = placeOf(tx, op.link);
  const existing = tx.get(at);
  if (at === target || (existing !== undefined && !(op.replace && existing.kind === 'link')))
    return;
  ensureGroups(tx, parent);
  tx.put(at, { kind: 'link', target });
  tx.addChild(parent, name);
}

/**
 * The writer a batch uses: no child index for the root (every message is a
 * child of the root, so indexing them would double each write for a listing
 * nobody reads), and each entry read or put once in the batch (only the
 * batch writes while it runs): a message's commitments and links are placed
 * under the record just written, not fetched and decoded again.
 */
function batchWriter(tx: EntryWriter, written: Set<string>): EntryWriter {
  const known = new Map<string, Entry | undefined>();
  return {
    get: (path) => {
      if (known.has(path)) return known.get(path);
      const entry = tx.get(path);
      known.set(path, entry);
      return entry;
    },
    put: (path, entry) => {
      known.set(path, entry);
      written.add(topOf(path));
      tx.put(path, entry);
    },
    addChild: (parent, name) => {
      if (parent === '') return;
      written.add(topOf(parent));
      tx.addChild(parent, name);
    },
  };
}

/** Reads of entries and group listings (a tree's reads are tracked for the memo). */
interface Reader {
  get(path: string): Entry | undefined;
  children(path: string): string[];
}

export class RecordStore implements Store {
  readonly scope = 'local' as const;
  protected readonly entries: EntryMap;
  private readonly description: Message;

  constructor(entries: EntryMap, description: Message) {
    this.entries = entries;
    this.description = description;
  }

  describe(): Message {
    return this.description;
  }

  /** Messages' keys are packed into their groups' records (`message` ops). */
  readonly packs = true;

  private readonly memo = new TreeMemo();

  private place(path: string, reader: Reader = this.entries): Place {
    return locate((p) => reader.get(p), path);
  }

  async resolve(path: string): Promise<string> {
    const { at, inner } = this.place(path);
    return joinPath(at, ...inner);
  }

  /** The tree at a path; a message read by its ID is kept until a write touches it. */
  readTree(path: string): Tree | undefined {
    const segments = pathSegments(path);
    if (segments.length !== 1) return this.uncachedTree(path);
    const id = segments[0] as string;
    const kept = this.memo.get(id);
    if (kept) return kept;
    const from = new Set<string>();
    const reader: Reader = {
      get: (p) => {
        from.add(topOf(p));
        return this.entries.get(p);
      },
      children: (p) => {
        from.add(topOf(p));
        return this.entries.children(p);
      },
    };
    const tree = this.treeAt(this.place(id, reader), id, new Set(), reader);
    if (tree !== undefined) this.memo.keep(id, tree, from);
    return tree;
  }

  private uncachedTree(path: string): Tree | undefined {
    return this.treeAt(this.place(path), path, new Set(), this.entries);
  }

  /** The tree at a resolved place. */
  private treeAt(
    place: Place,
    path: string,
    seen: ReadonlySet<string>,
    reader: Reader,
  ): Tree | undefined {
    const { at, inner } = place;
    const entry = reader.get(at);
    if (inner.length > 0)
      return valueIn(entry?.kind === 'group' ? entry.content : undefined, inner);
    if (seen.has(at)) throw new LinkCycleError(path);
    if (entry?.kind === 'data') return entry.bytes;
    if (entry?.kind !== 'group') return undefined;
    const inside = new Set([...seen, at]);
    const tree: { [name: string]: Tree } = { ...entry.content };
    for (const name of reader.children(at)) {
      // Only the child's own name can be a link: its parent is resolved already.
      let child: Place = { at: `${at}/${name}`, inner: [] };
      let hops = 0;
      for (let e = reader.get(child.at); e?.kind === 'link'; e = reader.get(child.at)) {
        if (++hops > MAX_LINK_HOPS) throw new LinkCycleError(path);
        child = this.place(e.target, reader);
        if (child.inner.length > 0) break;
      }
      const value = this.treeAt(child, `${path}/${name}`, inside, reader);
      if (value === undefined) {
        throw new NotFoundError('incomplete_message', `part '${name}' of '${path}' is missing`);
      }
      put(tree as Message, name, value as Value);
    }
    return tree;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    // Bytes go to callers as they are: never from the memo, where one could change them.
    const value = this.uncachedTree(path);
    return value instanceof Uint8Array ? value : undefined;
  }

  async type(path: string): Promise<StoreType | undefined> {
    const { at, inner } = this.place(path);
    const entry = this.entries.get(at);
    if (inner.length > 0) {
      const value = valueIn(entry?.kind === 'group' ? entry.content : undefined, inner);
      if (value === undefined) return undefined;
      return value instanceof Uint8Array ? 'simple' : 'composite';
    }
    if (entry?.kind === 'data') return 'simple';
    return entry?.kind === 'group' ? 'composite' : undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const { at, inner } = this.place(path);
    // The root is not listed: its children are every message (see batchWriter).
    if (at === '' && inner.length === 0) return undefined;
    const entry = this.entries.get(at);
    if (entry?.kind !== 'group') return undefined;
    if (inner.length > 0) {
      const value = valueIn(entry.content, inner);
      return value === undefined || value instanceof Uint8Array ? undefined : Object.keys(value);
    }
    const children = this.entries.children(at);
    if (!entry.content) return children;
    const own = Object.keys(entry.content);
    return [
      ...own,
      ...children.filter((name) => !Object.hasOwn(entry.content as PackedTree, name)),
    ];
  }

  writeMany(ops: readonly StoreOp[]): Promise<void> {
    return this.batch((tx) => {
      for (const op of ops) apply(tx, op);
    });
  }

  /**
   * One atomic batch. Trees read from what it writes are forgotten when it
   * runs and again once it is committed (a read in between sees the store
   * as it was, and must not be kept).
   */
  private async batch(writes: (tx: EntryWriter) => void): Promise<void> {
    const written = new Set<string>();
    const forget = () => {
      for (const top of written) this.memo.forget(top);
    };
    try {
      await this.entries.batch((tx) => {
        writes(batchWriter(tx, written));
        forget();
      });
    } finally {
      forget();
    }
  }

  async update(
    path: string,
    change: (current: Uint8Array | undefined) => Uint8Array,
  ): Promise<Uint8Array> {
    let written: Uint8Array | undefined;
    // Read and written in one batch: LMDB's write transaction, so other writers wait.
    await this.batch((tx) => {
      const [parent, name, at] = placeOf(tx, path);
      const entry = tx.get(at);
      if (entry !== undefined && entry.kind !== 'data') {
        throw new BadRequestError('path_collision', `'${at}' does not hold a value`);
      }
      written = change(entry?.bytes);
      ensureGroups(tx, parent);
      tx.put(at, { kind: 'data', bytes: written });
      if (entry === undefined) tx.addChild(parent, name);
    });
    return written as Uint8Array;
  }

  write(path: string, value: Uint8Array): Promise<void> {
    return this.writeMany([{ op: 'write', path, value }]);
  }

  makeGroup(path: string): Promise<void> {
    return this.writeMany([{ op: 'group', path }]);
  }

  makeLink(existing: string, link: string, replace = false): Promise<void> {
    return this.writeMany([{ op: 'link', existing, link, replace }]);
  }

  async reset(): Promise<void> {
    this.memo.clear();
    await this.entries.clear();
    this.memo.clear();
  }

  close(): Promise<void> {
    return this.entries.close();
  }
}
