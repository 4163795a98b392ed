/**
 * A WebAssembly instance as `wasm-64@1.0` runs it (HyperBEAM's BEAMR host):
 * exports called with numbers, strings written with the module's `malloc`
 * and read back NUL-terminated, linear memory as the whole snapshot.
 *
 * Imports: `wasi_snapshot_preview1` is built in (as HyperBEAM's wasi@1.0 acts
 * for AOS: stdout/stderr captured, `clock_time_get` answers errno 1 so time
 * never leaks into a process, everything else succeeds doing nothing); imports
 * of the `bridged` modules go to `onImport` (the node resolves them through a
 * device); any other import is a stub that returns 0 and is recorded, as
 * HyperBEAM's `undefined-calls`. Runs the same in a worker or in-process.
 */
import { type ModuleSignatures, type Signature, signatureText, toWasmValue } from './signatures.ts';

export type WasmNumber = number | bigint;
export type ImportCall = (module: string, func: string, args: number[], sig: string) => number[];

export interface InstanceOptions {
  /** Import modules answered by `onImport`. */
  bridged?: readonly string[];
  onImport?: ImportCall;
  /** Linear memory may not grow past this many bytes (checked after each call). */
  memoryLimit?: number;
}

export class WasmLimitError extends Error {
  readonly limit: 'time' | 'memory';
  constructor(limit: 'time' | 'memory', message: string) {
    super(message);
    this.limit = limit;
  }
}

const WASI = 'wasi_snapshot_preview1';
const UTF8_OUT = new TextEncoder();
const UTF8_IN = new TextDecoder();

export class WasmInstance {
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  /** Text written to fd 1 and 2 since the last `takeOutput`. */
  private output = '';
  readonly undefinedCalls: string[] = [];
  private readonly signatures: ModuleSignatures;
  private readonly memoryLimit: number;

  constructor(module: WebAssembly.Module, signatures: ModuleSignatures, options: InstanceOptions) {
    this.signatures = signatures;
    this.memoryLimit = options.memoryLimit ?? Number.POSITIVE_INFINITY;
    const imports: WebAssembly.Imports = {};
    for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
      if (kind !== 'function') continue;
      const sig = signatures.imports.get(`${mod}.${name}`) ?? { params: '', results: 'i' };
      imports[mod] ??= {};
      const table = imports[mod];
      table[name] = this.importFunction(mod, name, sig, options);
    }
    this.instance = new WebAssembly.Instance(module, imports);
    const memory = this.instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('the module exports no memory');
    this.memory = memory;
  }

  private importFunction(mod: string, name: string, sig: Signature, options: InstanceOptions) {
    const result = (values: number[]): WasmNumber | undefined => {
      const type = sig.results[0];
      return type === undefined ? undefined : toWasmValue(type, values[0] ?? 0);
    };
    if (mod === WASI) return (...args: WasmNumber[]) => result([this.wasi(name, args)]);
    if (options.bridged?.includes(mod) && options.onImport) {
      const onImport = options.onImport;
      return (...args: WasmNumber[]) =>
        result(onImport(mod, name, args.map(Number), signatureText(sig)));
    }
    return () => {
      this.undefinedCalls.push(`${mod}.${name}`);
      return result([0]);
    };
  }

  private view(): DataView {
    return new DataView(this.memory.buffer);
  }

  /** WASI as AOS needs it: output captured, no clock, nothing else. */
  private wasi(name: string, args: WasmNumber[]): number {
    const wide = typeof args[1] === 'bigint'; // memory64 layout: 16-byte iovecs
    switch (name) {
      case 'fd_write': {
        const [fd, iovs, count, written] = args.map(Number) as [number, number, number, number];
        const view = this.view();
        const bytes = new Uint8Array(this.memory.buffer);
        let total = 0;
        for (let i = 0; i < count; i++) {
          const at = iovs + i * (wide ? 16 : 8);
          const ptr = wide ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true);
          const len = wide ? Number(view.getBigUint64(at + 8, true)) : view.getUint32(at + 4, true);
          if (fd === 1 || fd === 2) this.output += UTF8_IN.decode(bytes.subarray(ptr, ptr + len));
          total += len;
        }
        if (wide) view.setBigUint64(written, BigInt(total), true);
        else view.setUint32(written, total, true);
        return 0;
      }
      case 'fd_read': {
        const written = Number(args[3]);
        if (wide) this.view().setBigUint64(written, 0n, true);
        else this.view().setUint32(written, 0, true);
        return 0;
      }
      case 'clock_time_get':
        return 1;
      case 'proc_exit':
        throw new Error(`the module exited with status ${Number(args[0])}`);
      default:
        return 0;
    }
  }

  /** Call an export with numbers; returns its results as numbers. */
  call(name: string, params: readonly WasmNumber[]): number[] {
    const fn = this.instance.exports[name];
    const sig = this.signatures.exports.get(name);
    if (typeof fn !== 'function' || !sig) throw new Error(`the module exports no function ${name}`);
    const args = params.map((p, i) => toWasmValue(sig.params[i] ?? 'i', p));
    const out = (fn as (...a: WasmNumber[]) => WasmNumber | undefined)(...args);
    this.checkMemory();
    return out === undefined ? [] : [Number(out)];
  }

  private checkMemory(): void {
    if (this.memory.buffer.byteLength > this.memoryLimit) {
      throw new WasmLimitError(
        'memory',
        `the module's memory grew to ${this.memory.buffer.byteLength} bytes, past the limit of ${this.memoryLimit}`,
      );
    }
  }

  /** Write a NUL-terminated string with the module's malloc; returns its address. */
  writeString(text: string): number {
    const length = Buffer.byteLength(text, 'utf8');
    const [ptr] = this.call('malloc', [length + 1]);
    if (!ptr) throw new Error('malloc failed');
    const memory = new Uint8Array(this.memory.buffer);
    UTF8_OUT.encodeInto(text, memory.subarray(ptr, ptr + length));
    memory[ptr + length] = 0;
    return ptr;
  }

  readString(ptr: number): string {
    const memory = new Uint8Array(this.memory.buffer);
    const end = memory.indexOf(0, ptr);
    return UTF8_IN.decode(memory.subarray(ptr, end < 0 ? memory.length : end));
  }

  /** The string at `ptr` if it ends within `max` bytes (else undefined). */
  stringWithin(ptr: number, max: number): string | undefined {
    const memory = new Uint8Array(this.memory.buffer);
    if (!Number.isSafeInteger(ptr) || ptr < 0 || ptr >= memory.length) return undefined;
    const end = memory.subarray(ptr, Math.min(memory.length, ptr + max)).indexOf(0);
    return end < 0 ? undefined : UTF8_IN.decode(memory.subarray(ptr, ptr + end));
  }

  takeOutput(): string {
    const out = this.output;
    this.output = '';
    return out;
  }

  /** Replace linear memory with a snapshot (growing it first). */
  restore(bytes: Uint8Array): void {
    restoreMemory(this.memory, bytes);
  }
}

/** One WASM page: what memory grows by, and what `restoreChanged` compares. */
const PAGE = 65536;

/**
 * Put `memory` back as it was when `kept` was copied from it, copying only
 * the pages that differ (a dryrun touches few of a process's pages); memory
 * grown since is cleared.
 */
export function restoreChanged(memory: WebAssembly.Memory, kept: Uint8Array): void {
  const live = Buffer.from(memory.buffer);
  const old = Buffer.from(kept.buffer, kept.byteOffset, kept.length);
  for (let at = 0; at < old.length; at += PAGE) {
    const end = Math.min(at + PAGE, old.length);
    if (live.compare(old, at, end, at, end) !== 0) live.set(old.subarray(at, end), at);
  }
  live.fill(0, old.length);
}

/** Grow `memory` to at least `size` bytes (an i64 memory grows by a BigInt). */
export function growTo(memory: WebAssembly.Memory, size: number): void {
  const missing = Math.ceil((size - memory.buffer.byteLength) / PAGE);
  if (missing <= 0) return;
  try {
    memory.grow(missing);
  } catch {
    memory.grow(BigInt(missing)); // an i64 memory (Node 24) grows by a BigInt
  }
}

/** Grow `memory` to hold `bytes`, then copy them in. */
export function restoreMemory(memory: WebAssembly.Memory, bytes: Uint8Array): void {
  growTo(memory, bytes.length);
  const view = new Uint8Array(memory.buffer);
  view.set(bytes);
  view.fill(0, bytes.length); // memory never shrinks: what lies past the snapshot is cleared
}
