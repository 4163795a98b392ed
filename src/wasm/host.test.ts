/** A WASM worker's snapshots: taken sparse, restored sparse or whole, the instance carrying on alike. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { compileModule, WasmWorker } from './host.ts';
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

describe('WASM worker snapshots', async () => {
  const compiled = await compileModule(
    new Uint8Array(readFileSync(sharedPath('fixtures', 'aos-2-pure-xs.wasm'))),
  );
  const open = () => WasmWorker.open(compiled, { timeLimit: 60_000, memoryLimit: 2 ** 30 });
  const workers: WasmWorker[] = [];
  after(() => Promise.all(workers.map((w) => w.close())));
  const handle = async (worker: WasmWorker, n: number, data: string) => {
    const { results } = await worker.call('handle', [evalMessage(n, data), env]);
    return worker.readString(results[0] as number);
  };

  it('a fresh instance given the snapshot answers as the original does', async () => {
    const original = await open();
    workers.push(original);
    await handle(original, 0, 'X = 41');
    const snapshot = await original.snapshot();
    const expected = await handle(original, 1, 'X = X + 1; return X');
    assert.match(expected, /42/);

    const sparse = await open();
    workers.push(sparse);
    await sparse.restore(snapshot, true);
    assert.equal(await handle(sparse, 1, 'X = X + 1; return X'), expected);

    // The whole memory, as HyperBEAM and earlier builds keep it.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    restoreSparse(memory, snapshot);
    const whole = await open();
    workers.push(whole);
    await whole.restore(new Uint8Array(memory.buffer).slice(), false);
    assert.equal(await handle(whole, 1, 'X = X + 1; return X'), expected);
  });
});
