/**
 * The store interface (HyperBEAM's hb_store): a tree of paths holding byte
 * values (`simple`), groups of named children (`composite`), and links from
 * one path to another. Reads follow links at every segment, so `a/b/c` finds
 * `c` under wherever `a/b` links to. Messages are laid out on top of this by
 * the message store (tiered.ts).
 *
 * A store answers `undefined` for what it does not hold; a chain of stores
 * (chain.ts) then asks the next one. Remote stores (another node, an Arweave
 * gateway) also read whole messages by ID (`readMessage`).
 */
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { PackedTree } from './packed.ts';

export type StoreType = 'simple' | 'composite';

/** A stored value with everything under it. */
export type Tree = Uint8Array | { [name: string]: Tree };

/** One change, for stores that apply several at once (`writeMany`). */
export type StoreOp =
  | { op: 'write'; path: string; value: Uint8Array }
  | { op: 'group'; path: string }
  | { op: 'link'; existing: string; link: string; replace?: boolean }
  /**
   * A group whose own keys are `content`, kept as one record (stores that
   * `pack`). `grows`: a group of messages that may gain members (a message's
   * commitments): where it exists already, the names it lacks are added as
   * entries of their own, and its record is not rewritten.
   */
  | { op: 'message'; path: string; content: PackedTree; grows?: boolean };

export interface Store {
  /** `local` stores are consulted first; `remote` ones fetch over the network. */
  readonly scope: 'local' | 'remote';
  /** The bytes at a path (links followed), if it holds bytes. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Write bytes at a path, creating the groups above it. */
  write(path: string, value: Uint8Array): Promise<void>;
  /** The names directly under a group. */
  list(path: string): Promise<string[] | undefined>;
  type(path: string): Promise<StoreType | undefined>;
  /** Create a group (and the groups above it); an existing group is fine. */
  makeGroup(path: string): Promise<void>;
  /**
   * Make `link` point at `existing`. An existing link or value at `link` is
   * kept, unless `replace` is set (a link is then redirected; values stay).
   */
  makeLink(existing: string, link: string, replace?: boolean): Promise<void>;
  /** The path with every link along it followed. */
  resolve(path: string): Promise<string>;
  /**
   * Replace the bytes at a path by `change(current)` in one atomic step (no
   * other change to the path comes between the read and the write); returns
   * what was written.
   */
  update?(
    path: string,
    change: (current: Uint8Array | undefined) => Uint8Array,
  ): Promise<Uint8Array>;
  /** Apply several changes as one atomic write, where the store can. */
  writeMany?(ops: readonly StoreOp[]): Promise<void>;
  /**
   * Whether the store keeps a message's keys in one record (`message` ops,
   * read back key by key); others lay each key out as its own entry.
   */
  readonly packs?: boolean;
  /**
   * The tree at a path in one go (bytes, or a map of children), links followed:
   * a fast path for stores that can read synchronously.
   */
  readTree?(path: string): Tree | undefined;
  /** A whole message by ID, for stores that hold messages rather than paths. */
  readMessage?(id: string): Promise<Message | undefined>;
  /** Delete everything. */
  reset?(): Promise<void>;
  /** Flush and release. */
  close?(): Promise<void>;
  /** The store's configuration, as the node's `store` option shows it. */
  describe(): Message;
}

/** Apply changes one by one (for stores without `writeMany`). */
export async function applyOps(store: Store, ops: readonly StoreOp[]): Promise<void> {
  if (store.writeMany) return store.writeMany(ops);
  for (const op of ops) {
    if (op.op === 'write') await store.write(op.path, op.value);
    else if (op.op === 'group') await store.makeGroup(op.path);
    else if (op.op === 'link') await store.makeLink(op.existing, op.link, op.replace);
    else throw new BadRequestError('unsupported', 'this store does not keep packed messages');
  }
}

/** Links followed in one resolution before we call it a cycle. */
export const MAX_LINK_HOPS = 64;

/** Join path parts with `/`, dropping empty segments (hb_store:join). */
export function joinPath(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((s) => s !== '')
    .join('/');
}

export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** The group a path sits in ('' for the root) and its own name. */
export function splitPath(path: string): [parent: string, name: string] {
  const segments = pathSegments(path);
  const name = segments.pop() ?? '';
  return [segments.join('/'), name];
}

/** Refuse paths no backend can hold: empty, `.`/`..` segments, NUL bytes. */
export function checkPath(path: string): string {
  const segments = pathSegments(path);
  if (segments.length === 0 || segments.some((s) => s === '.' || s === '..' || s.includes('\0'))) {
    throw new BadRequestError('bad_store_path', `not a store path: '${path.slice(0, 80)}'`);
  }
  return segments.join('/');
}

export class LinkCycleError extends BadRequestError {
  constructor(path: string) {
    super('circular_links', `links around '${path.slice(0, 80)}' form a cycle`);
  }
}
