/**
 * What a resolution runs with, in four parts that change at different rates:
 *   config      the node's configuration (typed by config/schema.ts); changes
 *               only when the operator reconfigures the node
 *   services    the node's components (devices, codecs, the message store,
 *               the result cache, the wallet, and what higher layers add)
 *   directives  how this resolution runs (hashpaths, caching, wrapping);
 *               callers narrow them for the resolutions they start
 *   request     the HTTP request being answered, when there is one
 * Services are declared here for what the engine itself uses; the modules
 * that provide others add them to `Services` (TypeScript interface merging),
 * so devices get them typed without the engine importing upward.
 */
import type { CodecRegistry } from '../codecs/registry.ts';
import type { SignatureMemo } from '../codecs/signature-memo.ts';
import type { NodeConfig } from '../config/schema.ts';
import type { Message } from '../core/message.ts';
import type { Wallet } from '../crypto/wallet.ts';
import type { Result } from './device.ts';
import type { NodeMetrics } from './metrics.ts';
import type { DeviceRegistry } from './registry.ts';
import type { ResultCache } from './result-cache.ts';

/** A message to write and the paths to lead to it (`links`) or to a message it holds under a key (`nestedLinks`). */
export interface MessageEntry {
  readonly message: Message;
  readonly links?: readonly string[];
  readonly nestedLinks?: Readonly<Record<string, readonly string[]>>;
}

/** Messages by ID, and the paths records live at, over the node's stores. */
export interface MessageStore {
  read(id: string): Promise<Message | undefined>;
  /** Write a message (and make `links` lead to it); returns its ID. */
  write(msg: Message, links?: readonly string[]): Promise<string>;
  /**
   * Write a message at a path of its own, read back by that path only (the
   * node's internal records): its ID is not computed, nor kept.
   */
  writeAt(path: string, msg: Message): Promise<void>;
  /** Write several messages (and their links) in one atomic write; returns their IDs. */
  writeAll(entries: readonly MessageEntry[]): Promise<string[]>;
  /** What is at a path: a message, or bytes (`data/<sha-256>`). */
  readValue(path: string): Promise<Message | Uint8Array | undefined>;
  /** Write bytes; returns their path (`data/<sha-256>`). */
  writeBinary(bytes: Uint8Array): Promise<string>;
  /** Make the path `link` lead to `existing`. */
  link(existing: string, link: string): Promise<void>;
  /** The names under a path (`assignments/<process>`...). */
  list(path: string): Promise<string[] | undefined>;
  /** The bytes at a path in this node's own stores (never fetched from others). */
  readLocal(path: string): Promise<Uint8Array | undefined>;
  /**
   * Replace the bytes at a path by `change(current)` atomically (counters,
   * balances); returns what was written.
   */
  update(
    path: string,
    change: (current: Uint8Array | undefined) => Uint8Array,
  ): Promise<Uint8Array>;
  /** Flush and close (the node is stopping). */
  close?(): Promise<void>;
}

/** The node's components a resolution may use. Higher layers add theirs. */
export interface Services {
  readonly devices: DeviceRegistry;
  readonly codecs: CodecRegistry;
  readonly messages: MessageStore;
  readonly results: ResultCache;
  /** The node's signing key. */
  readonly wallet: Wallet;
  /** Resolutions running now, by group (identical ones share one execution). */
  readonly inflight: Map<string, Inflight>;
  readonly metrics: NodeMetrics;
  /** Signatures the node made recently (identical replies are signed by copying). */
  readonly signatures: SignatureMemo;
}

/**
 * A component with a life: started in the order the node assembles them,
 * stopped in reverse (the store last). Services implement it where they
 * hold timers, workers or files.
 */
export interface Lifecycle {
  start?(ctx: Context): Promise<void> | void;
  stop?(ctx: Context): Promise<void> | void;
}

/** A running resolution: its request's ID and its outcome. */
export interface Inflight {
  readonly request: string;
  readonly result: Promise<Result>;
}

/** Observes (and may replace) the outcome of every resolution step. */
export type StepHook = (
  step: { base: Message; request: Message; result: Result },
  ctx: Context,
) => Promise<Result>;

/** How one resolution runs (HyperBEAM's per-call resolve options). */
export interface Directives {
  /** `update` (default) writes each result's hashpath; `reset` clears it; `ignore` leaves it. */
  readonly hashpath?: 'update' | 'reset' | 'ignore';
  /** Result-cache directives: always, no-cache, no-store, cache, store, only-if-cached. */
  readonly cacheControl?: readonly string[];
  /** Wrap non-message results as `{ao-result: body, body}` (the HTTP layer sets it). */
  readonly forceMessage?: boolean;
  /** `throw` (default): exceptions a device throws propagate; `return`: they become errors. */
  readonly errorStrategy?: 'throw' | 'return';
  /** Share identical in-flight resolutions: `named` (devices with a grouper), true, false. */
  readonly awaitInprogress?: boolean | 'named';
  readonly allowInfinite?: boolean;
  /** The codec the node commits with while resolving this request. */
  readonly commitmentDevice?: string;
  readonly onStep?: StepHook;
  /** Groups of the resolutions this one runs inside (to refuse infinite recursion). */
  readonly chain?: ReadonlySet<string>;
}

/** The HTTP request being answered. */
export interface RequestInfo {
  /** The message as its client sent and signed it (no `method`/`path` added). */
  readonly message: Message;
  /** The IDs of its commitments verified over the bytes received, once. */
  readonly verified: readonly string[];
  readonly trace?: RequestTrace;
  /** Its storing (`store_all_signed`), which a write that holds it anyway may take over. */
  readonly keeping?: RequestKeeping;
}

/**
 * A signed request about to be stored on its own. A write that holds the
 * same message (a schedule's assignment) takes the storing over, so the
 * message is written once: `takeOver` gives the function to hand that
 * write to, or nothing once the request's own write has begun.
 */
export interface RequestKeeping {
  readonly message: Message;
  takeOver(): ((written: Promise<unknown>) => void) | undefined;
}

/** What the engine learns about a request while resolving it. */
export interface RequestTrace {
  /**
   * Whether the same request would get the same reply: cleared by any step
   * that is volatile or reads stored messages (whose commitments can grow).
   */
  repeatable: boolean;
}

/** Note that the request being resolved (if any) may get a different reply next time. */
export function notRepeatable(ctx: Context): void {
  const trace = ctx.request?.trace;
  if (trace) trace.repeatable = false;
}

/** What devices may ask of the running node. */
export interface NodeControl {
  /** The configuration now (a request's `ctx.config` is the one it started with). */
  readonly config: NodeConfig;
  /** Adopt a configuration request (meta@1.0's POST info); returns the new configuration. */
  reconfigure(request: Message): NodeConfig;
  /** Set options the node keeps for itself (a route added by its operator); values are typed. */
  replace(changes: Message): void;
  /** Sign as `wallet` from now on (a green zone's identity). */
  become(wallet: Wallet): void;
  /** Answer a request as if it came over HTTP, hooks included (cron's tasks). */
  dispatch(request: Message): Promise<Message>;
}

export interface Context {
  readonly config: NodeConfig;
  readonly services: Services;
  readonly directives: Directives;
  readonly request?: RequestInfo;
  readonly node?: NodeControl;
  /**
   * In a process's fold: the requests its execution device gets next, in
   * order, with nothing else done to the live state in between (so a device
   * may start on them early).
   */
  readonly upcoming?: readonly Message[];
}

/** The context with some directives changed. */
export function withDirectives(ctx: Context, directives: Directives): Context {
  return { ...ctx, directives: { ...ctx.directives, ...directives } };
}

/** For the engine's own bookkeeping calls: no hashpaths, no caching, no sharing. */
export function internal(ctx: Context): Context {
  return withDirectives(ctx, {
    hashpath: 'ignore',
    cacheControl: ['no-cache', 'no-store'],
    awaitInprogress: false,
  });
}
