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
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { MessageStore } from '../engine/context.ts';
import { FsStore } from './fs.ts';
import { GatewayStore } from './gateway.ts';
import { LmdbStore } from './lmdb.ts';
import { MemoryStore } from './memory.ts';
import { MessageCache } from './message-cache.ts';
import { RemoteNodeStore } from './remote-node.ts';
import type { Store } from './store.ts';

export const DEFAULT_STORE: Message = { 'store-module': 'lmdb', prefix: 'cache-mainnet' };

const ALIASES: Record<string, string> = {
  hb_store_fs: 'fs',
  hb_store_rocksdb: 'lmdb',
  hb_store_gateway: 'gateway',
  hb_store_remote_node: 'remote-node',
};

export interface StoreContext {
  /** Signs writes to remote nodes. */
  wallet?: Wallet;
  /** Accept gateway items whose signatures GraphQL cannot reproduce (`ans104_trust_gql`). */
  trustGraphql?: boolean;
}

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

/** One store from its descriptor. */
export function storeFrom(descriptor: Message, context: StoreContext = {}): Store {
  const raw = text(descriptor, 'store-module') ?? 'memory';
  const module = ALIASES[raw] ?? raw;
  const prefix = text(descriptor, 'prefix');
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new BadRequestError('bad_store', `a ${module} store needs '${what}'`);
    return value;
  };
  switch (module) {
    case 'memory':
      return new MemoryStore();
    case 'lmdb':
      return new LmdbStore(need(prefix, 'prefix'));
    case 'fs':
      return new FsStore(need(prefix, 'prefix'));
    case 'remote-node':
      return new RemoteNodeStore(need(text(descriptor, 'node'), 'node'), {
        wallet: context.wallet,
      });
    case 'gateway': {
      const subindex = Array.isArray(descriptor.subindex)
        ? descriptor.subindex
            .filter(isMessage)
            .map((t) => ({ name: String(t.name), value: String(t.value) }))
        : [];
      return new GatewayStore({
        gateway: text(descriptor, 'gateway') ?? text(descriptor, 'node') ?? 'https://arweave.net',
        subindex,
        trustGraphql: context.trustGraphql ?? false,
      });
    }
    default:
      throw new BadRequestError('unknown_store', `no store module '${raw}'`);
  }
}

/** The message store a `store` option describes. */
export function openStore(
  option: Value | MessageStore | undefined,
  context: StoreContext = {},
): MessageStore {
  if (option === undefined) return new MessageCache([new MemoryStore()]);
  if (isMessageStore(option)) return option;
  const descriptors = Array.isArray(option) ? option : [option];
  if (descriptors.length === 0 || !descriptors.every(isMessage)) {
    throw new BadRequestError('bad_store', 'a store is described by {store-module, ...}');
  }
  return new MessageCache(descriptors.map((d) => storeFrom(d as Message, context)));
}
