/**
 * `wasm-64@1.0` (also `wasm64@1.0`): runs a WebAssembly module (memory64 or
 * not) as HyperBEAM's dev_wasm does, in a live instance per process kept in a
 * worker thread (src/wasm/).
 *
 *   init       start an instance of `<input-prefix>/image` (an ID in the
 *              store, an inline message, or bytes; else the state's `body`)
 *   compute    call `function` with `parameters` (set by json-iface; strings
 *              are written into memory first), on the first pass only; sets
 *              `results/<prefix>/type` (ok|error) and `.../output`; with
 *              `priv/next-parameters`, the instance starts the next slots'
 *              calls as soon as this one returns
 *   snapshot   `{body: <linear memory without its zero pages>, snapshot-format}`
 *   normalize  restore memory from `snapshot[/<device-key>]/body` (that
 *              layout, or the whole memory as HyperBEAM keeps it)
 *   terminate  stop the instance
 *
 * Imports of modules mounted at `<prefix>/stdlib/<module>` are resolved
 * through that device (key = the import's name, with the state at `state`).
 * Unlike HyperBEAM, a scheduled message cannot choose the function or its
 * parameters: only the process state can (HyperBEAM's quirk lets any message
 * call any export).
 */

import { HbError, LiveStateLostError, NotFoundError } from '../core/errors.ts';
import {
  isMessage,
  type Message,
  privateOf,
  type Value,
  valueAt,
  withValueAt,
} from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { type CallParams, WasmLimitError } from '../wasm/host.ts';
import { instanceKey } from '../wasm/live.ts';
import { SPARSE_FORMAT } from '../wasm/sparse-memory.ts';
import { inputPrefix, outputPrefix } from './stack.ts';

const WASI = 'wasi_snapshot_preview1';

/** A module compiled from an image the request names; one that is not WebAssembly is a 422. */
export async function compiledOrRefused(image: Value | undefined, ctx: Context) {
  try {
    return await ctx.services.wasm.compileImage(image, ctx);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) {
      throw new HbError('invalid_module', `The image is not a WebAssembly module: ${e.message}`, {
        status: 422,
      });
    }
    throw e;
  }
}

/**
 * Start an instance of a module the request names: one that cannot be
 * instantiated (no memory, imports it does not get, a trap at start) is the
 * module's fault, a 422; limits and the node's own errors pass through.
 */
export async function startedOrRefused<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    if (e instanceof HbError || e instanceof WasmLimitError || !(e instanceof Error)) throw e;
    if (/the WASM (worker exited|instance was closed)/.test(e.message)) throw e;
    throw new HbError('module_not_started', `The module could not be started: ${e.message}`, {
      status: 422,
      cause: e,
    });
  }
}

/**
 * `compute` without a live instance: a message that never started one (it
 * was not `init`ed, as a process does) is the request's mistake (422); an
 * instance that is gone is the node's (500).
 */
export function notRunning(state: Message, prefix: string, text: string): Result {
  const named = typeof valueAt(privateOf(state), `instances/${prefix}`) === 'string';
  return named
    ? fail(500, text)
    : fail(422, `${text} Run \`init\` first: \`compute\` runs in a process.`);
}

/** Where this device writes: the stack's output prefix (`wasm` for AOS). */
const prefixOf = (msg: Message) => outputPrefix(msg) || 'wasm';

function imageOf(state: Message): Value | undefined {
  const inPrefix = inputPrefix(state);
  const image = inPrefix ? valueAt(state, `${inPrefix}/image`) : state.image;
  return image ?? state.image ?? state.body;
}

/** Start (or restart) the instance for this state; returns the state naming it. */
async function start(state: Message, ctx: Context): Promise<Message> {
  const prefix = prefixOf(state);
  const compiled = await compiledOrRefused(imageOf(state), ctx);
  const libs = valueAt(state, `${prefix}/stdlib`);
  const bridged = isMessage(libs) ? Object.keys(libs).filter((m) => m !== WASI) : [];
  let current = state;
  return startedOrRefused(() =>
    ctx.services.wasm.open(state, prefix, compiled, ctx, {
      bridged,
      // An import resolves through the mounted device, with the state at `state`.
      onImport: async (module, func, args, sig) => {
        const lib = valueAt(current, `${prefix}/stdlib/${module}`);
        if (!isMessage(lib)) throw new NotFoundError('no_import', `no library for ${module}`);
        const result = await resolve(
          { ...lib, state: current },
          { path: func, module, func, args, 'func-sig': sig },
          ctx,
        );
        const body = result.body;
        if (result.status !== 'ok' || !isMessage(body) || !Array.isArray(body.results)) {
          throw new Error(`the import ${module}.${func} failed`);
        }
        if (isMessage(body.state)) current = body.state;
        return body.results.map(Number);
      },
    }),
  );
}

/**
 * Private key: the parameters of the calls the next slots will make, in
 * order (set by json-iface in a process's fold); the instance starts on them
 * as soon as this slot's call returns.
 */
export const NEXT_PARAMETERS = 'next-parameters';

const callParams = (params: Value | undefined): CallParams =>
  (Array.isArray(params) ? params : []).map((p) => (typeof p === 'string' ? p : Number(p)));

async function compute(state: Message, ctx: Context): Promise<Result> {
  const pass = state.pass;
  if (pass !== undefined && Number(pass) !== 1) return ok(state);
  const fn = state.function;
  if (typeof fn !== 'string') return ok(state);
  const prefix = prefixOf(state);
  const worker = ctx.services.wasm.instanceOf(state, prefix);
  if (!worker) {
    return notRunning(state, prefix, 'The WASM instance of this process is not running.');
  }
  const next = valueAt(privateOf(state), NEXT_PARAMETERS);
  try {
    const call = await worker.call(
      fn,
      callParams(state.parameters),
      Array.isArray(next) ? next.map((params) => ({ name: fn, params: callParams(params) })) : [],
    );
    let out = withValueAt(state, `results/${prefix}`, { type: 'ok', output: call.results });
    if (call.output !== '' && isMessage(state.vfs)) {
      const previous = valueAt(state, 'vfs/dev/stdout');
      const text = (typeof previous === 'string' ? previous : '') + call.output;
      out = withValueAt(out, 'vfs/dev/stdout', text);
    }
    if (call.undefined.length > 0) {
      out = withValueAt(out, `results/${prefix}/undefined-calls`, call.undefined);
    }
    return ok(out);
  } catch (e) {
    // Time and memory limits stop the instance: the slot fails.
    if (e instanceof WasmLimitError) return fail(500, e.message);
    // Not the module's doing: the process computes again from its last snapshot.
    if (e instanceof LiveStateLostError) throw e;
    // A trap is the slot's result, as in HyperBEAM.
    return ok(
      withValueAt(state, `results/${prefix}`, { type: 'error', output: (e as Error).message }),
    );
  }
}

export const wasm64Device = defineDevice({
  name: 'wasm-64@1.0',
  aliases: ['wasm64@1.0'],
  keys: {
    init: async (base, _req, ctx) => ok(await start(base, ctx)),
    compute: (base, _req, ctx) => compute(base, ctx),
    snapshot: async (base, _req, ctx) => {
      const worker = ctx.services.wasm.instanceOf(base, prefixOf(base));
      if (!worker) return ok({});
      return ok({ body: await worker.snapshot(), 'snapshot-format': SPARSE_FORMAT });
    },
    normalize: async (base, _req, ctx) =>
      ok(await ctx.services.wasm.normalize(base, prefixOf(base), (s) => start(s, ctx))),
    terminate: async (base, _req, ctx) => {
      await ctx.services.wasm.close(instanceKey(base, prefixOf(base)));
      return ok(base);
    },
  },
});
