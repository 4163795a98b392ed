/**
 * The node's live WASM instances, by key (`<process id>/<prefix>` for a
 * process): at most one per process, bounded in number (`wasm_live_limit`,
 * least recently used closed first), closed when the process runtime lets a
 * process go (it is snapshotted first); a dryrun runs on a copy (a fork).
 * Also finds a module's bytes from a
 * process's `image`/`module`: an ID in the store (or a gateway store), an
 * inline message with a `body`, or the bytes themselves.
 */

import { randomUUID } from 'node:crypto';
import { isBinary, toBytes } from '../core/binary.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  isId,
  isMessage,
  type Message,
  privateOf,
  type Value,
  valueAt,
  withPrivate,
  withValueAt,
} from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { processIdOf } from '../processes/process-message.ts';
import { type ForkedState, liveResources } from '../processes/runtime.ts';
import { type CompiledModule, compileModule, type OpenOptions, WasmWorker } from './host.ts';

const live = new Map<string, WasmWorker>();

function number(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Limits from the node's options. */
export function limitsOf(opts: Opts): Pick<OpenOptions, 'timeLimit' | 'memoryLimit'> {
  return {
    timeLimit: number(opts.wasm_time_limit, 30_000),
    memoryLimit: number(opts.wasm_memory_limit, 2 ** 32),
  };
}

function liveInstance(key: string): WasmWorker | undefined {
  const worker = live.get(key);
  if (!worker?.alive) return undefined;
  live.delete(key); // most recently used last
  live.set(key, worker);
  return worker;
}

/** Start a fresh instance under `key` (closing any earlier one). */
async function openInstance(
  key: string,
  compiled: CompiledModule,
  options: OpenOptions,
  opts: Opts,
): Promise<WasmWorker> {
  await closeInstance(key);
  const worker = await WasmWorker.open(compiled, options);
  live.set(key, worker);
  const limit = number(opts.wasm_live_limit, 128);
  while (live.size > limit) await closeInstance(live.keys().next().value as string);
  return worker;
}

/** Start a fresh instance of `compiled` for a state; returns the state naming it. */
export async function startInstance(
  state: Message,
  prefix: string,
  compiled: CompiledModule,
  options: OpenOptions,
  opts: Opts,
): Promise<Message> {
  const key = instanceKey(state, prefix);
  await openInstance(key, compiled, options, opts);
  return withInstance(state, prefix, key);
}

/**
 * A device's `normalize`: with a memory snapshot in the state, a new instance
 * (from `start`) with that memory; else the running instance, or a new one.
 */
export async function normalizeInstance(
  state: Message,
  prefix: string,
  start: (state: Message) => Promise<Message>,
): Promise<Message> {
  const memory = snapshotMemory(state);
  if (!memory) return instanceOf(state, prefix) ? state : start(state);
  const started = await start(state);
  await instanceOf(started, prefix)?.restore(memory);
  return started;
}

/** The key of a state's instance: `<process id>/<prefix>` in a process, else a fresh one. */
export function instanceKey(state: Message, prefix: string): string {
  const existing = valueAt(privateOf(state), `instances/${prefix}`);
  if (typeof existing === 'string') return existing;
  const process = isMessage(state.process) ? state.process : undefined;
  return process ? `${processIdOf(process)}/${prefix}` : `${randomUUID()}/${prefix}`;
}

/** The state, naming its instance (privately: instances are not part of its content). */
function withInstance(state: Message, prefix: string, key: string): Message {
  return withPrivate(state, withValueAt(privateOf(state), `instances/${prefix}`, key));
}

/** The live instance a state names, if it is still running. */
export function instanceOf(state: Message, prefix: string): WasmWorker | undefined {
  const key = valueAt(privateOf(state), `instances/${prefix}`);
  return typeof key === 'string' ? liveInstance(key) : undefined;
}

/** The memory a state's snapshot holds (`snapshot[/<device-key>]/body`), as a stack passes it. */
function snapshotMemory(state: Message): Uint8Array | undefined {
  const body =
    valueAt(state, `snapshot/${String(state['device-key'] ?? '')}/body`) ??
    valueAt(state, 'snapshot/body');
  return isBinary(body) ? toBytes(body) : undefined;
}

export async function closeInstance(key: string): Promise<void> {
  const worker = live.get(key);
  live.delete(key);
  await worker?.close();
}

/** Close every instance of a process (keys `<pid>/...`). */
async function closeInstancesOf(pid: string): Promise<void> {
  for (const key of [...live.keys()]) if (key.startsWith(`${pid}/`)) await closeInstance(key);
}

/** The state with copies of its instances, and how to close them (for a dryrun). */
async function forkInstances(state: Message): Promise<ForkedState> {
  const instances = valueAt(privateOf(state), 'instances');
  const keys: string[] = [];
  const release = async () => {
    for (const key of keys) await closeInstance(key);
  };
  let forked = state;
  try {
    for (const [prefix, key] of Object.entries(isMessage(instances) ? instances : {})) {
      const worker = typeof key === 'string' ? liveInstance(key) : undefined;
      if (!worker) continue;
      const forkKey = `fork-${randomUUID()}/${prefix}`;
      live.set(forkKey, await worker.fork());
      keys.push(forkKey);
      forked = withInstance(forked, prefix, forkKey);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { state: forked, release };
}

liveResources.add({
  release: (pid) => closeInstancesOf(pid),
  fork: forkInstances,
  bytes(pid) {
    let total = 0;
    for (const [key, worker] of live) if (key.startsWith(`${pid}/`)) total += worker.memorySize;
    return total;
  },
});

/** The bytes of a module named by an image value. */
async function moduleBytes(image: Value | undefined, opts: Opts): Promise<Uint8Array> {
  if (isBinary(image) && !(typeof image === 'string' && isId(image))) return toBytes(image);
  if (isMessage(image)) return bodyOf(image, 'the inline image');
  if (typeof image === 'string') {
    const stored = await opts.store?.read(image);
    if (!stored) throw new NotFoundError('module_not_found', `module ${image} is not in the store`);
    return bodyOf(stored, `module ${image}`);
  }
  throw new NotFoundError('no_image', 'the process names no WASM image');
}

function bodyOf(msg: Message, what: string): Uint8Array {
  const body = msg.body ?? msg.data;
  if (!isBinary(body)) throw new NotFoundError('module_not_found', `${what} has no body`);
  return toBytes(body);
}

export async function compiledImage(image: Value | undefined, opts: Opts): Promise<CompiledModule> {
  return compileModule(await moduleBytes(image, opts));
}
