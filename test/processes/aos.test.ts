/**
 * AOS over HTTP on both execution paths: HyperBEAM's WASM stack
 * (wasi, json-iface, wasm-64, multipass) running aos-2-pure-xs.wasm, and
 * genesis-wasm running the legacy emscripten builds. Eval, a handler answering
 * Ping with Pong, Lua errors, 200 messages, a restart that resumes from the
 * snapshot with identical results; modules that trap or never return.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMessage, type Message } from '../../src/core/message.ts';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { defineDevice, ok, withStatus } from '../../src/engine/device.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { aosProcess, importModule, legacyProcess, resultAt, sendAos } from '../support/aos.ts';
import { nodeWallet, quickWallet, send, startTestNode } from '../support/node.ts';
import { processMessage, spawn } from '../support/processes.ts';

const PING_HANDLER =
  'Handlers.add("Ping", Handlers.utils.hasMatchingTag("Action","Ping"), ' +
  'function(m) print("got ping"); m.reply({ Data = "Pong" }) end); return 1 + 1';

interface Flavour {
  name: string;
  module: string;
  process: (scheduler: string, module: string) => Message;
}

const flavours: Flavour[] = [
  { name: 'wasm-64 stack, aos-2-pure-xs', module: 'aos-2-pure-xs.wasm', process: aosProcess },
  {
    name: 'genesis-wasm, legacy wasm64',
    module: 'aos-2.0.0-legacy-wasm64.wasm',
    process: legacyProcess,
  },
  {
    name: 'genesis-wasm, legacy wasm32',
    module: 'aos-2.0.0-legacy-wasm32.wasm',
    process: legacyProcess,
  },
];

// Quick keys: these tests sign a few hundred messages.
const operator = quickWallet();
const client = quickWallet();

for (const flavour of flavours) {
  describe(`AOS: ${flavour.name}`, () => {
    let dir: string;
    let node: RunningNode;
    let module: string;
    const options = () => ({
      config: {
        store: [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }],
        process_snapshot_slots: 1000,
      },
      wallet: operator,
    });
    const spawnAos = () => spawn(node, flavour.process(operator.address, module), client);
    const message = (pid: string, msg: Message) => sendAos(node, pid, msg, client);
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hb-aos-'));
      node = await startTestNode(options());
      module = await importModule(node, flavour.module);
    });
    after(async () => {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('evaluates, answers Ping with Pong, and reports Lua errors', async () => {
      const pid = await spawnAos();
      const evalSlot = await message(pid, { action: 'Eval', data: PING_HANDLER });
      assert.deepEqual(await resultAt(node, pid, evalSlot, 'data'), { status: 200, text: '2' });

      const ping = await message(pid, { action: 'Ping' });
      assert.equal((await resultAt(node, pid, ping, 'data')).text, 'got ping');
      const pong = await send(node, {
        path: `/${pid}/compute&slot=${ping}/results/outbox/1`,
        headers: { accept: 'application/json' },
      });
      const reply = JSON.parse(pong.text) as Message;
      assert.equal(reply.data, 'Pong');
      assert.equal(reply.target, client.address);
      assert.equal(reply['from-process'], pid);

      const boom = await message(pid, { action: 'Eval', data: 'error("boom")' });
      assert.match((await resultAt(node, pid, boom, 'data')).text, /boom/);
      // The process carries on after an error.
      const after = await message(pid, { action: 'Eval', data: 'return 20 + 22' });
      assert.equal((await resultAt(node, pid, after, 'data')).text, '42');
    });

    it('computes 200 messages, restarts, and continues from the snapshot identically', async () => {
      const pid = await spawnAos();
      const steady = await spawnAos();
      const count = 'X = (X or 0) + 1; return X';
      let last = 0;
      for (let i = 0; i < 200; i += 20) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, async () => {
            await message(steady, { action: 'Eval', data: count });
            return message(pid, { action: 'Eval', data: count });
          }),
        );
        last = Math.max(last, ...batch);
      }
      assert.equal(last, 200);
      assert.equal((await resultAt(node, pid, 200, 'data')).text, '200');
      await node.stop(); // snapshots the live instance at slot 200

      node = await startTestNode(options());
      const next = await message(pid, { action: 'Eval', data: count });
      await message(steady, { action: 'Eval', data: count });
      assert.equal(next, 201);
      const resumed = await resultAt(node, pid, 201, 'data');
      const straight = await resultAt(node, steady, 201, 'data');
      assert.deepEqual(resumed, { status: 200, text: '201' });
      assert.deepEqual(straight, resumed);
    });
  });
}

/** A module exporting `memory`, `trap` (unreachable) and `spin` (loops forever). */
const BAD_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03,
  0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x18, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f,
  0x72, 0x79, 0x02, 0x00, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x00, 0x04, 0x73, 0x70, 0x69, 0x6e,
  0x00, 0x01, 0x0a, 0x0d, 0x02, 0x03, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b,
  0x0b,
]);

describe('WASM modules that trap or never return', () => {
  let node: RunningNode;
  let image: string;
  before(async () => {
    node = await startTestNode({ config: { wasm_time_limit: 1000 } });
    image = await node.node.services.messages.write({
      'content-type': 'application/wasm',
      body: BAD_MODULE,
    });
  });
  after(() => node.stop());

  it('is a valid module', () => {
    assert.ok(WebAssembly.validate(BAD_MODULE));
  });

  it('reports a trap as the slot’s error result', async () => {
    const pid = await spawn(
      node,
      processMessage(nodeWallet.address, 'wasm-64@1.0', { image, function: 'trap' }),
    );
    await sendAos(node, pid, { action: 'Go' });
    assert.equal((await resultAt(node, pid, 1, 'wasm/type')).text, 'error');
    assert.match((await resultAt(node, pid, 1, 'wasm/output')).text, /unreachable/);
  });

  it('stops a module that runs past its time limit, and keeps serving', async () => {
    const pid = await spawn(
      node,
      processMessage(nodeWallet.address, 'wasm-64@1.0', { image, function: 'spin' }),
    );
    await sendAos(node, pid, { action: 'Go' });
    const res = await send(node, { path: `/${pid}/compute&slot=1` });
    assert.equal(res.status, 500);
    assert.match(res.text, /time limit/);
    assert.equal((await send(node, { path: '/~meta@1.0/info/address' })).text, nodeWallet.address);
  });
});

/** Skips (ends the stack's pass for) a message with a `skip` key, before json-iface. */
const skipDevice = defineDevice({
  name: 'skip-marked@1.0',
  handler: (_key, base, req) => {
    const body = isMessage(req.body) ? req.body : req;
    return Number(base.pass ?? 1) === 1 && body.skip !== undefined
      ? withStatus('skip', base)
      : ok(base);
  },
});

describe('AOS: slots run ahead by the WASM instance', () => {
  let dir: string;
  let node: RunningNode;
  let module: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hb-aos-ahead-'));
    node = await startTestNode({
      config: { store: [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }] },
      devices: createDeviceRegistry([skipDevice]),
    });
    module = await importModule(node, 'aos-2-pure-xs.wasm');
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes a backlog as slot by slot, also when the stack skips a slot', async () => {
    const stack = ['WASI@1.0', 'skip-marked@1.0', 'JSON-Iface@1.0', 'WASM-64@1.0', 'Multipass@1.0'];
    const spawnAos = () =>
      spawn(node, aosProcess(nodeWallet.address, module, { 'device-stack': stack }));
    const messages: Message[] = [
      { action: 'Eval', data: 'X = 0; return X' },
      ...[1, 2, 3].map(() => ({ action: 'Eval', data: 'X = X + 1; return X' })),
      { action: 'Eval', data: 'X = 100; return X', skip: 'yes' },
      ...[4, 5].map(() => ({ action: 'Eval', data: 'X = X + 1; return X' })),
    ];
    const outputs = async (pid: string, slots: number[]) =>
      Promise.all(slots.map(async (slot) => (await resultAt(node, pid, slot, 'data')).text));

    // One slot at a time: each computed as soon as it is scheduled.
    const stepwise = await spawnAos();
    const expected: string[] = [];
    for (const msg of messages) {
      const slot = await sendAos(node, stepwise, msg);
      expected.push((await resultAt(node, stepwise, slot, 'data')).text);
    }
    assert.equal(expected.at(-1), '5');

    // The whole backlog by one request: the instance runs slots ahead, and
    // the skipped one makes it start again, one slot at a time.
    const backlog = await spawnAos();
    const slots: number[] = [];
    for (const msg of messages) slots.push(await sendAos(node, backlog, msg));
    assert.equal((await resultAt(node, backlog, slots.at(-1) as number, 'data')).text, '5');
    assert.deepEqual(await outputs(backlog, slots), expected);

    // Without a skip, straight through.
    const plain = await spawnAos();
    const plainSlots: number[] = [];
    for (const msg of messages.slice(0, 4)) plainSlots.push(await sendAos(node, plain, msg));
    assert.equal((await resultAt(node, plain, plainSlots.at(-1) as number, 'data')).text, '3');
    assert.deepEqual(await outputs(plain, plainSlots), expected.slice(0, 4));
  });
});
