/**
 * The node's live WASM instances, by key (`<process id>/<prefix>` for a
 * process): at most one per process, bounded in number (`wasm_live_limit`,
 * least recently used closed first), closed when the process runtime lets a
 * process go (it is snapshotted first) and when the node stops; a dryrun
 * runs on the live instance, lent: its memory is put back afterwards. Also
 * the compiled modules (once per content) and finding a module's bytes from
 * a process's `image`/`module`: an ID in the store (or a gateway store), an
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
import type { Context, Lifecycle } from '../engine/context.ts';
import { processIdOf } from '../processes/process-message.ts';
import type { Lent, LiveResource } from '../processes/runtime.ts';
import {
  type CompiledModule,
  compileModule,
  moduleHash,
  type OpenOptions,
  WasmWorker,
} from './host.ts';
import { SPARSE_FORMAT } from './sparse-memory.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly wasm: WasmInstances;
  }
}

/** What a device chooses about an instance; limits come from the node's configuration. */
export type InstanceOptions = Omit<OpenOptions, 'timeLimit' | 'memoryLimit'>;

const COMPILED_LIMIT = 16;
const MODULE_INFO_LIMIT = 64;

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

/**
 * The memory a state's snapshot holds (`snapshot[/<device-key>]/body`, as a
 * stack passes it): sparse, or the whole memory (as HyperBEAM keeps it).
 */
function snapshotMemory(state: Message): { bytes: Uint8Array; sparse: boolean } | undefined {
  const deviceKey = String(state['device-key'] ?? '');
  const nested = valueAt(state, `snapshot/${deviceKey}`);
  const snapshot = isMessage(nested) ? nested : state.snapshot;
  if (!isMessage(snapshot) || !isBinary(snapshot.body)) return undefined;
  return { bytes: toBytes(snapshot.body), sparse: snapshot['snapshot-format'] === SPARSE_FORMAT };
}

function bodyOf(msg: Message, what: string): Uint8Array {
  const body = msg.body ?? msg.data;
  if (!isBinary(body)) throw new NotFoundError('module_not_found', `${what} has no body`);
  return toBytes(body);
}

export class WasmInstances implements Lifecycle, LiveResource {
  private readonly live = new Map<string, WasmWorker>();
  private readonly compiled = new Map<string, Promise<CompiledModule>>();
  private readonly infos = new Map<string, Promise<unknown>>();

  private liveInstance(key: string): WasmWorker | undefined {
    const worker = this.live.get(key);
    if (!worker?.alive) return undefined;
    this.live.delete(key); // most recently used last
    this.live.set(key, worker);
    return worker;
  }

  /**
   * Start a fresh instance of `compiled` for a state (closing any earlier
   * one); returns the state naming it. The node's process runtime releases
   * it with its process.
   */
  async open(
    state: Message,
    prefix: string,
    compiled: CompiledModule,
    ctx: Context,
    options: InstanceOptions = {},
  ): Promise<Message> {
    const key = instanceKey(state, prefix);
    await this.close(key);
    const worker = await WasmWorker.open(compiled, {
      ...options,
      timeLimit: ctx.config.wasm_time_limit,
      memoryLimit: ctx.config.wasm_memory_limit,
    });
    this.live.set(key, worker);
    while (this.live.size > ctx.config.wasm_live_limit) {
      await this.close(this.live.keys().next().value as string);
    }
    return withInstance(state, prefix, key);
  }

  /**
   * A device's `normalize`: with a memory snapshot in the state, a new instance
   * (from `start`) with that memory; else the running instance, or a new one.
   */
  async normalize(
    state: Message,
    prefix: string,
    start: (state: Message) => Promise<Message>,
  ): Promise<Message> {
    const memory = snapshotMemory(state);
    if (!memory) return this.instanceOf(state, prefix) ? state : start(state);
    const started = await start(state);
    await this.instanceOf(started, prefix)?.restore(memory.bytes, memory.sparse);
    return started;
  }

  /** The live instance a state names, if it is still running. */
  instanceOf(state: Message, prefix: string): WasmWorker | undefined {
    const key = valueAt(privateOf(state), `instances/${prefix}`);
    return typeof key === 'string' ? this.liveInstance(key) : undefined;
  }

  async close(key: string): Promise<void> {
    const worker = this.live.get(key);
    this.live.delete(key);
    await worker?.close();
  }

  /** Close every instance of a process (keys `<pid>/...`). */
  async release(pid: string): Promise<void> {
    for (const key of [...this.live.keys()]) if (key.startsWith(`${pid}/`)) await this.close(key);
  }

  /** Whether an instance of the process started a call ahead that nothing took. */
  ranAhead(pid: string): boolean {
    for (const [key, worker] of this.live)
      if (key.startsWith(`${pid}/`) && worker.ranAhead) return true;
    return false;
  }

  /** The memory a process's instances hold. */
  bytes(pid: string): number {
    let total = 0;
    for (const [key, worker] of this.live)
      if (key.startsWith(`${pid}/`)) total += worker.memorySize;
    return total;
  }

  /**
   * Lend a state's instances to a run that must leave no trace (a dryrun):
   * each keeps a copy of its memory, inside its worker, and puts it back
   * when given back (a copy within the thread; no new worker, no transfer).
   */
  async lend(state: Message): Promise<Lent> {
    const instances = valueAt(privateOf(state), 'instances');
    const lent: WasmWorker[] = [];
    const giveBack = async () => {
      let intact = true;
      for (const worker of lent) {
        try {
          await worker.putBack();
        } catch {
          intact = false; // the run killed it (a limit): the process starts again
        }
      }
      return intact;
    };
    try {
      for (const key of Object.values(isMessage(instances) ? instances : {})) {
        const worker = typeof key === 'string' ? this.liveInstance(key) : undefined;
        if (!worker) continue;
        await worker.keep();
        lent.push(worker);
      }
    } catch (error) {
      await giveBack();
      throw error;
    }
    return { giveBack };
  }

  /** Compile a module once per content (the result is shared by every instance). */
  compile(bytes: Uint8Array): Promise<CompiledModule> {
    const hash = moduleHash(bytes);
    let entry = this.compiled.get(hash);
    if (!entry) {
      entry = compileModule(bytes, hash);
      entry.catch(() => this.compiled.delete(hash));
      this.compiled.set(hash, entry);
      if (this.compiled.size > COMPILED_LIMIT) {
        this.compiled.delete(this.compiled.keys().next().value as string);
      }
    }
    return entry;
  }

  /** The compiled module an image value names. */
  async compileImage(image: Value | undefined, ctx: Context): Promise<CompiledModule> {
    return this.compile(await moduleBytes(image, ctx));
  }

  /** What `compute` finds about a module (devices' own, e.g. its tags), once per `key`. */
  moduleInfo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let entry = this.infos.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = compute();
      entry.catch(() => this.infos.delete(key));
      if (this.infos.size >= MODULE_INFO_LIMIT) this.infos.clear();
      this.infos.set(key, entry);
    }
    return entry;
  }

  /** Close every instance (the node is stopping). */
  async stop(): Promise<void> {
    for (const key of [...this.live.keys()]) await this.close(key);
  }
}

/** The bytes of a module named by an image value. */
async function moduleBytes(image: Value | undefined, ctx: Context): Promise<Uint8Array> {
  if (isBinary(image) && !(typeof image === 'string' && isId(image))) return toBytes(image);
  if (isMessage(image)) return bodyOf(image, 'the inline image');
  if (typeof image === 'string') {
    const stored = await ctx.services.messages.read(image);
    if (!stored) throw new NotFoundError('module_not_found', `module ${image} is not in the store`);
    return bodyOf(stored, `module ${image}`);
  }
  throw new NotFoundError('no_image', 'the process names no WASM image');
}
