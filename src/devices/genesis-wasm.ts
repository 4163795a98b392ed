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
 *   snapshot   `{body: <linear memory>}`; normalize restores it
 */

import { NotFoundError } from '../core/errors.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { defineDevice, error, ok, type Result } from '../engine/device.ts';
import { committersOf } from '../engine/ids.ts';
import { type JsonValue, messageToJsonStruct } from '../processes/json-struct.ts';
import { aosResults, legacyCall, legacyResult, legacyResultKeys } from '../wasm/aos.ts';
import { WasmLimitError } from '../wasm/host.ts';
import { instanceOf, limitsOf, normalizeInstance, startInstance } from '../wasm/live.ts';
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

const moduleInfos = new Map<string, ModuleInfo>();

/** The module's ID, owner and tags, as the legacy env's `Module` (read once per module). */
async function moduleInfo(ref: Value | undefined, opts: Opts): Promise<ModuleInfo> {
  if (typeof ref !== 'string') return { id: '', owner: '', tags: [] };
  const known = moduleInfos.get(ref);
  if (known) return known;
  const msg = await opts.store?.read(ref);
  if (!msg) throw new NotFoundError('module_not_found', `module ${ref} is not in the store`);
  const json = messageToJsonStruct(omit(msg, ['body', 'data']));
  const info = { id: ref, owner: committersOf(msg)[0] ?? '', tags: json.Tags as JsonValue[] };
  if (moduleInfos.size > 64) moduleInfos.clear();
  moduleInfos.set(ref, info);
  return info;
}

async function start(state: Message, opts: Opts): Promise<Message> {
  const compiled = await compiledOrRefused(moduleRef(state), opts);
  if (compiled.kind !== 'legacy') {
    throw new NotFoundError(
      'not_a_legacy_module',
      'genesis-wasm@1.0 runs legacy AOS modules; use the wasm-64@1.0 stack for this one',
      { status: 422 },
    );
  }
  return startedOrRefused(() => startInstance(state, PREFIX, compiled, limitsOf(opts), opts));
}

/**
 * The module's clock during a slot: ao-loader's deterministic clock starts at
 * 10000, and AOS seeds Lua's string hashing from it on its first message, so
 * starting there gives the legacy compute unit's exact results; one tick per
 * slot keeps it a function of the schedule alone.
 */
const clockAt = (assignment: Message): number => 10_000 + (Number(assignment.slot) || 0);

async function compute(state: Message, req: Message, opts: Opts): Promise<Result> {
  const worker = instanceOf(state, PREFIX);
  if (!worker) return notRunning(state, PREFIX, 'The process instance is not running.');
  const process = isMessage(state.process) ? state.process : {};
  const [msg, env] = legacyCall(req, process, await moduleInfo(moduleRef(state), opts));
  let text: string;
  try {
    text = await worker.legacyHandle(msg, env, clockAt(req));
  } catch (e) {
    if (e instanceof WasmLimitError) return error({ status: 500, body: e.message });
    throw e;
  }
  const parsed = JSON.parse(text) as { ok?: boolean; response?: JsonValue };
  if (parsed.ok !== true || typeof parsed.response !== 'object' || parsed.response === null) {
    return error({ status: 500, body: `The module failed: ${text}` });
  }
  const raw = legacyResult(parsed.response as { [key: string]: JsonValue });
  const results: Message = { ...aosResults(raw, process), ...legacyResultKeys(raw) };
  return move('patches', { ...state, results }, { 'patch-from': '/results/outbox' });
}

export const genesisWasmDevice = defineDevice({
  name: 'genesis-wasm@1.0',
  aliases: ['compute-lite@1.0', 'delegated-compute@1.0'],
  keys: {
    init: async (base, _req, opts) => ok(await start(base, opts)),
    compute: (base, req, opts) => compute(base, req, opts),
    snapshot: async (base) => {
      const worker = instanceOf(base, PREFIX);
      return ok(worker ? { body: await worker.snapshot() } : {});
    },
    normalize: async (base, _req, opts) =>
      ok(await normalizeInstance(base, PREFIX, (s) => start(s, opts))),
  },
});
