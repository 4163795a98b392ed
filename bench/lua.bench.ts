/**
 * hyper-aos on lua@5.3a: N `Ping` messages (a handler that prints and
 * replies), scheduled, then the last slot computed through the node (LMDB
 * store, each slot's state kept), against the raw Lua VM calling hyper-aos's
 * `compute` with the same messages in this thread, same run. Both are
 * measured warm (another process computed first, untimed), as on a node
 * that has been running; the measured process's own first snapshot counts. HyperBEAM runs
 * these at about 80 messages/s (lua.md §7.2); the target is 15 times that.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHttpsig } from '../src/codecs/httpsig/commit.ts';
import type { Message } from '../src/core/message.ts';
import { LuaVM } from '../src/lua/vm.ts';
import { processIdOf } from '../src/processes/process-message.ts';
import { clientWallet, nodeWallet } from '../test/support/node.ts';
import { processMessage } from '../test/support/processes.ts';
import { sharedPath } from '../test/support/shared.ts';
import { report } from './harness.ts';
import { startLmdbNode } from './node.ts';

const N = Number(process.env.BENCH_LUA_MESSAGES ?? 300);
const WARM_UP = 100;
const HANDLER =
  'Handlers.add("ping", "Ping", function(msg) print("got " .. msg.body.data); msg.reply({Data = "pong"}) end)';
const source = new Uint8Array(readFileSync(sharedPath('fixtures', 'lua', 'hyper-aos.lua')));
const module = { 'content-type': 'application/lua', body: source };

const signed = (pid: string, fields: Message) =>
  signHttpsig(
    { type: 'Message', target: pid, 'data-protocol': 'ao', variant: 'ao.N.1', ...fields },
    clientWallet,
  );

/** The raw VM: hyper-aos's compute on the same state shapes, no node around it. */
async function raw(process: Message, assignments: Message[]) {
  const vm = await LuaVM.create({ instructions: 1e9, memory: 2 ** 28 });
  const host = async () => [];
  await vm.load(source, 'hyper-aos', host);
  vm.sandbox(false);
  vm.installAo();
  let state: Message = { ...process, process };
  const run = async (assignment: Message) => {
    const [next] = await vm.call('compute', [state, assignment, {}], host);
    state = { ...(next as Message) };
    delete state.results;
  };
  await run(assignments[0] as Message); // the handler
  const start = performance.now();
  for (const assignment of assignments.slice(1)) await run(assignment);
  vm.close();
  return { name: 'raw Lua VM compute()', opsPerSec: N / ((performance.now() - start) / 1000) };
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-lua-'));
try {
  const node = await startLmdbNode(join(dir, 'store'), nodeWallet);
  const ctx = node.node.context();
  const { schedules, processes, messages } = ctx.services;
  const id = await messages.write(module);
  /** A new hyper-aos process with the handler and `count` Pings scheduled. */
  const scheduled = async (count: number, nonce: string) => {
    const process = signHttpsig(
      processMessage(nodeWallet.address, 'lua@5.3a', {
        module: id,
        authority: nodeWallet.address,
        nonce,
      }),
      clientWallet,
    );
    const pid = processIdOf(process);
    await messages.write(process);
    await schedules.assign(pid, process, ctx);
    const assignments = [
      await schedules.assign(pid, signed(pid, { action: 'Eval', data: HANDLER }), ctx),
    ];
    for (let i = 0; i < count; i++) {
      assignments.push(
        await schedules.assign(pid, signed(pid, { action: 'Ping', data: `hi ${i}` }), ctx),
      );
    }
    return { process, assignments };
  };
  // As a running node is: the Lua VM's WebAssembly and the compute path compiled.
  const warm = await scheduled(WARM_UP, 'warm-up');
  await processes.compute(warm.process, WARM_UP + 1, ctx);
  const { process, assignments } = await scheduled(N, 'measured');
  const ready = await processes.compute(process, 1, ctx); // spawned, handler added
  if (ready.status !== 'ok')
    throw new Error(`the process did not start: ${JSON.stringify(ready.body)}`);
  const start = performance.now();
  const done = await processes.compute(process, N + 1, ctx);
  const elapsed = performance.now() - start;
  if (done.status !== 'ok') throw new Error(`compute failed: ${JSON.stringify(done.body)}`);
  const ours = { name: 'node', opsPerSec: N / (elapsed / 1000) };
  const baseline = await raw(process, assignments);
  report(`hyper-aos Ping compute (N=${N}, LMDB)`, ours, baseline);
  console.log(
    `  ${Math.round(ours.opsPerSec)} messages/s is ${(ours.opsPerSec / 80).toFixed(1)}x HyperBEAM's 80/s (target 15x)`,
  );
  await node.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
