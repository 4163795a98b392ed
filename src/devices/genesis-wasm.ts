/**
 * `genesis-wasm@1.0` (also `compute-lite@1.0`, `delegated-compute@1.0`): runs
 * legacy AOS processes, whose `module` is an emscripten ao-loader build, in
 * this node. HyperBEAM hands each slot to a separate legacy compute unit over
 * HTTP; here the module runs in a live instance in a worker thread (src/wasm/),
 * given what that compute unit would give it (the message with its
 * assignment's fields, and `Process` and `Module` in the env).
 *
 *   init       start an instance of the process's `module`
 *   compute    run the assignment; `results` as HyperBEAM has them (`data`,
 *              `outbox`...), plus the legacy result itself as `results/json`
 *              ({content-type, body: JSON}) and `results/raw`; then messages
 *              in the outbox marked as patches are applied (patch@1.0)
 *   snapshot   `{body: <linear memory without its zero pages>, snapshot-format}`;
 *              normalize restores it (or a whole memory)
 */

import { committersOf } from '../codecs/commitments.ts';
import { NotFoundError } from '../core/errors.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { type JsonValue, messageToJsonStruct } from '../processes/json-struct.ts';
import { aosResults, legacyCall, legacyResult, legacyResultKeys } from '../wasm/aos.ts';
import { WasmLimitError } from '../wasm/host.ts';
import { SPARSE_FORMAT } from '../wasm/sparse-memory.ts';
import { move } from './patch.ts';
import { compiledOrRefused, notRunning, startedOrRefused } from './wasm-64.ts';

const PREFIX = 'genesis';

interface ModuleInfo {
  id: string;
  owner: string;
  tags: JsonValue[];
}

function moduleRef(state: Message): Value | undefined {
  const process = isMessage(state.process) ? state.process : state;
  return process.module ?? process.image;
}

/** The module's ID, owner and tags, as the legacy env's `Module` (read once per module). */
function moduleInfo(ref: Value | undefined, ctx: Context): Promise<ModuleInfo> {
  if (typeof ref !== 'string') return Promise.resolve({ id: '', owner: '', tags: [] });
  return ctx.services.wasm.moduleInfo(`genesis-wasm/${ref}`, async () => {
    const msg = await ctx.services.messages.read(ref);
    if (!msg) throw new NotFoundError('module_not_found', `module ${ref} is not in the store`);
    const json = messageToJsonStruct(omit(msg, ['body', 'data']));
    return { id: ref, owner: committersOf(msg)[0] ?? '', tags: json.Tags as JsonValue[] };
  });
}

async function start(state: Message, ctx: Context): Promise<Message> {
  const compiled = await compiledOrRefused(moduleRef(state), ctx);
  if (compiled.kind !== 'legacy') {
    throw new NotFoundError(
      'not_a_legacy_module',
      'genesis-wasm@1.0 runs legacy AOS modules; use the wasm-64@1.0 stack for this one',
      { status: 422 },
    );
  }
  return startedOrRefused(() => ctx.services.wasm.open(state, PREFIX, compiled, ctx));
}

/**
 * The module's clock during a slot: ao-loader's deterministic clock starts at
 * 10000, and AOS seeds Lua's string hashing from it on its first message, so
 * starting there gives the legacy compute unit's exact results; one tick per
 * slot keeps it a function of the schedule alone.
 */
const clockAt = (assignment: Message): number => 10_000 + (Number(assignment.slot) || 0);

async function compute(state: Message, req: Message, ctx: Context): Promise<Result> {
  const worker = ctx.services.wasm.instanceOf(state, PREFIX);
  if (!worker) return notRunning(state, PREFIX, 'The process instance is not running.');
  const process = isMessage(state.process) ? state.process : {};
  const [msg, env] = legacyCall(req, process, await moduleInfo(moduleRef(state), ctx));
  let text: string;
  try {
    text = await worker.legacyHandle(msg, env, clockAt(req));
  } catch (e) {
    if (e instanceof WasmLimitError) return fail(500, e.message);
    throw e;
  }
  const parsed = JSON.parse(text) as { ok?: boolean; response?: JsonValue };
  if (parsed.ok !== true || typeof parsed.response !== 'object' || parsed.response === null) {
    return fail(500, `The module failed: ${text}`);
  }
  const raw = legacyResult(parsed.response as { [key: string]: JsonValue });
  const results: Message = { ...aosResults(raw, process), ...legacyResultKeys(raw) };
  return move('patches', { ...state, results }, { 'patch-from': '/results/outbox' });
}

export const genesisWasmDevice = defineDevice({
  name: 'genesis-wasm@1.0',
  aliases: ['compute-lite@1.0', 'delegated-compute@1.0'],
  keys: {
    init: async (base, _req, ctx) => ok(await start(base, ctx)),
    compute: (base, req, ctx) => compute(base, req, ctx),
    snapshot: async (base, _req, ctx) => {
      const worker = ctx.services.wasm.instanceOf(base, PREFIX);
      return ok(worker ? { body: await worker.snapshot(), 'snapshot-format': SPARSE_FORMAT } : {});
    },
    normalize: async (base, _req, ctx) =>
      ok(await ctx.services.wasm.normalize(base, PREFIX, (s) => start(s, ctx))),
  },
});
