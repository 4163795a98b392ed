/**
 * AOS: Eval messages per second
 *  1. through the whole node (signed POST /<pid>/schedule, then GET
 *     /<pid>/compute&slot=N/results/data over HTTP, LMDB store, the wasm-64
 *     stack in a worker), and a backlog of N (500) scheduled Evals computed by
 *     one request, against raw WebAssembly `handle()` calls on the same module
 *     in this thread with the same JSON (the physical limit), measured just
 *     before and just after the backlog and averaged;
 *  2. genesis-wasm computing a legacy process (slots already scheduled)
 *     against @permaweb/ao-loader running the same module the way the legacy
 *     compute unit does (memory handed in and out on each call).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHttpsig } from '../src/codecs/httpsig/commit.ts';
import type { Message } from '../src/core/message.ts';
import { processIdOf } from '../src/processes/process-message.ts';
import { jsonIfaceCall } from '../src/wasm/aos.ts';
import { aosProcess, legacyProcess } from '../test/support/aos.ts';
import { clientWallet, nodeWallet, send } from '../test/support/node.ts';
import { sharedPath } from '../test/support/shared.ts';
import { signedRequest } from '../test/support/signing.ts';
import { report } from './harness.ts';
import { startLmdbNode } from './node.ts';

const N = Number(process.env.BENCH_AOS_MESSAGES ?? 500);
/** ao-loader copies the whole memory in and out per message (a few per second): a rate from fewer. */
const LOADER_N = Math.min(N, 30);
const EVAL = 'X = (X or 0) + 1; return X';
const fixture = (name: string) => new Uint8Array(readFileSync(sharedPath('fixtures', name)));

/**
 * Raw WebAssembly: the pure AOS module with HyperBEAM's stub imports,
 * handle() per message, given the same JSON the node gives it (built before
 * the clock starts): the message and the process as json-iface writes them.
 */
function rawAos(inputs: [string, string][]): { opsPerSec: number; name: string } {
  const module = new WebAssembly.Module(fixture('aos-2-pure-xs.wasm'));
  const imports: WebAssembly.Imports = {};
  for (const { module: mod, name } of WebAssembly.Module.imports(module)) {
    imports[mod] ??= {};
    (imports[mod] as WebAssembly.ModuleImports)[name] = () => (name === 'clock_time_get' ? 1 : 0);
  }
  const instance = new WebAssembly.Instance(module, imports);
  const exports = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    malloc(n: bigint): bigint;
    handle(m: bigint, e: bigint): bigint;
  };
  const write = (text: string) => {
    const bytes = Buffer.from(text);
    const ptr = exports.malloc(BigInt(bytes.length + 1));
    const memory = new Uint8Array(exports.memory.buffer);
    memory.set(bytes, Number(ptr));
    memory[Number(ptr) + bytes.length] = 0;
    return ptr;
  };
  const [boot, ...evals] = inputs;
  if (!boot) throw new Error('no messages to handle');
  exports.handle(write(boot[0]), write(boot[1])); // the process message boots AOS
  const start = performance.now();
  for (const [msg, env] of evals) {
    const out = exports.handle(write(msg), write(env));
    const memory = new Uint8Array(exports.memory.buffer);
    Buffer.from(memory.subarray(Number(out), memory.indexOf(0, Number(out)))).toString();
  }
  return {
    name: 'raw WebAssembly handle()',
    opsPerSec: evals.length / ((performance.now() - start) / 1000),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-aos-'));
try {
  const node = await startLmdbNode(join(dir, 'store'), nodeWallet);
  const store = node.node.services.messages;
  const image = await store.write({
    'content-type': 'application/wasm',
    body: fixture('aos-2-pure-xs.wasm'),
  });
  const legacy = await store.write({
    'content-type': 'application/wasm',
    body: fixture('aos-2.0.0-legacy-wasm64.wasm'),
  });

  // 1. The whole node over HTTP; requests are signed before the clock starts.
  const spawnReq = signedRequest(
    'POST',
    { ...aosProcess(nodeWallet.address, image), path: '/schedule' },
    clientWallet,
  );
  const pid = (await send(node, spawnReq)).headers.process as string;
  await send(node, { path: `/${pid}/compute&slot=0/results/data` });
  const requests = Array.from({ length: N }, () =>
    signedRequest(
      'POST',
      { type: 'Message', target: pid, action: 'Eval', data: EVAL, path: `/${pid}/schedule` },
      clientWallet,
    ),
  );
  const start = performance.now();
  let answer = '';
  for (const req of requests) {
    const slot = (await send(node, req)).headers.slot;
    answer = (await send(node, { path: `/${pid}/compute&slot=${slot}/results/data` })).text;
  }
  const full = { name: 'node', opsPerSec: N / ((performance.now() - start) / 1000) };
  if (answer !== String(N)) throw new Error(`unexpected result ${answer}`);

  const ctx = node.node.context();
  const runtime = ctx.services.processes;
  const schedules = ctx.services.schedules;

  /** Evals/s computing a process's backlog of N Evals, scheduled beforehand, by one request. */
  const backlogRate = async (process: Message, name: string, raw: boolean) => {
    const pid = processIdOf(process);
    await schedules.assign(pid, process, ctx);
    for (let i = 0; i < N; i++) {
      const msg = signHttpsig(
        { type: 'Message', target: pid, action: 'Eval', data: EVAL },
        clientWallet,
      );
      await schedules.assign(pid, msg, ctx);
    }
    await runtime.compute(process, 0, ctx);
    const inputs: [string, string][] = [];
    for (let slot = 0; slot <= N; slot++) {
      const assignment = await schedules.read(pid, slot);
      if (!assignment) throw new Error(`slot ${slot} is missing`);
      inputs.push(jsonIfaceCall(assignment, process));
    }
    // The raw baseline just before and just after (the machine's speed drifts).
    const before = raw ? rawAos(inputs) : undefined;
    const start = performance.now();
    const done = await runtime.compute(process, N, ctx);
    if (done.status !== 'ok') throw new Error(`${name} compute failed`);
    const rate = { name, opsPerSec: N / ((performance.now() - start) / 1000) };
    const after = raw ? rawAos(inputs) : undefined;
    const baseline =
      before && after
        ? { name: before.name, opsPerSec: (before.opsPerSec + after.opsPerSec) / 2 }
        : undefined;
    return { rate, baseline };
  };

  // 1b. A backlog on the wasm-64 stack.
  const backlog: Message = signHttpsig(aosProcess(nodeWallet.address, image), clientWallet);
  const wasm64 = await backlogRate(backlog, 'backlog', true);
  const raw = wasm64.baseline as { name: string; opsPerSec: number };
  report('AOS Eval, schedule + compute over HTTP', full, raw);
  report('AOS backlog compute (wasm-64, LMDB)', wasm64.rate, raw);

  // 2. genesis-wasm (compute only) against ao-loader.
  const process: Message = signHttpsig(legacyProcess(nodeWallet.address, legacy), clientWallet);
  const lpid = processIdOf(process);
  const genesis = (await backlogRate(process, 'genesis-wasm', false)).rate;
  await node.stop();

  // ao-loader's wasm64 glue grows memory by a Number, which Node 24 refuses
  // for an i64 memory (Node 22 took it): let it, so the baseline can run.
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number | bigint) {
    try {
      return grow.call(this, delta);
    } catch (error) {
      if (typeof delta !== 'number') throw error;
      return Number(grow.call(this, BigInt(Math.ceil(delta))));
    }
  };
  const aoLoader = createRequire(import.meta.url)('@permaweb/ao-loader') as (
    wasm: Uint8Array,
    options: { format: string },
  ) => Promise<
    (
      memory: unknown,
      msg: unknown,
      env: unknown,
    ) => Promise<{ Memory: unknown; Output: { data: unknown } }>
  >;
  const handle = await aoLoader(fixture('aos-2.0.0-legacy-wasm64.wasm'), {
    format: 'wasm64-unknown-emscripten-draft_2024_02_15',
  });
  const aoEnv = {
    Process: { Id: lpid, Owner: clientWallet.address, Tags: [] },
    Module: { Id: legacy, Owner: '', Tags: [] },
  };
  const aoMsg = (i: number, tags: { name: string; value: string }[], data: string) => ({
    Id: `m${i}`,
    Owner: clientWallet.address,
    From: clientWallet.address,
    Target: lpid,
    Tags: tags,
    Data: data,
    Module: legacy,
    'Block-Height': 0,
    Timestamp: 0,
  });
  let memory = (await handle(null, aoMsg(0, [{ name: 'Type', value: 'Process' }], '1984'), aoEnv))
    .Memory;
  const aStart = performance.now();
  for (let i = 1; i <= LOADER_N; i++) {
    const out = await handle(memory, aoMsg(i, [{ name: 'Action', value: 'Eval' }], EVAL), aoEnv);
    memory = out.Memory;
  }
  const loader = {
    name: 'ao-loader, CU style',
    opsPerSec: LOADER_N / ((performance.now() - aStart) / 1000),
  };
  report('genesis-wasm compute, legacy wasm64', genesis, loader);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
