/**
 * Live WASM instances, each in its own worker thread: a process computing
 * never blocks the node's HTTP loop, and a module that loops or traps is cut
 * off (the worker is terminated) without taking the node down. The node
 * talks to an instance through `WasmWorker`; every request has a time limit,
 * and memory is bounded by the worker (growth past the limit fails).
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { LiveStateLostError } from '../core/errors.ts';
import { WasmLimitError } from './instance.ts';
import { legacyBits } from './legacy.ts';
import {
  type CallResult,
  type HostReply,
  type HostRequest,
  IMPORT_BUFFER_SIZE,
  IMPORT_HEADER,
  type ModuleKind,
  type OpenRequest,
} from './protocol.ts';
import { type ModuleSignatures, moduleSignatures } from './signatures.ts';

export { WasmLimitError };

export interface CompiledModule {
  module: WebAssembly.Module;
  kind: ModuleKind;
  signatures: ModuleSignatures;
  /** sha-256 of the module's bytes, hex. */
  hash: string;
}

export interface OpenOptions {
  /** Milliseconds one request may run before the instance is stopped. */
  timeLimit: number;
  memoryLimit: number;
  bridged?: string[];
  onImport?: (module: string, func: string, args: number[], sig: string) => Promise<number[]>;
}

/** sha-256 of a module's bytes, hex. */
export function moduleHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Compile a module (WasmInstances keeps each one, shared by every instance of it). */
export async function compileModule(
  bytes: Uint8Array,
  hash = moduleHash(bytes),
): Promise<CompiledModule> {
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  return {
    module,
    kind: legacyBits(module) === undefined ? 'wasm' : 'legacy',
    signatures: moduleSignatures(bytes),
    hash,
  };
}

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js',
  import.meta.url,
);

interface Pending {
  resolve(reply: HostReply): void;
  reject(error: Error): void;
  /** Its time limit, running once the worker is on it. */
  timer?: NodeJS.Timeout;
}

/**
 * An instance ran a call ahead (`WasmWorker.call`'s `next`) that was then not
 * the one asked for: it is stopped, and its process starts again from its
 * last snapshot.
 */
export class RanAheadError extends LiveStateLostError {
  override name = 'RanAheadError';
  constructor() {
    super('the WASM instance ran ahead on a call that did not come');
  }
}

export class WasmWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly shared: Int32Array;
  private readonly sharedBytes: Uint8Array;
  private readonly options: OpenOptions;
  private nextId = 1;
  /** The string at the address the last call returned, while memory is as that call left it. */
  private lastText?: { ptr: number; text: string };
  /** Calls started before they were asked for (see `call`), in order, and their outcomes. */
  private ahead: AheadCall[] = [];
  private failure: Error | undefined;
  /** Linear memory size, as of the last request. */
  memorySize = 0;
  private readonly ready: Promise<void>;
  private readyResolve: () => void = () => undefined;
  private readyReject: (error: Error) => void = () => undefined;

  private constructor(compiled: CompiledModule, options: OpenOptions) {
    this.options = options;
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    const importBuffer = new SharedArrayBuffer(IMPORT_BUFFER_SIZE);
    this.shared = new Int32Array(importBuffer, 0, 2);
    this.sharedBytes = new Uint8Array(importBuffer, IMPORT_HEADER);
    const data: OpenRequest = {
      module: compiled.module,
      kind: compiled.kind,
      signatures: {
        imports: [...compiled.signatures.imports],
        exports: [...compiled.signatures.exports],
      },
      bridged: options.bridged ?? [],
      memoryLimit: options.memoryLimit,
      importBuffer,
    };
    this.worker = new Worker(WORKER_URL, {
      workerData: data,
      // The JS heap of a worker holds little; WASM memory is bounded separately.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.worker.on('message', (msg) => this.receive(msg));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the WASM worker exited (${code})`)));
  }

  /** Start an instance of a module in a new worker. */
  static async open(compiled: CompiledModule, options: OpenOptions): Promise<WasmWorker> {
    const host = new WasmWorker(compiled, options);
    await host.ready;
    host.worker.unref(); // an idle instance does not keep the node running
    return host;
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  private receive(msg: HostReply | { ready: true } | { import: ImportRequest }): void {
    if ('ready' in msg) {
      this.readyResolve();
      return;
    }
    if ('import' in msg) {
      void this.answerImport(msg.import);
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.worker.unref();
    clearTimeout(pending.timer);
    this.startClock();
    this.memorySize = msg.memory;
    pending.resolve(msg);
  }

  private async answerImport({ module, func, args, sig }: ImportRequest): Promise<void> {
    let answer: unknown;
    try {
      const results = (await this.options.onImport?.(module, func, args, sig)) ?? [0];
      answer = { results };
    } catch (error) {
      answer = { error: (error as Error).message };
    }
    const bytes = new TextEncoder().encode(JSON.stringify(answer));
    this.sharedBytes.set(bytes.subarray(0, this.sharedBytes.length));
    Atomics.store(this.shared, 1, Math.min(bytes.length, this.sharedBytes.length));
    Atomics.store(this.shared, 0, 1);
    Atomics.notify(this.shared, 0);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.readyReject(error);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  /**
   * Start the time limit of the request the worker is on: the oldest in
   * flight (it takes them in order), so calls queued behind it (run ahead)
   * are not charged for the wait.
   */
  private startClock(): void {
    const oldest = this.pending.values().next().value;
    if (!oldest || oldest.timer) return;
    oldest.timer = setTimeout(() => {
      const limit = this.options.timeLimit;
      this.fail(
        new WasmLimitError('time', `the WASM module ran past its time limit (${limit} ms)`),
      );
      void this.worker.terminate();
    }, this.options.timeLimit);
  }

  /** A request that may change memory: nothing may run ahead of it. */
  private async request(req: DistributiveOmit<HostRequest, 'id'>, transfer: ArrayBuffer[] = []) {
    if (this.ahead.length > 0) this.diverged();
    this.lastText = undefined;
    return this.post(req, transfer);
  }

  /** Whether a call started ahead of its turn waits to be taken. */
  get ranAhead(): boolean {
    return this.ahead.length > 0;
  }

  /** The instance ran a call that was not then asked for: its memory is of no use. */
  private diverged(): never {
    const error = new RanAheadError();
    this.ahead = [];
    this.fail(error);
    void this.worker.terminate();
    throw error;
  }

  private async post(req: DistributiveOmit<HostRequest, 'id'>, transfer: ArrayBuffer[] = []) {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const reply = await new Promise<HostReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.startClock();
      this.worker.ref(); // a request in flight keeps the node running
      this.worker.postMessage({ ...req, id }, transfer);
    });
    if (reply.error !== undefined) {
      if (reply.limit === 'memory') {
        this.fail(new WasmLimitError('memory', reply.error));
        void this.worker.terminate();
      }
      throw reply.limit
        ? new WasmLimitError(reply.limit as 'memory', reply.error)
        : new Error(reply.error);
    }
    return reply.value;
  }

  /**
   * Call an export; string parameters are written into memory first.
   * `next`: the calls that will be asked for next, in order, with nothing
   * else done to the instance in between (a process's next slots). They are
   * started as soon as this one returns, so the instance runs them while the
   * node handles the results; asking for anything else first stops the
   * instance (`RanAheadError`).
   */
  async call(name: string, params: CallParams, next: readonly Call[] = []): Promise<CallResult> {
    const ahead = this.ahead.shift();
    let result: CallResult;
    if (ahead) {
      if (!sameCall(ahead, { name, params })) this.diverged();
      this.lastText = undefined; // memory moves on with this call, answered or not
      result = await ahead.result;
    } else {
      result = (await this.request({ op: 'call', name, params })) as CallResult;
    }
    this.lastText =
      result.text === undefined
        ? undefined
        : { ptr: result.results[0] as number, text: result.text };
    // Only when this call's answer is all read: the next ones change memory.
    if (this.lastText) this.runAhead(next);
    return result;
  }

  /** Start the calls of `next` not started yet (those that are must be its first ones). */
  private runAhead(next: readonly Call[]): void {
    next.forEach((call, i) => {
      const started = this.ahead[i];
      if (started) {
        if (!sameCall(started, call)) this.diverged();
        return;
      }
      const result = this.post({ op: 'call', ...call }) as Promise<CallResult>;
      result.catch(() => undefined); // Seen by the call that takes it.
      this.ahead.push({ ...call, result });
    });
  }

  /**
   * The string at `ptr`: as the last call returned it while memory is as
   * that call left it, else read by the worker.
   */
  readString(ptr: number): Promise<string> {
    const last = this.lastText;
    if (last?.ptr === ptr) return Promise.resolve(last.text);
    return this.request({ op: 'read-string', ptr }) as Promise<string>;
  }

  /** A legacy AOS module's `handle(msg, env)`, with the clock at `now`. */
  legacyHandle(msg: string, env: string, now: number): Promise<string> {
    return this.request({ op: 'legacy', msg, env, now }) as Promise<string>;
  }

  /** The instance's memory, in sparse-memory.ts's layout. */
  snapshot(): Promise<Uint8Array> {
    return this.request({ op: 'snapshot' }) as Promise<Uint8Array>;
  }

  /** Put back a snapshot: sparse (as `snapshot` gives), or the whole memory. */
  async restore(bytes: Uint8Array, sparse: boolean): Promise<void> {
    await this.request({ op: 'restore', bytes, sparse });
  }

  /** Keep a copy of the memory inside the worker (no transfer), for `putBack`. */
  async keep(): Promise<void> {
    await this.request({ op: 'keep' });
  }

  /** Put back the memory `keep` copied: the runs since leave no trace. */
  async putBack(): Promise<void> {
    await this.request({ op: 'put-back' });
  }

  async close(): Promise<void> {
    this.fail(new Error('the WASM instance was closed'));
    await this.worker.terminate();
  }
}

export type CallParams = (number | string)[];

/** An export to call, and its parameters. */
export interface Call {
  name: string;
  params: CallParams;
}

interface AheadCall extends Call {
  result: Promise<CallResult>;
}

/** The same export with the same parameters (strings by value: usually the very same string). */
function sameCall(a: Call, b: Call): boolean {
  return (
    a.name === b.name &&
    a.params.length === b.params.length &&
    a.params.every((value, i) => value === b.params[i])
  );
}

interface ImportRequest {
  module: string;
  func: string;
  args: number[];
  sig: string;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
