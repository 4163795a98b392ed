/**
 * The node's components, built in one place and owned by the node: the
 * message store, the result cache, the WASM instances, schedules, scheduler
 * locations, the process runtime and cron, beside the device and codec
 * registries and the wallet. Those with a life start in the order store,
 * WASM instances, process runtime, cron, and stop in reverse (cron first,
 * the store last), so processes are snapshotted while their instances still
 * run and nothing written is lost. Two nodes in one process share nothing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createCodecRegistry } from '../codecs/index.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import { SignatureMemo } from '../codecs/signature-memo.ts';
import { defaults, type NodeConfig, parseConfig } from '../config/schema.ts';
import type { Message } from '../core/message.ts';
import { NodeIdentity } from '../crypto/identity.ts';
import { createWallet, loadWallet, saveWallet, type Wallet } from '../crypto/wallet.ts';
import { CronTasks } from '../devices/cron.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import type {
  Context,
  Directives,
  Lifecycle,
  MessageStore,
  NodeControl,
  RequestInfo,
  Services,
} from '../engine/context.ts';
import { NodeMetrics } from '../engine/metrics.ts';
import type { DeviceRegistry } from '../engine/registry.ts';
import { MemoryResultCache, type ResultCache } from '../engine/result-cache.ts';
import { LuaStates } from '../lua/live.ts';
import { HttpClient } from '../net/http-client.ts';
import { Balances } from '../payments/balances.ts';
import { BlockClock } from '../processes/block.ts';
import { SchedulerLocations } from '../processes/locations.ts';
import { RemoteSchedules } from '../processes/remote-schedule.ts';
import { ProcessRuntime } from '../processes/runtime.ts';
import { Schedules } from '../processes/schedule.ts';
import { openStore } from '../stores/index.ts';
import { MemoryStore } from '../stores/memory.ts';
import { StoreResultCache } from '../stores/result-cache.ts';
import { TieredMessageStore } from '../stores/tiered.ts';
import { WasmInstances } from '../wasm/live.ts';

/** What a node is made from: its options (by name, see config/schema.ts) and any component to use. */
export interface NodeOptions {
  /** Options by name; values are parsed and checked against the schema. */
  readonly config?: Message;
  /** The node's key; else the file at `priv_key_location` when given, else a fresh one. */
  readonly wallet?: Wallet;
  /** A message store to use instead of the one the `store` option describes. */
  readonly messages?: MessageStore;
  readonly results?: ResultCache;
  readonly devices?: DeviceRegistry;
  readonly codecs?: CodecRegistry;
}

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
  const persistent =
    store instanceof TieredMessageStore && !(store.stores[0] instanceof MemoryStore);
  return persistent ? new StoreResultCache(store) : new MemoryResultCache();
}

/** A configuration from options by name: defaults, then the options, typed (ConfigError if not). */
export function configFrom(options: Message = {}, wallet?: Wallet): NodeConfig {
  const config = { ...defaults(), ...parseConfig(options) };
  if (wallet && options.operator === undefined) config.operator = wallet.address;
  if (wallet) config.address = wallet.address;
  if (options.cache_writers === undefined && wallet) config.cache_writers = [wallet.address];
  return config as NodeConfig;
}

export class Components {
  readonly services: Services;
  readonly config: NodeConfig;
  /** Who the node signs as (its wallet, or a green zone's after `become`). */
  readonly identity: NodeIdentity;
  /** Whether the wallet file was created now. */
  readonly createdWallet: boolean;
  /** In start order. */
  private readonly lifecycle: Lifecycle[];
  private started = false;

  constructor(options: NodeOptions = {}) {
    const given = options.config ?? {};
    let wallet = options.wallet;
    let created = false;
    if (!wallet) {
      const location = given.priv_key_location ?? given['priv-key-location'];
      if (typeof location === 'string') {
        ({ wallet, created } = loadOrCreateWallet(location));
      } else wallet = createWallet('rsa');
    }
    this.createdWallet = created;
    this.config = configFrom(given, wallet);
    this.identity = new NodeIdentity(wallet);
    const identity = this.identity;
    const codecs = options.codecs ?? createCodecRegistry();
    const http = new HttpClient({
      connectTimeoutMs: this.config.http_connect_timeout,
      timeoutMs: this.config.http_request_send_timeout,
    });
    const messages =
      options.messages ??
      openStore(this.config.store, {
        wallet: identity,
        codecs,
        http,
        trustGraphql: this.config.ans104_trust_gql,
      });
    const wasm = new WasmInstances();
    const schedules = new Schedules(messages);
    const locations = new SchedulerLocations(messages);
    const remoteSchedules = new RemoteSchedules({ messages, http, codecs, locations });
    const processes = new ProcessRuntime(messages);
    processes.track(wasm); // a process's instances go with it
    const lua = new LuaStates();
    processes.track(lua);
    const cron = new CronTasks();
    this.services = {
      devices: options.devices ?? createDeviceRegistry(),
      codecs,
      messages,
      results: options.results ?? resultCacheFor(messages),
      wallet: identity,
      inflight: new Map(),
      metrics: new NodeMetrics(),
      signatures: new SignatureMemo(),
      http,
      wasm,
      lua,
      blocks: new BlockClock(),
      schedules,
      locations,
      remoteSchedules,
      processes,
      balances: new Balances(messages),
      cron,
    };
    const store: Lifecycle = { stop: () => messages.close?.() };
    this.lifecycle = [store, http, wasm, lua, processes, cron];
  }

  /** A context to resolve with: this configuration (or the given one), these services. */
  context(
    directives: Directives = {},
    extra: { config?: NodeConfig; request?: RequestInfo; node?: NodeControl } = {},
  ): Context {
    return { config: extra.config ?? this.config, services: this.services, directives, ...extra };
  }

  async start(ctx: Context = this.context()): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const component of this.lifecycle) await component.start?.(ctx);
  }

  async stop(ctx: Context = this.context()): Promise<void> {
    for (const component of [...this.lifecycle].reverse()) await component.stop?.(ctx);
    this.started = false;
  }
}

export function assemble(options: NodeOptions = {}): Components {
  return new Components(options);
}
