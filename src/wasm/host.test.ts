/**
 * A WASM worker's snapshots (taken sparse, restored sparse or whole, the
 * instance carrying on alike) and calls run ahead of their turn.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { compileModule, RanAheadError, WasmWorker } from './host.ts';
import { restoreSparse } from './sparse-memory.ts';

const OWNER = 'owner-0000000000000000000000000000000000000';
const env = JSON.stringify({ Process: { Id: 'process-1', Owner: OWNER, Tags: [] } });
const evalMessage = (n: number, data: string) =>
  JSON.stringify({
    Id: `m${n}`,
    Owner: OWNER,
    From: OWNER,
    Target: 'process-1',
    Tags: [{ name: 'Action', value: 'Eval' }],
    Data: data,
    Module: 'module-1',
    'Block-Height': 0,
  });

const compiled = await compileModule(
  new Uint8Array(readFileSync(sharedPath('fixtures', 'aos-2-pure-xs.wasm'))),
);
const workers: WasmWorker[] = [];
after(() => Promise.all(workers.map((w) => w.close())));
/** A new AOS instance, closed when the tests end. */
const open = async (timeLimit = 60_000) => {
  const worker = await WasmWorker.open(compiled, { timeLimit, memoryLimit: 2 ** 30 });
  workers.push(worker);
  return worker;
};

describe('WASM worker snapshots', () => {
  const handle = async (worker: WasmWorker, n: number, data: string) => {
    const { results } = await worker.call('handle', [evalMessage(n, data), env]);
    return worker.readString(results[0] as number);
  };

  it('a fresh instance given the snapshot answers as the original does', async () => {
    const original = await open();
    await handle(original, 0, 'X = 41');
    const snapshot = await original.snapshot();
    const expected = await handle(original, 1, 'X = X + 1; return X');
    assert.match(expected, /42/);

    const sparse = await open();
    await sparse.restore(snapshot, true);
    assert.equal(await handle(sparse, 1, 'X = X + 1; return X'), expected);

    // The whole memory, as HyperBEAM and earlier builds keep it.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    restoreSparse(memory, snapshot);
    const whole = await open();
    await whole.restore(new Uint8Array(memory.buffer).slice(), false);
    assert.equal(await handle(whole, 1, 'X = X + 1; return X'), expected);
  });
});

describe('WASM worker calls run ahead', () => {
  const evals = [0, 1, 2, 3].map((n) => ({
    name: 'handle',
    params: [evalMessage(n, n === 0 ? 'X = 0' : 'X = X + 1; return X'), env],
  }));
  const answer = async (worker: WasmWorker, i: number, next: typeof evals = []) => {
    const call = evals[i] as (typeof evals)[number];
    const { results } = await worker.call(call.name, call.params, next);
    return worker.readString(results[0] as number);
  };

  it('answers as calls made one at a time, each read after the next ones started', async () => {
    const one = await open();
    const ahead = await open();
    const expected: string[] = [];
    for (let i = 0; i < evals.length; i++) expected.push(await answer(one, i));
    const got = [await answer(ahead, 0, evals.slice(1))];
    assert.ok(ahead.ranAhead);
    for (let i = 1; i < evals.length; i++) got.push(await answer(ahead, i, evals.slice(i + 1)));
    assert.deepEqual(got, expected);
    assert.match(got[3] as string, /3/);
    assert.equal(ahead.ranAhead, false);
  });

  it('charges a call run ahead only for its own time, not the wait behind others', async () => {
    const busy = (n: number) => ({
      name: 'handle',
      params: [evalMessage(n, 'local x = 0; for i = 1, 3000000 do x = x + i end; return x'), env],
    });
    const timed = await open();
    await answer(timed, 0);
    const began = performance.now();
    await timed.call('handle', busy(1).params);
    // A limit of several calls' time, well under the time of the calls queued ahead.
    const limit = Math.max(500, 10 * (performance.now() - began));
    const worker = await open(limit);
    await answer(worker, 0);
    const calls = Array.from({ length: 30 }, (_, i) => busy(i + 2));
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as (typeof calls)[number];
      await worker.call(call.name, call.params, calls.slice(i + 1));
    }
    assert.equal(worker.alive, true);
  });

  it('stops an instance asked for something else than the call it ran ahead', async () => {
    const worker = await open();
    await answer(worker, 0, evals.slice(1, 2));
    await assert.rejects(answer(worker, 2), RanAheadError);
    assert.equal(worker.alive, false);

    const snapshotted = await open();
    await answer(snapshotted, 0, evals.slice(1, 2));
    await assert.rejects(snapshotted.snapshot(), RanAheadError);
  });
});
