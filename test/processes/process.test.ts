/**
 * process@1.0 over HTTP: computing slot by slot with HyperBEAM's test device
 * and with a TypeScript device, resuming from a snapshot after a restart with
 * the same results, and one computation per process at a time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { nodeWallet, send, startTestNode } from '../support/node.ts';
import { counterDevice, processMessage, schedule, spawn } from '../support/processes.ts';

/** Schedule `count` messages, a few at a time. */
async function scheduleMany(node: RunningNode, pid: string, count: number, first = 1) {
  for (let i = first; i < first + count; i += 10) {
    const batch = Array.from({ length: Math.min(10, first + count - i) }, (_, j) =>
      schedule(node, pid, { action: 'Add', n: String(i + j) }),
    );
    for (const res of await Promise.all(batch)) assert.equal(res.status, 200, res.text);
  }
}

describe('process@1.0 with test-device@1.0', () => {
  let node: RunningNode;
  let pid: string;
  before(async () => {
    node = await startTestNode();
    pid = await spawn(node, processMessage(nodeWallet.address, 'test-device@1.0'));
    await scheduleMany(node, pid, 5);
  });
  after(() => node.stop());

  it('computes a slot: results/assignment-slot and already-seen, as HyperBEAM', async () => {
    const slot = await send(node, { path: `/${pid}/compute&slot=3/results/assignment-slot` });
    assert.equal(slot.status, 200, slot.text);
    assert.equal(slot.text, '3');
    const seen = await send(node, { path: `/${pid}/compute&slot=3/already-seen/1` });
    assert.equal(seen.text, '3');
    assert.equal(
      (await send(node, { path: `/${pid}/compute&slot=3/random-key` })).text,
      'random-value',
    );
  });

  it('serves `now` at the latest slot, and slot via query', async () => {
    assert.equal((await send(node, { path: `/${pid}/now/at-slot` })).text, '5');
    assert.equal(
      (await send(node, { path: `/${pid}/compute/results/assignment-slot?slot=4` })).text,
      '4',
    );
  });

  it('keeps up as the schedule grows', async () => {
    await scheduleMany(node, pid, 2, 6);
    assert.equal((await send(node, { path: `/${pid}/now/results/assignment-slot` })).text, '7');
  });
});

describe('process@1.0 with a TypeScript device', () => {
  const calls = { compute: 0 };
  let node: RunningNode;
  let pid: string;
  before(async () => {
    node = await startTestNode({ devices: createDeviceRegistry([counterDevice(calls)]) });
    pid = await spawn(node, processMessage(nodeWallet.address, 'counter@1.0'));
    await scheduleMany(node, pid, 10);
  });
  after(() => node.stop());

  it('folds the schedule through the device', async () => {
    const total = await send(node, { path: `/${pid}/compute&slot=10/results/total` });
    assert.equal(total.text, String((10 * 11) / 2));
  });

  it('computes each slot once, however many ask at once', async () => {
    await scheduleMany(node, pid, 10, 11);
    const before = calls.compute;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        send(node, { path: `/${pid}/compute&slot=20/results/total` }),
      ),
    );
    for (const a of answers) assert.equal(a.text, String((20 * 21) / 2));
    assert.equal(calls.compute - before, 10);
    // Earlier slots are kept, not recomputed.
    assert.equal((await send(node, { path: `/${pid}/compute&slot=12/results/total` })).text, '78');
    assert.equal(calls.compute - before, 10);
  });

  it('computes different processes side by side', async () => {
    const other = await spawn(node, processMessage(nodeWallet.address, 'counter@1.0'));
    await scheduleMany(node, other, 3);
    const [a, b] = await Promise.all([
      send(node, { path: `/${pid}/now/results/total` }),
      send(node, { path: `/${other}/now/results/total` }),
    ]);
    assert.equal(a.text, '210');
    assert.equal(b.text, '6');
  });

  it('results=N gives the results of a slot, by slot or by message ID', async () => {
    const res = await schedule(node, pid, { n: '1000' });
    const slot = Number(res.headers.slot);
    const byId = (
      await send(node, {
        path: `/${pid}/schedule?from=${slot}&to=${slot}`,
        headers: { accept: 'application/aos-2' },
      })
    ).text;
    const messageId = (JSON.parse(byId).edges[0].node.message as { Id: string }).Id;
    for (const which of [String(slot), messageId]) {
      const total = await send(node, {
        path: `/${pid}~process@1.0/compute/results=${which}/total`,
      });
      assert.equal(total.status, 200, total.text);
      assert.equal(Number(total.text), (slot * (slot + 1)) / 2 - slot + 1000);
    }
    const missing = await send(node, {
      path: `/${pid}~process@1.0/compute/results=${'z'.repeat(43)}`,
    });
    assert.equal(missing.status, 404);
  });

  it('as=execution/compute runs a dryrun: its results, nothing scheduled or kept', async () => {
    const slot = (await send(node, { path: `/${pid}/slot/current` })).text;
    const total = (await send(node, { path: `/${pid}/now/results/total` })).text;
    const dry = await send(node, {
      path: `/${pid}~process@1.0/as=execution/compute&n=5/total`,
    });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(Number(dry.text), Number(total) + 5);
    assert.equal((await send(node, { path: `/${pid}/slot/current` })).text, slot);
    assert.equal((await send(node, { path: `/${pid}/now/results/total` })).text, total);
  });

  it('answers a process without an execution device it can run with a 404 naming it', async () => {
    const orphan = await spawn(node, processMessage(nodeWallet.address, 'missing@1.0'));
    const res = await send(node, { path: `/${orphan}/now` });
    assert.equal(res.status, 404, res.text);
    assert.match(res.text, /missing@1\.0/);
  });
});

describe('restart: computing resumes from the snapshot with the same results', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-process-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('spawn, 100 messages, compute 100, restart, compute 101 = without a restart', async () => {
    const store = [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }];
    const calls = { compute: 0 };
    const devices = () => createDeviceRegistry([counterDevice(calls)]);
    const options = { config: { store, process_snapshot_slots: 1000 }, devices: devices() };
    const first = await startTestNode(options);
    const pid = await spawn(first, processMessage(nodeWallet.address, 'counter@1.0'));
    const steady = await spawn(first, processMessage(nodeWallet.address, 'counter@1.0'));
    await scheduleMany(first, pid, 100);
    await scheduleMany(first, steady, 100);
    assert.equal(
      (await send(first, { path: `/${pid}/compute&slot=100/results/total` })).text,
      '5050',
    );
    await first.stop(); // snapshots the live state at slot 100

    const second = await startTestNode({ ...options, devices: devices() });
    try {
      const cache = second.node.services.messages;
      assert.deepEqual(await cache.list(`processes/${pid}/snapshots`), ['100']);
      assert.equal((await schedule(second, pid, { action: 'Add', n: '101' })).headers.slot, '101');
      assert.equal(
        (await schedule(second, steady, { action: 'Add', n: '101' })).headers.slot,
        '101',
      );
      const before = calls.compute;
      const resumed = await send(second, { path: `/${pid}/compute&slot=101/results/total` });
      assert.equal(calls.compute - before, 1, 'only slot 101 was computed');
      // The same schedule computed from slot 0 in one run gives the same answer.
      const straight = await send(second, { path: `/${steady}/compute&slot=101/results/total` });
      assert.equal(resumed.text, '5151');
      assert.equal(straight.text, resumed.text);
    } finally {
      await second.stop();
    }
  });
});
