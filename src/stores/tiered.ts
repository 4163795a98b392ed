/**
 * Messages on top of stores (HyperBEAM's hb_cache), in HyperBEAM's layout:
 *   data/<sha-256>                 each binary value, once
 *   <UncommittedID>/               a group per message (and per nested message)
 *   <UncommittedID>/<key>   ->     a link per key, to its value's path
 *   <CommitmentID>          ->     a link per commitment, to the message
 *   computed/<hashpath>     ->     a link per cached resolution result
 * Stores that pack (LMDB, memory) keep a message's keys in one record at
 * `<UncommittedID>` instead, and its commitments in one at
 * `<UncommittedID>/commitments` (commitments added later in records of
 * their own beside it); paths read the same.
 * Messages are written as TABM (binaries and nested maps, types in
 * `ao-types`), all in one atomic write where the store can. Reading by any
 * ID gives the message back with the same IDs. Local stores are asked
 * first; remote ones (another node, a gateway) fetch what is missing, and
 * what they return is written locally.
 */

import { commitmentsOf } from '../codecs/commitments.ts';
import { unsignedId } from '../codecs/httpsig/hmac.ts';
import { messageToTabm, type Tabm, type TabmValue, tabmToMessage } from '../codecs/structured.ts';
import {
  type Binary,
  base64url,
  canonicalBinary,
  isBinary,
  sha256,
  toBytes,
} from '../core/binary.ts';
import { BadRequestError, NotFoundError } from '../core/errors.ts';
import { isMessage, type Message, put } from '../core/message.ts';
import type { MessageEntry, MessageStore } from '../engine/context.ts';
import { messageId, unsignedMessageId } from '../engine/ids.ts';
import type { PackedTree } from './packed.ts';
import { applyOps, type Store, type StoreOp, type Tree } from './store.ts';

/** Where computed results are linked (apart from message keys, unlike HyperBEAM). */
export const RESULTS = 'computed';
const MAX_DEPTH = 64;

export const dataPath = (bytes: Uint8Array): string => `data/${base64url(sha256(bytes))}`;

/**
 * The group a nested map is stored under. Its uncommitted ID, except that
 * `signature` counts: a commitment's ID leaves its signature out, so two
 * commitments differing only in their signatures would share a group.
 */
function nestedGroupId(tabm: Tabm): string {
  if (!('signature' in tabm)) return unsignedId(tabm);
  const { signature, ...rest } = tabm;
  return unsignedId({ ...rest, 'x-signature': signature as TabmValue });
}

/** The changes that write a TABM; returns its group's path (its uncommitted ID). */
function tabmOps(tabm: Tabm, ops: StoreOp[], depth = 0): string {
  if (depth > MAX_DEPTH) throw new BadRequestError('too_deep', 'the message is nested too deeply');
  const id = depth === 0 ? unsignedId(tabm) : nestedGroupId(tabm);
  ops.push({ op: 'group', path: id });
  for (const [key, value] of Object.entries(tabm)) {
    checkKey(key);
    if (key === 'commitments' && isMessage(value)) {
      commitmentOps(id, value as Tabm, ops, depth);
      continue;
    }
    let path: string;
    if (isBinary(value)) {
      const bytes = toBytes(value);
      path = dataPath(bytes);
      ops.push({ op: 'write', path, value: bytes });
    } else if (isMessage(value)) {
      path = tabmOps(value as Tabm, ops, depth + 1);
      for (const alt of Object.keys(commitmentsOf(value as Message))) {
        if (alt !== path) ops.push({ op: 'link', existing: path, link: alt });
      }
    } else {
      throw new BadRequestError('unstorable', `the value of '${key}' cannot be stored`);
    }
    ops.push({ op: 'link', existing: path, link: `${id}/${key}` });
  }
  return id;
}

/**
 * A message's commitments as a group of their own, a link per commitment
 * (`<id>/commitments/<commitment ID>`): the same content signed again adds
 * its commitments to the group, so every commitment ID still leads to a
 * message it verifies on, at the cost of the new commitments only. (A group
 * HyperBEAM wrote as a link to a map is followed and added to the same way.)
 */
function commitmentOps(id: string, commitments: Tabm, ops: StoreOp[], depth: number): void {
  const at = `${id}/commitments`;
  ops.push({ op: 'group', path: at });
  for (const [cid, commitment] of Object.entries(commitments)) {
    if (!isMessage(commitment) || cid.includes('/') || cid === '') {
      throw new BadRequestError('bad_commitment', `the commitment '${cid}' cannot be stored`);
    }
    const path = tabmOps(commitment as Tabm, ops, depth + 1);
    ops.push({ op: 'link', existing: path, link: `${at}/${cid}` });
  }
}

function checkKey(key: string): void {
  if (key.includes('/') || key === '') {
    throw new BadRequestError('bad_key', `a stored message key cannot be '${key}'`);
  }
}

/**
 * A TABM map as one record's content (stores that pack). A nested message
 * stays where it is, its commitment IDs linked to it there, so it is read by
 * them as HyperBEAM's layout would give it.
 */
function packContent(
  tabm: Tabm,
  path: string,
  links: [existing: string, link: string][],
  depth: number,
): PackedTree {
  if (depth > MAX_DEPTH) throw new BadRequestError('too_deep', 'the message is nested too deeply');
  const out: PackedTree = {};
  for (const [key, value] of Object.entries(tabm)) {
    checkKey(key);
    if (isBinary(value)) put(out as Message, key, toBytes(value));
    else if (isMessage(value)) {
      const at = `${path}/${key}`;
      put(out as Message, key, packContent(value as Tabm, at, links, depth + 1) as Message);
      for (const id of Object.keys(commitmentsOf(value as Message))) links.push([at, id]);
    } else {
      throw new BadRequestError('unstorable', `the value of '${key}' cannot be stored`);
    }
  }
  return out;
}

/**
 * The changes that write a TABM in packed records: its keys in one record at
 * its uncommitted ID, its commitments in one at `<id>/commitments` (read
 * as `<id>/commitments/<ID>`); the same content signed again adds only its
 * new commitments, each in a record of its own.
 */
function packedOps(tabm: Tabm, ops: StoreOp[], at?: string): string {
  const id = at ?? unsignedId(tabm);
  const { commitments, ...rest } = tabm;
  const links: [string, string][] = [];
  const content = isMessage(commitments) ? rest : tabm;
  ops.push({ op: 'message', path: id, content: packContent(content, id, links, 0) });
  if (isMessage(commitments)) {
    const at = `${id}/commitments`;
    const members: PackedTree = {};
    for (const [cid, commitment] of Object.entries(commitments as Tabm)) {
      if (!isMessage(commitment) || cid.includes('/') || cid === '') {
        throw new BadRequestError('bad_commitment', `the commitment '${cid}' cannot be stored`);
      }
      const path = `${at}/${cid}`;
      put(members as Message, cid, packContent(commitment as Tabm, path, links, 1) as Message);
    }
    ops.push({ op: 'message', path: at, content: members, grows: true });
  }
  for (const [existing, link] of links) ops.push({ op: 'link', existing, link });
  return id;
}

export class TieredMessageStore implements MessageStore {
  readonly stores: readonly Store[];
  /** Updates under way, by path (stores without their own atomic update). */
  private readonly updating = new Map<string, Promise<Uint8Array>>();

  /** Local stores first (the first takes the writes), then remote ones. */
  constructor(stores: readonly Store[]) {
    if (stores.length === 0) throw new BadRequestError('no_store', 'a node needs a store');
    this.stores = [
      ...stores.filter((s) => s.scope === 'local'),
      ...stores.filter((s) => s.scope !== 'local'),
    ];
  }

  private get primary(): Store {
    return this.stores[0] as Store;
  }

  describe(): Message[] {
    return this.stores.map((s) => s.describe());
  }

  /**
   * Write a message; it can then be read by its unsigned ID and every
   * commitment ID, and at each of `links` (all in one atomic write).
   */
  async write(msg: Message, links: readonly string[] = []): Promise<string> {
    const [id] = await this.writeAll([{ message: msg, links }]);
    return id as string;
  }

  async writeAt(path: string, msg: Message): Promise<void> {
    if (!this.primary.packs) {
      await this.write(msg, [path]);
      return;
    }
    const ops: StoreOp[] = [];
    packedOps(messageToTabm(msg), ops, path);
    await applyOps(this.primary, ops);
  }

  /** Write several messages and their links, all in one atomic write. */
  async writeAll(entries: readonly MessageEntry[]): Promise<string[]> {
    const ops: StoreOp[] = [];
    const ids = entries.map((entry) => this.messageOps(entry, ops));
    await applyOps(this.primary, ops);
    return ids;
  }

  /** The changes that write a message, its commitment IDs and links; returns its ID. */
  private messageOps(
    { message: msg, links = [], nestedLinks = {} }: MessageEntry,
    ops: StoreOp[],
  ): string {
    const tabm = messageToTabm(msg);
    // Its unsigned ID as worked out for it already (or now, and kept).
    const id = this.primary.packs
      ? packedOps(tabm, ops, unsignedMessageId(msg))
      : tabmOps(tabm, ops);
    const ids = Object.keys(commitmentsOf(msg));
    // Its ID: the uncommitted one it is stored under, or that of its commitments.
    const own = ids.length === 0 ? id : messageId(msg);
    if (ids.length > 1) ids.push(own);
    for (const alt of ids) if (alt !== id) ops.push({ op: 'link', existing: id, link: alt });
    for (const link of links) ops.push({ op: 'link', existing: id, link });
    for (const [key, paths] of Object.entries(nestedLinks)) {
      for (const link of paths) ops.push({ op: 'link', existing: `${id}/${key}`, link });
    }
    return own;
  }

  /** Write bytes at `data/<sha-256>`; returns that path. */
  async writeBinary(bytes: Uint8Array): Promise<string> {
    const path = dataPath(bytes);
    await this.primary.write(path, bytes);
    return path;
  }

  async readLocal(path: string): Promise<Uint8Array | undefined> {
    for (const store of this.stores) {
      if (store.scope !== 'local') continue;
      const bytes = await store.read(path);
      if (bytes !== undefined) return bytes;
    }
    return undefined;
  }

  async update(
    path: string,
    change: (current: Uint8Array | undefined) => Uint8Array,
  ): Promise<Uint8Array> {
    const primary = this.primary;
    if (primary.update) return primary.update(path, change);
    // A store without atomic updates: one change to a path at a time, here.
    const previous = this.updating.get(path) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const bytes = change(await primary.read(path));
        await primary.write(path, bytes);
        return bytes;
      });
    this.updating.set(path, next);
    const settled = () => {
      if (this.updating.get(path) === next) this.updating.delete(path);
    };
    next.then(settled, settled);
    return next;
  }

  link(existing: string, link: string): Promise<void> {
    return this.primary.makeLink(existing, link);
  }

  /** The names under a path, from the first local store that has it. */
  async list(path: string): Promise<string[] | undefined> {
    for (const store of this.stores) {
      if (store.scope !== 'local') continue;
      const names = await store.list(path);
      if (names !== undefined) return names;
    }
    return undefined;
  }

  /** A message by ID (or path), from the first store that has it. */
  async read(id: string): Promise<Message | undefined> {
    const value = await this.readValue(id);
    return isMessage(value) ? value : undefined;
  }

  /** What is at a path: a message, or bytes (`data/<sha-256>`). */
  async readValue(path: string): Promise<Message | Uint8Array | undefined> {
    for (const store of this.stores) {
      if (store.scope !== 'local') continue;
      const tabm = await readTree(store, path);
      if (tabm !== undefined) return isBinary(tabm) ? toBytes(tabm) : tabmToMessage(tabm);
    }
    // Missing here: ask the remote stores, and keep what they give.
    for (const store of this.stores) {
      if (store.scope === 'local') continue;
      const msg = await store.readMessage?.(path).catch(() => undefined);
      const keep = this.primary.scope === 'local';
      if (msg) {
        if (keep) await this.write(msg);
        return msg;
      }
      const bytes = await store.read(path).catch(() => undefined);
      if (bytes) {
        if (keep && path.startsWith('data/')) await this.primary.write(path, bytes);
        return bytes;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    for (const store of this.stores) await store.close?.();
  }
}

/** Read a path as TABM (or bytes), following links; undefined if it is not there. */
function treeToTabm(tree: Tree): Tabm | Binary {
  if (tree instanceof Uint8Array) return canonicalBinary(tree);
  const tabm: Tabm = {};
  for (const [name, child] of Object.entries(tree)) put(tabm, name, treeToTabm(child));
  return tabm;
}

async function readTree(
  store: Store,
  path: string,
  seen: ReadonlySet<string> = new Set(),
): Promise<Tabm | Binary | undefined> {
  if (store.readTree && seen.size === 0) {
    let tree: Tree | undefined;
    try {
      tree = store.readTree(path);
    } catch (error) {
      if (error instanceof BadRequestError) throw new NotFoundError('bad_entry', error.message);
      throw error;
    }
    return tree === undefined ? undefined : treeToTabm(tree);
  }
  let resolved: string;
  try {
    resolved = await store.resolve(path);
  } catch (error) {
    if (error instanceof BadRequestError) throw new NotFoundError('bad_entry', error.message);
    throw error;
  }
  if (seen.has(resolved)) throw new NotFoundError('circular_links', `'${path}' links to itself`);
  const type = await store.type(resolved);
  if (type === undefined) return undefined;
  if (type === 'simple') {
    const bytes = await store.read(resolved);
    return bytes === undefined ? undefined : canonicalBinary(bytes);
  }
  const names = (await store.list(resolved)) ?? [];
  const inner = new Set([...seen, resolved]);
  const tabm: Tabm = {};
  for (const name of names) {
    const child = await readTree(store, `${resolved}/${name}`, inner);
    if (child === undefined) {
      throw new NotFoundError('incomplete_message', `part '${name}' of '${path}' is missing`);
    }
    put(tabm, name, child);
  }
  return tabm;
}
