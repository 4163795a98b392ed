/**
 * Computing processes (HyperBEAM's dev_process compute loop): a process's
 * state at slot N is its state at N-1 with assignment N applied by its
 * execution device (`init` once, then `compute` per slot).
 *
 * - Each slot's state is kept at `processes/<pid>/slots/<n>` (without the
 *   process message, which never changes), so a slot is computed once. A
 *   slot that changed only its `results` (most of them: an AOS process's
 *   WASM state lives in its instance) is kept as those and `state-base`,
 *   the slot whose record holds the rest: writing a slot costs its results,
 *   not the whole state re-encoded.
 * - Live states stay in memory (an LRU of `process_live_limit` processes), so
 *   slot N+1 continues from N instead of starting over.
 * - Snapshots (the execution device's `snapshot`, e.g. WASM memory) are taken
 *   every `process_snapshot_slots` slots or `process_snapshot_interval` ms,
 *   when a live state is evicted, and when the node stops; after a restart,
 *   computation resumes from the latest snapshot (via `normalize`).
 * - One process is computed by one caller at a time; a second caller waits
 *   and gets the stored result. Different processes proceed independently.
 */

import { LiveStateLostError } from '../core/errors.ts';
import { Atom, isMessage, type Message, omit, type Value } from '../core/message.ts';
import {
  type Context,
  internal,
  type Lifecycle,
  type MessageStore,
  withDirectives,
} from '../engine/context.ts';
import { error, fail, ok, type Result } from '../engine/device.ts';
import { log } from '../engine/log.ts';
import { resolve } from '../engine/resolver.ts';
import { withLegacyView } from './legacy-view.ts';
import { committedProcess, processIdOf } from './process-message.ts';
import type { ScheduleReader } from './remote-schedule.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly processes: ProcessRuntime;
  }
}

export const PROCESS_DEVICE = 'process@1.0';

const DEFAULT_DEVICES: Record<string, string> = {
  scheduler: 'scheduler@1.0',
  execution: 'genesis-wasm@1.0',
  push: 'push@1.0',
};

interface Live {
  state: Message;
  atSlot: number;
  snapshotSlot: number;
  snapshotAt: number;
  /** The last slot whose whole state was written, and that state. */
  base?: { slot: number; state: Message };
}

/** Binaries of a snapshot at least this large are kept as bytes of their own. */
const BLOB_MIN = 64 * 1024;

/**
 * A snapshot with its large binaries (WASM memory) written as bytes
 * (`data/<sha-256>`, hashed once, never re-encoded into the record) and
 * referenced by path in `blobs`, mirroring where they were.
 */
async function externalized(
  msg: Message,
  store: MessageStore,
): Promise<{ rest: Message; blobs: Message }> {
  const rest: Message = {};
  const blobs: Message = {};
  for (const [key, value] of Object.entries(msg)) {
    if (value instanceof Uint8Array && value.length >= BLOB_MIN) {
      blobs[key] = await store.writeBinary(value);
    } else if (isMessage(value)) {
      const inner = await externalized(value, store);
      rest[key] = inner.rest;
      if (Object.keys(inner.blobs).length > 0) blobs[key] = inner.blobs;
    } else rest[key] = value;
  }
  return { rest, blobs };
}

/** A snapshot with its externalized binaries read back; undefined if one is missing. */
async function internalized(
  rest: Message,
  blobs: Message,
  store: MessageStore,
): Promise<Message | undefined> {
  const out: Message = { ...rest };
  for (const [key, ref] of Object.entries(blobs)) {
    if (typeof ref === 'string') {
      const bytes = await store.readValue(ref);
      if (!(bytes instanceof Uint8Array)) return undefined;
      out[key] = bytes;
    } else if (isMessage(ref)) {
      const inner = await internalized(
        isMessage(out[key]) ? (out[key] as Message) : {},
        ref,
        store,
      );
      if (!inner) return undefined;
      out[key] = inner;
    }
  }
  return out;
}

/** The keys a slot changes without changing its state's base. */
const PER_SLOT = new Set(['at-slot', 'results']);
const STATE_BASE = 'state-base';

/** Whether `state` is `base` with only its per-slot keys changed (values compared by identity). */
function onlyPerSlot(state: Message, base: Message): boolean {
  const keys = Object.keys(state);
  if (keys.length !== Object.keys(base).length) return false;
  return keys.every((k) => PER_SLOT.has(k) || (Object.hasOwn(base, k) && state[k] === base[k]));
}

/**
 * A live state lent for a run that must leave no trace (a dryrun):
 * `giveBack` puts what the run changed back as it was, and says whether it
 * could (an instance the run killed cannot be: the process is dropped and
 * resumes from its last snapshot).
 */
export interface Lent {
  giveBack(): Promise<boolean>;
}

/**
 * What live processes hold outside their state (WASM instances): released
 * when the runtime lets a process go, and counted against
 * `process_live_memory` when deciding what to evict.
 */
export interface LiveResource {
  release(pid: string): Promise<void> | void;
  bytes(pid: string): number;
  /** Lend what `state` holds live to a run that must leave it unchanged. */
  lend?(state: Message): Promise<Lent>;
  /** Whether it started work for a slot ahead (`Context.upcoming`) that the slot did not take. */
  ranAhead?(pid: string): boolean;
}

/** How many slots the execution device may be given ahead of the one it computes. */
const AHEAD = 8;

const slotPath = (pid: string, slot: number) => `processes/${pid}/slots/${slot}`;
const snapshotPath = (pid: string, slot: number) => `processes/${pid}/snapshots/${slot}`;

/** The device a process uses for a role (`<role>-device`, else HyperBEAM's default). */
export function deviceFor(state: Message, role: string): string {
  const process = isMessage(state.process) ? state.process : state;
  const named = state[`${role}-device`] ?? process[`${role}-device`];
  if (typeof named === 'string') return named;
  if (role === 'execution' && process.variant === 'ao.TN.1') return 'genesis-wasm@1.0';
  return DEFAULT_DEVICES[role] ?? `${role}@1.0`;
}

/** Resolve `req` on the state with the device for `role` swapped in, then swap back. */
export async function runAs(
  role: string,
  state: Message,
  req: Message,
  ctx: Context,
): Promise<Result> {
  const device = deviceFor(state, role);
  const inputPrefix = typeof state['input-prefix'] === 'string' ? state['input-prefix'] : 'process';
  const swapped: Message = { ...state, device, 'input-prefix': inputPrefix };
  const prefixes = state[`${role}-output-prefixes`];
  if (prefixes !== undefined) swapped['output-prefixes'] = prefixes;
  const result = await resolve(swapped, req, ctx);
  const body = result.body;
  if (result.status === 'ok' && isMessage(body) && body.device === device) {
    return { ...result, body: { ...body, device: state.device ?? PROCESS_DEVICE } };
  }
  return result;
}

/** The context to run a process's devices in: no hashpaths, no result cache, no dedupe. */
function execContext(ctx: Context): Context {
  return withDirectives(internal(ctx), { forceMessage: false });
}

/** Without the parts that never change or are not ours to keep. */
function storable(state: Message): Message {
  return omit(state, ['process', 'priv', 'snapshot', 'commitments']);
}

export class ProcessRuntime implements Lifecycle {
  private readonly store: MessageStore;
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly resources = new Set<LiveResource>();
  /** Slot state and snapshot writes under way (see `inBackground`). */
  private readonly background = new Set<Promise<void>>();
  /** Processes whose stacks did not take work started ahead: computed one slot at a time. */
  private readonly sequential = new Set<string>();

  constructor(messages: MessageStore) {
    this.store = messages;
  }

  /** Let go of what `resource` holds for a process with the process (and lend it to dryruns). */
  track(resource: LiveResource): void {
    this.resources.add(resource);
  }

  private async release(pid: string): Promise<void> {
    for (const resource of this.resources) await resource.release(pid);
  }

  /** Lend a live state's resources; giving them back says whether all are intact. */
  private async lendLive(state: Message): Promise<Lent> {
    const lent: Lent[] = [];
    const giveBack = async () => {
      let intact = true;
      for (const l of lent) intact = (await l.giveBack()) && intact;
      return intact;
    };
    try {
      for (const resource of this.resources)
        if (resource.lend) lent.push(await resource.lend(state));
    } catch (error) {
      await giveBack();
      throw error;
    }
    return { giveBack };
  }

  private ranAhead(pid: string): boolean {
    for (const resource of this.resources) if (resource.ranAhead?.(pid)) return true;
    return false;
  }

  private liveBytes(pid: string): number {
    let total = 0;
    for (const resource of this.resources) total += resource.bytes(pid);
    return total;
  }

  /** Run `work` for one process at a time. */
  private async exclusive<T>(pid: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(pid) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(work);
    this.locks.set(pid, mine);
    try {
      return await mine;
    } finally {
      if (this.locks.get(pid) === mine) this.locks.delete(pid);
    }
  }

  private async storedSlot(
    pid: string,
    process: Message,
    slot: number,
  ): Promise<Message | undefined> {
    const record = await this.store.read(slotPath(pid, slot));
    if (!record) return undefined;
    const base = record[STATE_BASE];
    if (typeof base !== 'number') return { ...record, process };
    const full = await this.store.read(slotPath(pid, base));
    return full ? { ...full, ...omit(record, [STATE_BASE]), process } : undefined;
  }

  /** A slot's record: its results over its base's, or its whole state when more changed. */
  private slotRecord(live: Live): Message {
    const state = storable(live.state);
    const base = live.base;
    if (base && onlyPerSlot(state, base.state)) {
      const record: Message = { [STATE_BASE]: base.slot };
      for (const key of PER_SLOT) if (key in state) record[key] = state[key] as Value;
      return record;
    }
    live.base = { slot: live.atSlot, state };
    return state;
  }

  /** The process's state after `slot` (computing what is missing). */
  async compute(processMsg: Message, slot: number, ctx: Context): Promise<Result> {
    const process = committedProcess(processMsg, ctx);
    const pid = processIdOf(process);
    if (!Number.isSafeInteger(slot) || slot < 0) return fail(400, `Not a slot: ${slot}.`);
    const schedule = await ctx.services.remoteSchedules.readerFor(process, pid, ctx);
    const scheduled = await schedule.current(slot);
    if (slot > scheduled) {
      return fail(404, `Slot ${slot} of ${pid} has not been scheduled (the last is ${scheduled}).`);
    }
    const cached = await this.storedSlot(pid, process, slot);
    if (cached) return ok(cached);
    return this.exclusive(pid, async () => {
      const done = await this.storedSlot(pid, process, slot);
      if (done) return ok(done);
      return this.computeTo(pid, process, slot, schedule, ctx);
    });
  }

  /**
   * Run `message` on the process's latest state as if it were scheduled next,
   * without scheduling it or changing the process (the execution device runs
   * on the live state, lent and given back as it was). The answer is that
   * run's `results`.
   */
  async dryrun(processMsg: Message, message: Message, ctx: Context): Promise<Result> {
    const process = committedProcess(processMsg, ctx);
    const pid = processIdOf(process);
    const schedule = await ctx.services.remoteSchedules.readerFor(process, pid, ctx);
    const current = await schedule.current();
    if (current < 0) return fail(404, `Process ${pid} is not known here.`);
    // The run happens on the live state itself, lent and given back intact,
    // so no compute of the process runs meanwhile. The answer goes out as soon
    // as the run is done; the process stays locked until its memory is back.
    return new Promise<Result>((answer, reject) => {
      this.exclusive(pid, async () => {
        if (this.live.get(pid)?.atSlot !== current) {
          const computed = await this.computeTo(pid, process, current, schedule, ctx);
          if (computed.status !== 'ok') return answer(computed);
        }
        const live = this.live.get(pid);
        if (!live) return answer(fail(500, 'The process has no live state.'));
        const lent = await this.lendLive(live.state);
        try {
          answer(await this.runLent(pid, live.state, message, current, schedule, ctx));
        } finally {
          if (!(await lent.giveBack())) await this.drop(pid);
        }
      }).catch(reject);
    });
  }

  /** A dryrun of `message` after slot `current`, on the lent live state. */
  private async runLent(
    pid: string,
    state: Message,
    message: Message,
    current: number,
    schedule: ScheduleReader,
    ctx: Context,
  ): Promise<Result> {
    const last = await schedule.read(current);
    const req: Message = {
      path: 'compute',
      process: pid,
      slot: current + 1,
      epoch: '0',
      timestamp: Date.now(),
      'block-height': last?.['block-height'] ?? 0,
      body: message,
    };
    const result = await runAs('execution', omit(state, ['results']), req, execContext(ctx));
    if (result.status !== 'ok' || !isMessage(result.body)) return result;
    const results = result.body.results;
    return ok(isMessage(results) ? withLegacyView(results) : {});
  }

  private async computeTo(
    pid: string,
    process: Message,
    target: number,
    schedule: ScheduleReader,
    ctx: Context,
  ): Promise<Result> {
    try {
      return await this.computeLive(pid, process, target, schedule, ctx);
    } catch (e) {
      if (!(e instanceof LiveStateLostError) || this.sequential.has(pid)) throw e;
      // Work started ahead was not taken (a stack that skips slots): again, one slot at a time.
      this.sequential.add(pid);
      return this.computeLive(pid, process, target, schedule, ctx);
    }
  }

  private async computeLive(
    pid: string,
    process: Message,
    target: number,
    schedule: ScheduleReader,
    ctx: Context,
  ): Promise<Result> {
    let live = this.live.get(pid);
    if (!live || live.atSlot > target) {
      const loaded = await this.load(pid, process, target, ctx);
      if ('status' in loaded) return loaded;
      live = loaded;
    }
    this.touch(pid, live);
    void this.evictBeyond(ctx.config.process_live_limit, ctx);
    // A failed slot may leave the execution device's live state (a WASM
    // instance) half-changed: start again from the last snapshot next time.
    let failed = true;
    try {
      const result = await this.fold(pid, live, target, schedule, ctx);
      failed = result.status !== 'ok';
      if (!failed && this.ranAhead(pid)) {
        // The last slot did not take what was started for it: its results
        // stand, the live state is of no further use.
        this.sequential.add(pid);
        failed = true;
      }
      return result;
    } finally {
      if (failed) await this.drop(pid);
    }
  }

  /**
   * Apply assignments to the live state until it reaches `target`. Each slot
   * is given the requests of the slots after it (`Context.upcoming`, up to
   * `AHEAD` of them, never past a slot a snapshot follows), so the
   * execution device can run them while this slot's results are stored.
   */
  private async fold(
    pid: string,
    live: Live,
    target: number,
    schedule: ScheduleReader,
    ctx: Context,
  ): Promise<Result> {
    const requests = new Map<number, Message>();
    const requestAt = async (slot: number) => {
      let request = requests.get(slot);
      if (!request) {
        request = await this.request(schedule, slot);
        if (request) requests.set(slot, request);
      }
      return request;
    };
    let promised = live.atSlot; // the last slot handed to a slot before its own
    while (live.atSlot < target) {
      const next = live.atSlot + 1;
      const req = await requestAt(next);
      requests.delete(next);
      if (!req) {
        return fail(503, 'No assignment found for next slot.', { 'attempted-slot': next });
      }
      const upcoming: Message[] = [];
      const last = this.aheadLimit(pid, live, next, target, ctx);
      for (let slot = next + 1; slot <= last; slot++) {
        const r = await requestAt(slot);
        if (!r) break;
        upcoming.push(r);
      }
      promised = Math.max(promised, next + upcoming.length);
      const input = omit(live.state, ['results']);
      const result = await runAs('execution', input, req, { ...execContext(ctx), upcoming });
      if (result.status !== 'ok' || !isMessage(result.body)) {
        const body = isMessage(result.body) ? result.body : { body: result.body as Value };
        return error({ status: 500, ...body, phase: 'compute', 'attempted-slot': next });
      }
      live.state = { ...result.body, 'at-slot': next };
      live.atSlot = next;
      // Written in the background (HyperBEAM's process_async_cache): a slot not
      // yet written is found by computing it (from the live state, at that slot).
      const record = this.store.writeAt(slotPath(pid, next), this.slotRecord(live));
      this.inBackground(record, `slot state of ${pid}`, ctx);
      // A due snapshot waits until nothing was handed ahead of this slot.
      if (promised <= next && this.snapshotDue(live, ctx)) {
        // Taken now (the instance is at this slot); written in the background.
        this.inBackground((await this.snapshot(pid, live, ctx)).written, `snapshot of ${pid}`, ctx);
      }
    }
    return ok(live.state);
  }

  /** The last slot whose request slot `next` may be handed ahead of its turn. */
  private aheadLimit(pid: string, live: Live, next: number, target: number, ctx: Context): number {
    if (this.sequential.has(pid) || this.snapshotDue(live, ctx, next)) return next;
    // The first slot after which a snapshot is due by count (by time: it waits).
    const snapshotAfter = live.snapshotSlot + ctx.config.process_snapshot_slots;
    return Math.min(target, next + AHEAD, snapshotAfter);
  }

  /** The latest snapshot at or before `target`, restored; else a fresh `init`. */
  private async load(
    pid: string,
    process: Message,
    target: number,
    ctx: Context,
  ): Promise<Live | Result> {
    const slots = ((await this.store.list(`processes/${pid}/snapshots`)) ?? [])
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .filter((n) => n <= target)
      .sort((a, b) => b - a);
    for (const slot of slots) {
      const saved = await this.store.read(snapshotPath(pid, slot));
      if (!saved || !isMessage(saved.state)) continue;
      let state: Message = { ...saved.state, process };
      const snapshot = isMessage(saved.blobs)
        ? await internalized(
            isMessage(saved.snapshot) ? saved.snapshot : {},
            saved.blobs,
            this.store,
          )
        : saved.snapshot;
      if (snapshot === undefined) continue;
      if (isMessage(snapshot) && Object.keys(snapshot).length > 0) {
        const restored = await runAs(
          'execution',
          { ...state, snapshot },
          { path: 'normalize' },
          execContext(ctx),
        );
        if (restored.status === 'ok' && isMessage(restored.body))
          state = omit(restored.body, ['snapshot']);
        else if (!isNotFound(restored)) return restored;
      }
      return { state, atSlot: slot, snapshotSlot: slot, snapshotAt: Date.now() };
    }
    // The state starts as the process's keys; its signatures stay with `process`.
    const base: Message = { ...omit(process, ['commitments']), device: PROCESS_DEVICE, process };
    const init = await runAs('execution', base, { path: 'init' }, execContext(ctx));
    if (init.status !== 'ok' || !isMessage(init.body)) {
      return fail(500, `The execution device could not start the process: ${String(init.body)}`);
    }
    const state: Message = { ...init.body, initialized: 'true', 'at-slot': -1 };
    return { state, atSlot: -1, snapshotSlot: -1, snapshotAt: Date.now() };
  }

  /** Whether a snapshot is due once the live state is at `atSlot`. */
  private snapshotDue(live: Live, ctx: Context, atSlot = live.atSlot): boolean {
    const { process_snapshot_slots: everySlots, process_snapshot_interval: everyMs } = ctx.config;
    return atSlot - live.snapshotSlot >= everySlots || Date.now() - live.snapshotAt >= everyMs;
  }

  /** The execution device's request for a slot: its assignment, at `compute` unless it has a path. */
  private async request(schedule: ScheduleReader, slot: number): Promise<Message | undefined> {
    const assignment = await schedule.read(slot);
    if (!assignment) return undefined;
    return typeof assignment.path === 'string' ? assignment : { ...assignment, path: 'compute' };
  }

  /**
   * Take the state and the execution device's snapshot, to resume from
   * later; resolves once taken, with the promise of their being written.
   */
  private async snapshot(
    pid: string,
    live: Live,
    ctx: Context,
  ): Promise<{ written: Promise<void> }> {
    if (live.atSlot <= live.snapshotSlot) return { written: Promise.resolve() };
    const taken = await runAs(
      'execution',
      live.state,
      { path: 'snapshot', mode: 'Map' },
      execContext(ctx),
    );
    const snapshot =
      taken.status === 'ok' && isMessage(taken.body) ? omit(taken.body, ['device', 'priv']) : {};
    const slot = live.atSlot;
    const state = storable(live.state);
    live.snapshotSlot = slot;
    live.snapshotAt = Date.now();
    const written = (async () => {
      const { rest, blobs } = await externalized(snapshot, this.store);
      await this.store.writeAt(snapshotPath(pid, slot), {
        'at-slot': slot,
        state,
        snapshot: rest,
        blobs,
      });
    })();
    return { written };
  }

  private async drop(pid: string): Promise<void> {
    this.live.delete(pid);
    await this.release(pid);
  }

  /** Mark a process as recently used; evict (after a snapshot) beyond the limit. */
  private touch(pid: string, live: Live): void {
    this.live.delete(pid);
    this.live.set(pid, live);
  }

  /** Evict least recently used processes beyond `limit` processes or `maxBytes` of live memory. */
  async evictBeyond(
    limit: number,
    ctx: Context,
    maxBytes = ctx.config.process_live_memory,
  ): Promise<void> {
    const overMemory = () => {
      let total = 0;
      for (const pid of this.live.keys()) total += this.liveBytes(pid);
      return total > maxBytes && this.live.size > 1;
    };
    while (this.live.size > limit || overMemory()) {
      const [pid, live] = this.live.entries().next().value as [string, Live];
      this.live.delete(pid);
      await this.exclusive(pid, async () => {
        await (await this.snapshot(pid, live, ctx)).written;
        await this.release(pid);
      });
    }
  }

  /** Snapshot every live process (the node is stopping). */
  async stop(ctx: Context): Promise<void> {
    for (const [pid, live] of this.live) {
      await this.exclusive(pid, async () => (await this.snapshot(pid, live, ctx)).written);
    }
    await this.settled();
  }

  /**
   * A slot state's or snapshot's write, not waited for by the compute that
   * made it (as HyperBEAM's process_async_cache): it only saves computing
   * again (after a restart: from the snapshot before). A failure is printed.
   */
  private inBackground(written: Promise<void>, what: string, ctx: Context): void {
    const tracked = written
      .catch((e) => log(ctx.config, 'http_error', `${what}: ${(e as Error).message}`))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Once the states and snapshots being written in the background are written. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }
}

/** The device has no such key (a device without `normalize` restores nothing). */
function isNotFound(result: Result): boolean {
  const body = result.body;
  if (body instanceof Atom) return body.name === 'not_found';
  return isMessage(body) && body.status === 404;
}
