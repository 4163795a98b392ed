/**
 * Options: the node's configuration plus the services a resolution uses.
 * Option names follow HyperBEAM's (`cache_control`, `error_strategy`...), so
 * configuration files carry over. Devices receive these and pass them on.
 */
import type { CodecRegistry, SchemeRegistry } from '../codecs/index.ts';
import type { Message } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { Result } from './device.ts';
import type { DeviceRegistry } from './registry.ts';
import type { ResultCache } from './result-cache.ts';

/** Where messages are read and written by ID. */
export interface MessageStore {
  read(id: string): Promise<Message | undefined>;
  /** Write a message (and make `links` lead to it); returns its ID. */
  write(msg: Message, links?: readonly string[]): Promise<string>;
  /** What is at a path: a message, or bytes (`data/<sha-256>`). */
  readValue?(path: string): Promise<Message | Uint8Array | undefined>;
  /** Write bytes; returns their path (`data/<sha-256>`). */
  writeBinary?(bytes: Uint8Array): Promise<string>;
  /** Make the path `link` lead to `existing`. */
  link?(existing: string, link: string): Promise<void>;
  /** The names under a path (`assignments/<process>`...). */
  list?(path: string): Promise<string[] | undefined>;
  close?(): Promise<void>;
}

/** What devices may ask of the running node. */
export interface LiveNodeRef {
  readonly opts: Opts;
  adopt(request: Message): Opts;
}

/** Observes (and may replace) the outcome of every resolution step. */
export type StepHook = (
  step: { base: Message; request: Message; result: Result },
  opts: Opts,
) => Promise<Result>;

export interface Opts {
  devices?: DeviceRegistry;
  codecs?: CodecRegistry;
  schemes?: SchemeRegistry;
  store?: MessageStore;
  cache?: ResultCache;
  /** `update` (default) writes each result's hashpath; `reset` clears it; `ignore` leaves it. */
  hashpath?: 'update' | 'reset' | 'ignore';
  /** Result-cache directives: always, no-cache, no-store, cache, store, only-if-cached. */
  cache_control?: string | readonly string[];
  /** Wrap non-message results as `{ao-result: body, body}` (the HTTP layer sets it). */
  force_message?: boolean;
  /** `throw` (default) lets device errors propagate; anything else returns them as errors. */
  error_strategy?: string;
  /** Deduplicate identical in-flight resolutions: `named` (devices with a grouper), true, false. */
  await_inprogress?: boolean | 'named';
  allow_infinite?: boolean;
  commitment_device?: string;
  /** The node's signing key. */
  priv_wallet?: Wallet;
  on_step?: StepHook;
  /** The verified request being answered, when resolving for an HTTP request. */
  http_request?: Message;
  /** The running node, when resolving for one (its live node message). */
  node?: LiveNodeRef;
  [key: string]: unknown;
}

/** Options for the engine's own bookkeeping calls: no hashpaths, no caching, no dedupe. */
export function internalOpts(opts: Opts): Opts {
  return {
    ...opts,
    hashpath: 'ignore',
    cache_control: ['no-cache', 'no-store'],
    await_inprogress: false,
  };
}
