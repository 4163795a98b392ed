/** Messages between the node (host.ts) and a WASM worker (worker.ts). */
import type { Signature } from './signatures.ts';

export type ModuleKind = 'wasm' | 'legacy';

/** The worker's `workerData`: the module to instantiate and how. */
export interface OpenRequest {
  module: WebAssembly.Module;
  kind: ModuleKind;
  signatures: {
    imports: [string, Signature][];
    exports: [string, Signature][];
  };
  /** Import modules the node answers (through `importBuffer`). */
  bridged: string[];
  memoryLimit: number;
  /** [state, length] as Int32, then the JSON answer to an import. */
  importBuffer: SharedArrayBuffer;
}

export type HostRequest = { id: number } & (
  | { op: 'call'; name: string; params: (number | string)[] }
  | { op: 'read-string'; ptr: number }
  | { op: 'legacy'; msg: string; env: string; now: number }
  | { op: 'snapshot' }
  /** `sparse`: in sparse-memory.ts's layout, else the whole memory. */
  | { op: 'restore'; bytes: Uint8Array; sparse: boolean }
  /** Keep a copy of the memory in the worker, to put back with `put-back`. */
  | { op: 'keep' }
  | { op: 'put-back' }
);

export interface CallResult {
  results: number[];
  output: string;
  undefined: string[];
  /**
   * The NUL-terminated string at the address the call returned, when one
   * ends within `RESULT_TEXT_MAX` bytes: AOS answers this way, and reading it
   * here saves the node a second round trip.
   */
  text?: string;
}

export const RESULT_TEXT_MAX = 1024 * 1024;

export interface HostReply {
  id: number;
  value?: unknown;
  error?: string;
  limit?: string;
  /** The instance's memory size after the request. */
  memory: number;
}

export const IMPORT_HEADER = 8;
export const IMPORT_BUFFER_SIZE = IMPORT_HEADER + 1024 * 1024;
