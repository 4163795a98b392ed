/**
 * The running node: its components and its current configuration. Every
 * request reads the configuration afresh, so an accepted
 * `POST /~meta@1.0/info` takes effect on the next request (as HyperBEAM's
 * listener environment does). Devices reach it as `ctx.node`.
 */
import { ConfigError, type NodeConfig, optionName, parseConfig } from '../config/schema.ts';
import { BadRequestError, HbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { TRANSPORT_KEYS } from '../core/transport.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { Context, Directives, NodeControl, RequestInfo, Services } from '../engine/context.ts';
import { assemble, type Components, type NodeOptions } from './components.ts';
import { runHook } from './hooks.ts';
import { handle } from './pipeline.ts';

/**
 * Keys a configuration request may not set: what the node was assembled with
 * (its key, store, registries) and names that once held services.
 */
const PROTECTED = new Set([
  'address',
  'store',
  'priv_wallet',
  'priv_key_location',
  'devices',
  'codecs',
  'schemes',
  'cache',
  'node',
  'on_step',
  'metrics',
  'quiet',
  'http_request',
]);

export class LiveNode implements NodeControl {
  readonly components: Components;
  #config: NodeConfig;

  constructor(components: Components) {
    this.components = components;
    this.#config = components.config;
  }

  /**
   * Assemble a node and start it: the `start` hook may change its
   * configuration (or refuse to start), then its components start.
   */
  static async start(options: NodeOptions = {}): Promise<LiveNode> {
    const live = new LiveNode(assemble(options));
    const started = await runHook('start', { body: live.config }, live.context());
    if (started.status !== 'ok') {
      await live.stop();
      throw new HbError(
        'failed_to_start_server',
        `the start hook refused: ${String(started.body)}`,
      );
    }
    const body = (started.body as Message).body;
    if (body !== live.config) live.replace(body as Message);
    await live.components.start(live.context());
    return live;
  }

  /** Stop the components: cron, processes (snapshotted), WASM instances, the store last. */
  stop(): Promise<void> {
    return this.components.stop(this.context());
  }

  get config(): NodeConfig {
    return this.#config;
  }

  get services(): Services {
    return this.components.services;
  }

  /** A context for resolving on this node now. */
  context(directives: Directives = {}, request?: RequestInfo): Context {
    return this.components.context(directives, { config: this.#config, node: this, request });
  }

  /** Set options directly (hooks, tests, the port once listening); values are typed. */
  replace(changes: Message): void {
    this.#config = { ...this.#config, ...parseConfig(changes) } as NodeConfig;
  }

  /**
   * Adopt a configuration request: its keys (minus the HTTP exchange's own
   * and the protected ones) are typed by the schema and merged in; the
   * request is recorded at the head of `node_history`.
   */
  reconfigure(request: Message): NodeConfig {
    if (this.#config.initialized === 'permanent') {
      throw new BadRequestError('permanent', 'Node message is already permanent.');
    }
    const changes: Message = {};
    for (const [key, value] of Object.entries(request)) {
      if (TRANSPORT_KEYS.has(key) || key === 'content-type' || key === 'commitments') continue;
      if (PROTECTED.has(optionName(key))) {
        throw new BadRequestError('protected_option', `'${key}' cannot be set through info`);
      }
      changes[key] = value;
    }
    let typed: Message;
    try {
      typed = parseConfig(changes);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new BadRequestError('bad_option', error.message);
    }
    const history = this.#config.node_history;
    this.#config = { ...this.#config, ...typed, node_history: [request, ...history] } as NodeConfig;
    return this.#config;
  }

  become(wallet: Wallet): void {
    this.components.identity.adopt(wallet);
    this.#config = { ...this.#config, address: wallet.address };
  }

  /** Answer a request as if it came over HTTP (hooks included). */
  dispatch(request: Message): Promise<Message> {
    return handle(request, this);
  }
}
