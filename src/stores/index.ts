/**
 * Stores by configuration. The node option `store` is a store descriptor or
 * a list of them (local ones are asked first):
 *   {store-module: lmdb, prefix: <dir>}          the default, embedded
 *   {store-module: fs, prefix: <dir>}            HyperBEAM's directory layout
 *   {store-module: memory}                       nothing kept after exit
 *   {store-module: remote-node, node: <url>}     another node's cache@1.0
 *   {store-module: gateway, gateway: <url>}      Arweave, read-only
 * HyperBEAM's module names (hb_store_fs, hb_store_rocksdb, hb_store_gateway,
 * hb_store_remote_node) are accepted too. A message store may also be given
 * directly.
 */
import type { CodecRegistry } from '../codecs/registry.ts';
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { MessageStore } from '../engine/context.ts';
import type { HttpClient } from '../net/http-client.ts';
import { FsStore } from './fs.ts';
import { GatewayStore } from './gateway.ts';
import { LmdbStore } from './lmdb.ts';
import { MemoryStore } from './memory.ts';
import { RemoteNodeStore } from './remote-node.ts';
import type { Store } from './store.ts';
import { TieredMessageStore } from './tiered.ts';

export const DEFAULT_STORE: Message = { 'store-module': 'lmdb', prefix: 'cache-mainnet' };

export interface StoreContext {
  /** Signs writes to remote nodes. */
  wallet?: Wallet;
  /** Reads remote nodes' replies (needed by `remote-node` stores). */
  codecs?: CodecRegistry;
  /** Accept gateway items whose signatures GraphQL cannot reproduce (`ans104_trust_gql`). */
  trustGraphql?: boolean;
  /** The node's outbound client (needed by `remote-node` stores). */
  http?: HttpClient;
}

/** Opens a store module from its descriptor. */
export type StoreModule = (descriptor: Message, context: StoreContext) => Store;

export function isMessageStore(value: unknown): value is MessageStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MessageStore).read === 'function' &&
    typeof (value as MessageStore).write === 'function'
  );
}

function text(descriptor: Message, key: string): string | undefined {
  const value = descriptor[key];
  return typeof value === 'string' ? value : undefined;
}

/** What a store module needs: refused when missing. */
function need<T>(module: string, value: T | undefined, what: string): T {
  if (!value) throw new BadRequestError('bad_store', `a ${module} store needs '${what}'`);
  return value;
}

const memory: StoreModule = () => new MemoryStore();
const lmdb: StoreModule = (d) => new LmdbStore(need('lmdb', text(d, 'prefix'), 'prefix'));
const fs: StoreModule = (d) => new FsStore(need('fs', text(d, 'prefix'), 'prefix'));
const remoteNode: StoreModule = (d, context) =>
  new RemoteNodeStore(need('remote-node', text(d, 'node'), 'node'), {
    codecs: need('remote-node', context.codecs, 'codecs'),
    http: need('remote-node', context.http, 'http'),
    wallet: context.wallet,
  });
const gateway: StoreModule = (d, context) => {
  const subindex = Array.isArray(d.subindex)
    ? d.subindex.filter(isMessage).map((t) => ({ name: String(t.name), value: String(t.value) }))
    : [];
  return new GatewayStore({
    gateway: text(d, 'gateway') ?? text(d, 'node') ?? 'https://arweave.net',
    subindex,
    trustGraphql: context.trustGraphql ?? false,
  });
};

/** Store modules by `store-module` name, HyperBEAM's module names included. */
export const STORE_MODULES: Readonly<Record<string, StoreModule>> = {
  memory,
  lmdb,
  fs,
  'remote-node': remoteNode,
  gateway,
  hb_store_fs: fs,
  hb_store_rocksdb: lmdb,
  hb_store_gateway: gateway,
  hb_store_remote_node: remoteNode,
};

/** One store from its descriptor. */
export function storeFrom(descriptor: Message, context: StoreContext = {}): Store {
  const name = text(descriptor, 'store-module') ?? 'memory';
  const module = Object.hasOwn(STORE_MODULES, name) ? STORE_MODULES[name] : undefined;
  if (!module) throw new BadRequestError('unknown_store', `no store module '${name}'`);
  return module(descriptor, context);
}

/** The message store a `store` option describes. */
export function openStore(
  option: Value | MessageStore | undefined,
  context: StoreContext = {},
): MessageStore {
  if (option === undefined) return new TieredMessageStore([new MemoryStore()]);
  if (isMessageStore(option)) return option;
  const descriptors = Array.isArray(option) ? option : [option];
  if (descriptors.length === 0 || !descriptors.every(isMessage)) {
    throw new BadRequestError('bad_store', 'a store is described by {store-module, ...}');
  }
  return new TieredMessageStore(descriptors.map((d) => storeFrom(d as Message, context)));
}
