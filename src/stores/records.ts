/**
 * A store over a key-value map of entries: each path holds bytes, a group
 * marker or a link, and each group lists its children in an index (so
 * listing is a range read, not a rewrite of the group on every child added).
 * The memory and LMDB stores are this over their own maps. Every change runs
 * in one atomic batch; `writeMany` puts a whole message in one.
 */
import { BadRequestError, NotFoundError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
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

export type Entry =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'link'; target: string }
  | { kind: 'group' };

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

/** Follow links segment by segment. */
function resolveWith(get: Get, path: string, hops = { n: 0 }): string {
  let resolved = '';
  for (const segment of pathSegments(path)) {
    let candidate = joinPath(resolved, segment);
    for (let entry = get(candidate); entry?.kind === 'link'; entry = get(candidate)) {
      if (++hops.n > MAX_LINK_HOPS) throw new LinkCycleError(path);
      candidate = resolveWith(get, entry.target, hops);
    }
    resolved = candidate;
  }
  return resolved;
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

function apply(tx: EntryWriter, op: StoreOp): void {
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

  private resolved(path: string): string {
    return resolveWith((p) => this.entries.get(p), path);
  }

  async resolve(path: string): Promise<string> {
    return this.resolved(path);
  }

  readTree(path: string): Tree | undefined {
    return this.treeAt(this.resolved(path), path, new Set());
  }

  /** The tree at an already resolved path. */
  private treeAt(at: string, path: string, seen: ReadonlySet<string>): Tree | undefined {
    if (seen.has(at)) throw new LinkCycleError(path);
    const entry = this.entries.get(at);
    if (entry?.kind === 'data') return entry.bytes;
    if (entry?.kind !== 'group') return undefined;
    const inner = new Set([...seen, at]);
    const tree: { [name: string]: Tree } = {};
    for (const name of this.entries.children(at)) {
      // Only the child's own name can be a link: its parent is resolved already.
      let childAt = `${at}/${name}`;
      let hops = 0;
      for (let e = this.entries.get(childAt); e?.kind === 'link'; e = this.entries.get(childAt)) {
        if (++hops > MAX_LINK_HOPS) throw new LinkCycleError(path);
        childAt = this.resolved(e.target);
      }
      const child = this.treeAt(childAt, `${path}/${name}`, inner);
      if (child === undefined) {
        throw new NotFoundError('incomplete_message', `part '${name}' of '${path}' is missing`);
      }
      tree[name] = child;
    }
    return tree;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(this.resolved(path));
    return entry?.kind === 'data' ? entry.bytes : undefined;
  }

  async type(path: string): Promise<StoreType | undefined> {
    const entry = this.entries.get(this.resolved(path));
    if (entry?.kind === 'data') return 'simple';
    return entry?.kind === 'group' ? 'composite' : undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const at = this.resolved(path);
    if (at === '') return this.entries.children('');
    return this.entries.get(at)?.kind === 'group' ? this.entries.children(at) : undefined;
  }

  writeMany(ops: readonly StoreOp[]): Promise<void> {
    return this.entries.batch((tx) => {
      for (const op of ops) apply(tx, op);
    });
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

  reset(): Promise<void> {
    return this.entries.clear();
  }

  close(): Promise<void> {
    return this.entries.close();
  }
}
