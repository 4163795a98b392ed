/**
 * A node message ready to serve: the defaults, the given options, the
 * services (devices, codecs, store, result cache) and the node's wallet.
 * The wallet is the one given (`priv_wallet`), else the JWK file at
 * `priv_key_location` (created, RSA-4096, if missing), else a fresh one kept
 * in memory (as HyperBEAM's start_node does for embedded nodes and tests).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Value } from '../core/message.ts';
import { createWallet, loadWallet, saveWallet, type Wallet } from '../crypto/wallet.ts';
import { createOpts } from '../defaults.ts';
import type { MessageStore, Opts } from '../engine/context.ts';
import { MemoryResultCache, type ResultCache } from '../engine/result-cache.ts';
import { openStore } from '../stores/index.ts';
import { MemoryStore } from '../stores/memory.ts';
import { MessageCache } from '../stores/message-cache.ts';
import { StoreResultCache } from '../stores/result-cache.ts';
import { NodeMetrics } from './metrics.ts';
import { NODE_DEFAULTS } from './options.ts';

/**
 * Options for a node: any node option (HyperBEAM names) and any service to
 * use. `store` is a store descriptor (or list), or a message store itself.
 */
export type NodeOptions = { [K in keyof Opts as Exclude<K, 'store'>]: Opts[K] } & {
  store?: MessageStore | Value;
};

/** Load the wallet at `path`, creating it first if there is none. */
export function loadOrCreateWallet(path: string): { wallet: Wallet; created: boolean } {
  const file = resolve(path);
  if (existsSync(file)) return { wallet: loadWallet(file), created: false };
  const wallet = createWallet('rsa');
  saveWallet(file, wallet);
  return { wallet, created: true };
}

/** Results kept beside the messages when the store persists them; in memory otherwise. */
function resultCacheFor(store: MessageStore): ResultCache {
  const persistent = store instanceof MessageCache && !(store.stores[0] instanceof MemoryStore);
  return persistent ? new StoreResultCache(store) : new MemoryResultCache();
}

export interface AssembledNode {
  opts: Opts;
  /** Whether the wallet file was created now. */
  createdWallet: boolean;
}

export function assembleNode(options: NodeOptions = {}): AssembledNode {
  let wallet = options.priv_wallet;
  let createdWallet = false;
  if (!wallet) {
    if (typeof options.priv_key_location === 'string') {
      ({ wallet, created: createdWallet } = loadOrCreateWallet(options.priv_key_location));
    } else {
      wallet = createWallet('rsa');
    }
  }
  const store = openStore(options.store, {
    wallet,
    trustGraphql: options.ans104_trust_gql === true,
  });
  const opts = createOpts({
    ...NODE_DEFAULTS,
    metrics: new NodeMetrics(),
    cache_writers: [wallet.address],
    ...options,
    store,
    cache: options.cache ?? resultCacheFor(store),
    priv_wallet: wallet,
  });
  return { opts: { ...opts, address: wallet.address }, createdWallet };
}
