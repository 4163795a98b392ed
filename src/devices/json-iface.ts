/**
 * `json-iface@1.0`: the AOS calling convention over `wasm-64@1.0`
 * (HyperBEAM's dev_json_iface), for a stack that runs it twice (`passes: 2`):
 *
 *   init       `function: handle`
 *   compute    pass 1: the assignment's message and the process as JSON
 *              strings become `parameters` (wasm-64 writes them into memory
 *              and calls `handle`), and in a process's fold the next slots'
 *              too (wasm-64 starts those calls early); pass 2: the JSON the
 *              module returned becomes `results` (`data`, `outbox` 1..n,
 *              `patches`, and the legacy result as `json` and `raw`)
 */

import { isMessage, type Message, omit, privateOf, type Value, valueAt } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, error, ok, type Result } from '../engine/device.ts';
import { aosResults, jsonIfaceCall, legacyResultKeys } from '../wasm/aos.ts';
import { outputPrefix } from './stack.ts';
import { NEXT_PARAMETERS } from './wasm-64.ts';

const prefixOf = (msg: Message) => outputPrefix(msg) || 'wasm';

/**
 * A copy of the state with this slot's call inputs (none: removed) and,
 * privately, the next slots' (none: removed).
 */
function withCallInputs(state: Message, parameters?: Value[], next?: Value[]): Message {
  const out: Message = { ...state };
  if (parameters === undefined) delete out.parameters;
  else out.parameters = parameters;
  const priv = privateOf(state);
  if (next !== undefined) out.priv = { ...priv, [NEXT_PARAMETERS]: next };
  else if (NEXT_PARAMETERS in priv) out.priv = omit(priv, [NEXT_PARAMETERS]);
  return out;
}

function failed(state: Message, body: string): Result {
  return error({ ...state, results: { body } });
}

async function results(state: Message, ctx: Context): Promise<Result> {
  const prefix = prefixOf(state);
  const type = valueAt(state, `results/${prefix}/type`);
  if (type === 'error') return failed(state, 'WASM execution error.');
  const output = valueAt(state, `results/${prefix}/output`);
  const ptr = Array.isArray(output) ? Number(output[0]) : Number.NaN;
  const worker = ctx.services.wasm.instanceOf(state, prefix);
  if (!worker || !Number.isFinite(ptr)) return failed(state, 'No WASM output to read.');
  const text = await worker.readString(ptr);
  const process = isMessage(state.process) ? state.process : {};
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return failed(state, 'JSON error parsing result output.');
  }
  if (
    typeof decoded !== 'object' ||
    decoded === null ||
    (decoded as { ok?: unknown }).ok !== true
  ) {
    const reason = (decoded as { error?: unknown })?.error;
    return failed(state, `The module failed: ${typeof reason === 'string' ? reason : text}`);
  }
  try {
    const response = (decoded as { response: never }).response;
    const results = { ...aosResults(response, process), ...legacyResultKeys(response) };
    // The call's inputs are spent: they are not part of the state kept per slot.
    const out = withCallInputs(state);
    out.results = results;
    return ok(out);
  } catch (e) {
    return failed(state, (e as Error).message);
  }
}

export const jsonIfaceDevice = defineDevice({
  name: 'json-iface@1.0',
  keys: {
    init: (base) => ok({ ...base, function: 'handle' }),
    compute: (base, req, ctx) => {
      const pass = Number(base.pass ?? 1);
      if (pass === 1) {
        const process = isMessage(base.process) ? base.process : {};
        const [msg, env] = jsonIfaceCall(req, process);
        // The next slots' calls, for wasm-64 to start as soon as this one returns.
        const next = ctx.upcoming?.map((r) => jsonIfaceCall(r, process));
        const state = withCallInputs(base, [msg, env], next?.length ? next : undefined);
        state.function = 'handle';
        return ok(state);
      }
      return results(base, ctx);
    },
  },
});
