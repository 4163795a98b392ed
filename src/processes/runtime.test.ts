/**
 * Unit tests for the process runtime: `init` once then `compute` per slot with
 * a small TypeScript execution device, per-slot stored states, snapshots
 * every N slots, resuming from a snapshot (via `normalize`) in a fresh
 * runtime, the device for each role, and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { LiveStateLostError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import { type Context, type MessageStore, withDirectives } from '../engine/context.ts';
import { defineDevice, error, ok } from '../engine/device.ts';
import { MemoryStore } from '../stores/memory.ts';
import { TieredMessageStore } from '../stores/tiered.ts';
import { processIdOf } from './process-message.ts';
import { deviceFor, PROCESS_DEVICE, ProcessRuntime, runAs } from './runtime.ts';
import { Schedules } from './schedule.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));

interface Calls {
  init: number;
  compute: number;
  snapshot: number;
  normalize: number;
}

/** Sums the `n` of its messages; snapshots and restores the total; fails on `fail`. */
function sumDevice(calls: Calls) {
  return defineDevice({
    name: 'sum@1.0',
    keys: {
      init: (base) => {
        calls.init++;
        return ok({ ...base, total: 0 });
      },
      compute: (base, req) => {
        calls.compute++;
        const body = isMessage(req.body) ? req.body : {};
        if (body.fail !== undefined) return error({ body: 'boom' });
        const total = Number(base.total ?? 0) + Number(body.n ?? 0);
        return ok({ ...base, total, results: { total, slot: req.slot ?? -1 } });
      },
      snapshot: (base) => {
        calls.snapshot++;
        return ok({ total: base.total ?? 0 });
      },
      normalize: (base) => {
        calls.normalize++;
        const snapshot = isMessage(base.snapshot) ? base.snapshot : {};
        return ok({ ...base, total: snapshot.total ?? 0, restored: 'yes' });
      },
    },
  });
}

/** Counts slots, with neither `snapshot` nor `normalize`. */
function plainDevice(calls: Calls) {
  return defineDevice({
    name: 'plain@1.0',
    keys: {
      init: (base) => {
        calls.init++;
        return ok({ ...base, count: 0 });
      },
      compute: (base) => {
        calls.compute++;
        return ok({ ...base, count: Number(base.count ?? 0) + 1 });
      },
    },
  });
}

/** Keeps its state in a large binary it never changes (as a WASM stack keeps its instance); only results change. */
function resultsOnlyDevice(calls: Calls) {
  return defineDevice({
    name: 'results-only@1.0',
    keys: {
      init: (base) => {
        calls.init++;
        return ok({ ...base, kept: { deep: 'value' } });
      },
      compute: (base, req) => {
        calls.compute++;
        return ok({ ...base, results: { slot: req.slot ?? -1 } });
      },
      snapshot: (base) => {
        calls.snapshot++;
        return ok({
          memory: { body: new Uint8Array(100_000).fill(Number(base['at-slot']) % 256) },
        });
      },
      normalize: (base) => {
        calls.normalize++;
        const snapshot = isMessage(base.snapshot) ? base.snapshot : {};
        const memory = isMessage(snapshot.memory) ? snapshot.memory : {};
        const body = memory.body as Uint8Array;
        return ok({ ...base, restored: String(body.length), fill: body[0] ?? -1 });
      },
    },
  });
}

/**
 * Records the slots each compute is handed ahead (`ctx.upcoming`); at
 * `lose.slot`, once, says its live state was lost (as a WASM instance that ran
 * ahead on a call that did not come).
 */
function aheadDevice(seen: number[][], lose: { slot?: number }) {
  return defineDevice({
    name: 'ahead@1.0',
    keys: {
      init: (base) => ok({ ...base, count: 0 }),
      compute: (base, req, ctx) => {
        if (req.slot === lose.slot) {
          lose.slot = undefined;
          throw new LiveStateLostError('ran ahead');
        }
        seen.push((ctx.upcoming ?? []).map((r) => Number(r.slot)));
        return ok({ ...base, count: Number(base.count) + 1 });
      },
    },
  });
}

const brokenDevice = defineDevice({
  name: 'broken@1.0',
  keys: { init: () => error('cannot start') },
});

interface Setup {
  ctx: Context;
  store: MessageStore;
  calls: Calls;
  process: Message;
  pid: string;
}

/** A signed process on `device`, its spawn at slot 0 and messages n = 1..`messages`. */
async function setup(
  messages: number,
  config: Message = {},
  device = 'sum@1.0',
  ahead: { seen: number[][]; lose: { slot?: number } } = { seen: [], lose: {} },
): Promise<Setup> {
  const calls: Calls = { init: 0, compute: 0, snapshot: 0, normalize: 0 };
  const store = new TieredMessageStore([new MemoryStore()]);
  const ctx = createContext({
    wallet,
    messages: store,
    devices: createDeviceRegistry([
      sumDevice(calls),
      plainDevice(calls),
      resultsOnlyDevice(calls),
      aheadDevice(ahead.seen, ahead.lose),
      brokenDevice,
    ]),
    config: { process_snapshot_slots: 1000, process_snapshot_interval: 1e12, ...config },
  });
  const process = signHttpsig(
    {
      device: PROCESS_DEVICE,
      type: 'Process',
      scheduler: wallet.address,
      'execution-device': device,
    },
    wallet,
  );
  const pid = processIdOf(process);
  const schedules = ctx.services.schedules;
  await schedules.assign(pid, process, ctx);
  for (let n = 1; n <= messages; n++) await schedules.assign(pid, { n: String(n) }, ctx);
  return { ctx, store, calls, process, pid };
}

/** A fresh runtime's compute, once the snapshots it took are written (as after a restart). */
async function computeAfresh(store: MessageStore, process: Message, slot: number, ctx: Context) {
  const runtime = new ProcessRuntime(store);
  const result = await runtime.compute(process, slot, ctx);
  await runtime.settled();
  return result;
}

/** The store, but its records at paths containing `part` are written only once released. */
function holdingWrites(store: MessageStore, part: string) {
  let release: (value?: unknown) => void = () => {};
  const held = new Promise((resolve) => {
    release = resolve;
  });
  const slow: MessageStore = Object.create(store);
  slow.writeAt = async (path, msg) => {
    if (path.includes(part)) await held;
    return store.writeAt(path, msg);
  };
  return { slow, release };
}

const bodyOf = (result: { body: unknown }) => result.body as Message;
/** 1 + 2 + ... + n. */
const sumTo = (n: number) => (n * (n + 1)) / 2;

describe('deviceFor', () => {
  it('is the <role>-device of the state, else of its process', () => {
    assert.equal(deviceFor({ 'execution-device': 'a@1.0' }, 'execution'), 'a@1.0');
    const process = { 'execution-device': 'p@1.0', 'push-device': 'q@1.0' };
    assert.equal(deviceFor({ process }, 'execution'), 'p@1.0');
    assert.equal(deviceFor({ process, 'execution-device': 's@1.0' }, 'execution'), 's@1.0');
    assert.equal(deviceFor({ process }, 'push'), 'q@1.0');
  });

  it("defaults to HyperBEAM's devices for each role", () => {
    assert.equal(deviceFor({}, 'execution'), 'genesis-wasm@1.0');
    assert.equal(deviceFor({ variant: 'ao.TN.1' }, 'execution'), 'genesis-wasm@1.0');
    assert.equal(deviceFor({}, 'scheduler'), 'scheduler@1.0');
    assert.equal(deviceFor({}, 'push'), 'push@1.0');
    assert.equal(deviceFor({}, 'patch'), 'patch@1.0');
  });

  it('ignores a device name that is not text', () => {
    assert.equal(deviceFor({ 'scheduler-device': 5 }, 'scheduler'), 'scheduler@1.0');
  });
});

describe('runAs', () => {
  it('runs the role device on the state and gives the process device back', async () => {
    const { ctx } = await setup(0);
    const state = { device: PROCESS_DEVICE, 'execution-device': 'sum@1.0', total: 9 };
    const result = await runAs('execution', state, { path: 'init' }, ctx);
    assert.equal(result.status, 'ok');
    assert.equal(bodyOf(result).device, PROCESS_DEVICE);
    assert.equal(bodyOf(result).total, 0);
    assert.equal(bodyOf(result)['input-prefix'], 'process');
  });

  it('passes the role output prefixes and a set input prefix on', async () => {
    const { ctx } = await setup(0);
    const state = {
      'execution-device': 'sum@1.0',
      'execution-output-prefixes': ['out'],
      'input-prefix': 'in',
    };
    const body = bodyOf(await runAs('execution', state, { path: 'init' }, ctx));
    assert.deepEqual(body['output-prefixes'], ['out']);
    assert.equal(body['input-prefix'], 'in');
    // Without a device of its own, the state comes back as process@1.0's.
    assert.equal(body.device, PROCESS_DEVICE);
  });
});

describe('ProcessRuntime.compute', () => {
  it('inits once, then computes each slot in order', async () => {
    const { ctx, calls, process } = await setup(4);
    const runtime = new ProcessRuntime(ctx.services.messages);
    const result = await runtime.compute(process, 3, ctx);
    assert.equal(result.status, 'ok');
    const state = bodyOf(result);
    assert.equal(state.total, sumTo(3));
    assert.equal(state['at-slot'], 3);
    assert.equal(state.initialized, 'true');
    assert.deepEqual(state.results, { total: sumTo(3), slot: 3 });
    assert.deepEqual(state.process, process);
    assert.deepEqual(calls, { init: 1, compute: 4, snapshot: 0, normalize: 0 });
  });

  it('continues a live state to a later slot', async () => {
    const { ctx, calls, process } = await setup(5);
    const runtime = new ProcessRuntime(ctx.services.messages);
    await runtime.compute(process, 2, ctx);
    const later = await runtime.compute(process, 5, ctx);
    assert.equal(bodyOf(later).total, sumTo(5));
    assert.deepEqual(calls, { init: 1, compute: 6, snapshot: 0, normalize: 0 });
  });

  it('keeps each slot at processes/<pid>/slots/<n>, without the process', async () => {
    const { ctx, store, process, pid } = await setup(2);
    await computeAfresh(store, process, 2, ctx);
    assert.deepEqual(await store.list?.(`processes/${pid}/slots`), ['0', '1', '2']);
    const stored = await store.read(`processes/${pid}/slots/1`);
    assert.equal(stored?.total, 1);
    assert.equal(stored?.['at-slot'], 1);
    assert.deepEqual(stored?.results, { total: 1, slot: 1 });
    assert.equal(stored?.process, undefined);
  });

  it('keeps a slot that changed only its results as them and the slot holding the rest', async () => {
    const { ctx, store, process, pid } = await setup(3, {}, 'results-only@1.0');
    const computed = await computeAfresh(store, process, 3, ctx);
    const full = await store.read(`processes/${pid}/slots/0`);
    const delta = await store.read(`processes/${pid}/slots/3`);
    assert.deepEqual(full?.kept, { deep: 'value' });
    assert.deepEqual(delta, { 'at-slot': 3, results: { slot: 3 }, 'state-base': 0 });
    const fresh = await computeAfresh(store, process, 3, ctx);
    assert.deepEqual(fresh, computed);
    assert.deepEqual(bodyOf(fresh).results, { slot: 3 });
    assert.deepEqual(bodyOf(fresh).kept, { deep: 'value' });
  });

  it('keeps large snapshot binaries as bytes of their own, and restores them', async () => {
    const { ctx, store, process, pid, calls } = await setup(
      3,
      {
        process_snapshot_slots: 2,
      },
      'results-only@1.0',
    );
    await computeAfresh(store, process, 2, ctx);
    assert.deepEqual(await store.list(`processes/${pid}/snapshots`), ['1']);
    const saved = await store.read(`processes/${pid}/snapshots/1`);
    const path = (saved?.blobs as Message | undefined)?.memory as Message | undefined;
    assert.match(String(path?.body), /^data\//);
    assert.equal(((await store.readValue(String(path?.body))) as Uint8Array).length, 100_000);
    const resumed = await computeAfresh(store, process, 3, ctx);
    assert.equal(calls.normalize, 1);
    assert.equal(bodyOf(resumed).restored, '100000');
    assert.equal(bodyOf(resumed).fill, 1);
  });

  it('answers without waiting for slot states to be written, and from the live state before', async () => {
    const { ctx, store, process, pid, calls } = await setup(3);
    const { slow, release } = holdingWrites(store, '/slots/');
    const runtime = new ProcessRuntime(slow);
    assert.equal(bodyOf(await runtime.compute(process, 3, ctx)).total, sumTo(3));
    assert.equal(await store.list?.(`processes/${pid}/slots`), undefined);
    // Asked again before it is written: the live state answers, nothing is computed again.
    const before = calls.compute;
    assert.equal(bodyOf(await runtime.compute(process, 3, ctx)).total, sumTo(3));
    assert.equal(calls.compute, before);
    const settled = runtime.settled();
    release();
    await settled;
    assert.deepEqual(await store.list?.(`processes/${pid}/slots`), ['0', '1', '2', '3']);
  });

  it('answers a computed slot from the store, in this runtime or a fresh one', async () => {
    const { ctx, store, calls, process } = await setup(3);
    const first = await computeAfresh(store, process, 3, ctx);
    const again = await computeAfresh(store, process, 1, ctx);
    assert.equal(again.status, 'ok');
    assert.equal(bodyOf(again).total, 1);
    assert.deepEqual(bodyOf(again).process, process);
    const runtime = new ProcessRuntime(store);
    assert.deepEqual(await runtime.compute(process, 3, ctx), first);
    assert.deepEqual(calls, { init: 1, compute: 4, snapshot: 0, normalize: 0 });
  });

  it('computes a slot once for concurrent callers', async () => {
    const { ctx, calls, process } = await setup(3);
    const runtime = new ProcessRuntime(ctx.services.messages);
    const [a, b] = await Promise.all([
      runtime.compute(process, 3, ctx),
      runtime.compute(process, 3, ctx),
    ]);
    assert.equal(bodyOf(a as { body: unknown }).total, sumTo(3));
    assert.equal(bodyOf(b as { body: unknown }).total, sumTo(3));
    assert.equal(calls.compute, 4);
  });

  it('uses only the keys the process signature covers', async () => {
    const { ctx, process } = await setup(1);
    const result = await new ProcessRuntime(ctx.services.messages).compute(
      { ...process, added: 'after signing' },
      1,
      ctx,
    );
    assert.equal(result.status, 'ok');
    assert.equal(bodyOf(result).added, undefined);
    assert.deepEqual(bodyOf(result).process, process);
  });
});

describe('snapshots', () => {
  it('are taken every process_snapshot_slots slots (init counting as slot -1)', async () => {
    const { ctx, store, calls, process, pid } = await setup(5, { process_snapshot_slots: 2 });
    await computeAfresh(store, process, 5, ctx);
    assert.deepEqual(await store.list?.(`processes/${pid}/snapshots`), ['1', '3', '5']);
    assert.equal(calls.snapshot, 3);
    const saved = await store.read(`processes/${pid}/snapshots/3`);
    assert.equal(saved?.['at-slot'], 3);
    assert.deepEqual(saved?.snapshot, { total: sumTo(3) });
    const state = saved?.state as Message;
    assert.equal(state.total, sumTo(3));
    assert.equal(state.process, undefined);
  });

  it('resume a fresh runtime from the latest snapshot via normalize', async () => {
    const { ctx, store, calls, process } = await setup(6, { process_snapshot_slots: 2 });
    await computeAfresh(store, process, 4, ctx);
    assert.deepEqual(calls, { init: 1, compute: 5, snapshot: 2, normalize: 0 });
    // A restarted node: slot 6 starts from the snapshot at slot 3.
    const result = await computeAfresh(store, process, 6, ctx);
    assert.equal(result.status, 'ok');
    assert.equal(bodyOf(result).total, sumTo(6));
    assert.equal(bodyOf(result).restored, 'yes');
    assert.equal(bodyOf(result)['at-slot'], 6);
    assert.deepEqual(calls, { init: 1, compute: 8, snapshot: 3, normalize: 1 });
  });

  it('resume from the saved state when the device cannot snapshot', async () => {
    const every2 = { process_snapshot_slots: 2 };
    const { ctx, store, calls, process } = await setup(4, every2, 'plain@1.0');
    await computeAfresh(store, process, 2, ctx);
    const result = await computeAfresh(store, process, 4, ctx);
    assert.equal(result.status, 'ok');
    assert.equal(bodyOf(result).count, 5);
    // No second init: slots 0..2, then 2..4 again from the state kept at slot 1.
    assert.deepEqual(calls, { init: 1, compute: 6, snapshot: 0, normalize: 0 });
  });

  it('are written without the compute that took them waiting', async () => {
    const { ctx, store, process, pid } = await setup(3, { process_snapshot_slots: 2 });
    const { slow, release } = holdingWrites(store, '/snapshots/');
    const runtime = new ProcessRuntime(slow);
    const result = await runtime.compute(process, 3, ctx);
    assert.equal(bodyOf(result).total, sumTo(3));
    assert.equal(await store.list(`processes/${pid}/snapshots`), undefined);
    const settled = runtime.settled();
    release();
    await settled;
    assert.deepEqual(await store.list(`processes/${pid}/snapshots`), ['1', '3']);
  });

  it('are taken of every live process when the runtime stops', async () => {
    const { ctx, store, calls, process, pid } = await setup(2);
    const runtime = new ProcessRuntime(store);
    await runtime.compute(process, 2, ctx);
    assert.equal(await store.list?.(`processes/${pid}/snapshots`), undefined);
    await runtime.stop(ctx);
    assert.deepEqual(await store.list?.(`processes/${pid}/snapshots`), ['2']);
    // Nothing new to keep: no second snapshot.
    await runtime.stop(ctx);
    assert.equal(calls.snapshot, 1);
  });

  it('are taken of a live state evicted beyond the limit, and resumed from', async () => {
    const { ctx, store, calls, process, pid } = await setup(3);
    const runtime = new ProcessRuntime(store);
    await runtime.compute(process, 1, ctx);
    await runtime.evictBeyond(0, ctx);
    assert.deepEqual(await store.list?.(`processes/${pid}/snapshots`), ['1']);
    const result = await runtime.compute(process, 3, ctx);
    assert.equal(bodyOf(result).total, sumTo(3));
    assert.deepEqual(calls, { init: 1, compute: 4, snapshot: 1, normalize: 1 });
  });
});

describe('ProcessRuntime.compute errors', () => {
  it('refuses a slot that is not a non-negative integer (400)', async () => {
    const { ctx, process } = await setup(1);
    const runtime = new ProcessRuntime(ctx.services.messages);
    for (const slot of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = await runtime.compute(process, slot, ctx);
      assert.equal(result.status, 'error');
      assert.equal(bodyOf(result).status, 400, String(slot));
    }
  });

  it('refuses a slot not yet scheduled (404)', async () => {
    const { ctx, calls, process, pid } = await setup(2);
    const result = await new ProcessRuntime(ctx.services.messages).compute(process, 3, ctx);
    assert.equal(result.status, 'error');
    assert.equal(bodyOf(result).status, 404);
    assert.match(String(bodyOf(result).body), new RegExp(`Slot 3 of ${pid}.*the last is 2`));
    assert.equal(calls.init, 0);
  });

  it('answers 503 when an assignment is missing from the schedule', async () => {
    const { ctx, process, pid } = await setup(0);
    // A store where slots 0 and 2 are linked but slot 1 is not.
    const store = new TieredMessageStore([new MemoryStore()]);
    const services = { ...ctx.services, messages: store, schedules: new Schedules(store) };
    const gappy = { ...ctx, services };
    const spawn = await ctx.services.messages.read(`assignments/${pid}/0`);
    await store.write(spawn!, [`assignments/${pid}/0`]);
    await store.write({ slot: 2, process: pid, body: { n: '2' } }, [`assignments/${pid}/2`]);
    const result = await computeAfresh(store, process, 2, gappy);
    assert.equal(result.status, 'error');
    assert.equal(bodyOf(result).status, 503);
    assert.equal(bodyOf(result)['attempted-slot'], 1);
  });

  it('answers 500 with the phase and slot when compute fails', async () => {
    const { ctx, process, pid } = await setup(1);
    await ctx.services.schedules.assign(pid, { fail: 'yes' }, ctx);
    const runtime = new ProcessRuntime(ctx.services.messages);
    const result = await runtime.compute(process, 2, ctx);
    assert.deepEqual(result, {
      status: 'error',
      body: { status: 500, body: 'boom', phase: 'compute', 'attempted-slot': 2 },
    });
    // The slots before it were computed and kept.
    assert.equal(bodyOf(await runtime.compute(process, 1, ctx)).total, 1);
  });

  it('answers 500 when the execution device cannot start the process', async () => {
    const { ctx, process } = await setup(0, {}, 'broken@1.0');
    const result = await new ProcessRuntime(ctx.services.messages).compute(process, 0, ctx);
    assert.equal(result.status, 'error');
    assert.equal(bodyOf(result).status, 500);
    assert.match(String(bodyOf(result).body), /could not start the process: cannot start/);
  });
});

describe('the processes service', () => {
  it("is one runtime per context's services", () => {
    const ctx = createContext({ wallet });
    assert.ok(ctx.services.processes instanceof ProcessRuntime);
    assert.equal(withDirectives(ctx, {}).services.processes, ctx.services.processes);
    assert.notEqual(createContext({ wallet }).services.processes, ctx.services.processes);
  });

  it("computes over the context's store and schedules", async () => {
    const { ctx, store, process, pid } = await setup(2);
    const result = await ctx.services.processes.compute(process, 2, ctx);
    assert.equal(bodyOf(result).total, sumTo(2));
    assert.deepEqual(await store.list(`processes/${pid}/slots`), ['0', '1', '2']);
  });

  it('releases what tracked resources hold for a process it lets go', async () => {
    const { ctx, process, pid } = await setup(1);
    const runtime = new ProcessRuntime(ctx.services.messages);
    const released: string[] = [];
    const resource = { release: (p: string) => void released.push(p), bytes: () => 0 };
    runtime.track(resource);
    runtime.track(resource);
    await runtime.compute(process, 1, ctx);
    await runtime.evictBeyond(0, ctx);
    assert.deepEqual(released, [pid]);
  });
});

describe('slots handed ahead', () => {
  it('hands each slot the next ones, never past a snapshot nor the target', async () => {
    const seen: number[][] = [];
    const { ctx, store, process } = await setup(10, { process_snapshot_slots: 4 }, 'ahead@1.0', {
      seen,
      lose: {},
    });
    const result = await computeAfresh(store, process, 10, ctx);
    assert.equal(bodyOf(result).count, 11);
    // Snapshots follow slots 3 and 7 (init counts as slot -1).
    assert.deepEqual(seen, [
      [1, 2, 3],
      [2, 3],
      [3],
      [],
      [5, 6, 7],
      [6, 7],
      [7],
      [],
      [9, 10],
      [10],
      [],
    ]);
  });

  it('computes one slot at a time once what was started ahead is lost', async () => {
    const seen: number[][] = [];
    const { ctx, store, process } = await setup(6, {}, 'ahead@1.0', { seen, lose: { slot: 3 } });
    const runtime = new ProcessRuntime(store);
    const result = await runtime.compute(process, 6, ctx);
    assert.equal(result.status, 'ok');
    assert.equal(bodyOf(result).count, 7);
    // Slots 0-2 ran with slots ahead; then all again from init, one at a time.
    assert.deepEqual(seen.slice(3), [[], [], [], [], [], [], []]);
    assert.deepEqual(seen[0], [1, 2, 3, 4, 5, 6]);
  });

  it('lets a live state go when its last slot did not take what was started for it', async () => {
    const seen: number[][] = [];
    const { ctx, store, process, pid } = await setup(4, {}, 'ahead@1.0', {
      seen,
      lose: {},
    });
    const runtime = new ProcessRuntime(store);
    const released: string[] = [];
    runtime.track({ release: (p) => void released.push(p), bytes: () => 0, ranAhead: () => true });
    assert.equal(bodyOf(await runtime.compute(process, 2, ctx)).count, 3);
    assert.deepEqual(released, [pid]);
    assert.equal(bodyOf(await runtime.compute(process, 4, ctx)).count, 5);
    assert.deepEqual(seen.slice(3), [[], [], [], [], []], 'again from init, one at a time');
  });
});
