/**
 * The worker thread that owns one live WASM instance (see host.ts). It answers
 * requests from the node one at a time; a bridged import blocks it on a shared
 * buffer until the node has resolved the call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { restoreChanged, WasmInstance, type WasmNumber } from './instance.ts';
import { LegacyInstance } from './legacy.ts';
import {
  type CallResult,
  type HostReply,
  type HostRequest,
  IMPORT_HEADER,
  type OpenRequest,
  RESULT_TEXT_MAX,
} from './protocol.ts';
import type { ModuleSignatures } from './signatures.ts';
import { restoreSparse, sparseSnapshot } from './sparse-memory.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');

const open = workerData as OpenRequest;
const shared = new Int32Array(open.importBuffer, 0, 2);
const sharedBytes = new Uint8Array(open.importBuffer, IMPORT_HEADER);

/** Ask the node to resolve an import, and wait for its answer. */
function bridgedImport(module: string, func: string, args: number[], sig: string): number[] {
  Atomics.store(shared, 0, 0);
  port?.postMessage({ import: { module, func, args, sig } });
  Atomics.wait(shared, 0, 0);
  const length = Atomics.load(shared, 1);
  const answer = JSON.parse(new TextDecoder().decode(sharedBytes.slice(0, length))) as
    | { results: number[] }
    | { error: string };
  if ('error' in answer) throw new Error(answer.error);
  return answer.results;
}

const signatures: ModuleSignatures = {
  imports: new Map(open.signatures.imports),
  exports: new Map(open.signatures.exports),
};
const engine =
  open.kind === 'legacy'
    ? LegacyInstance.create(open.module, { memoryLimit: open.memoryLimit })
    : new WasmInstance(open.module, signatures, {
        bridged: open.bridged,
        onImport: bridgedImport,
        memoryLimit: open.memoryLimit,
      });

/**
 * The memory as it was before a run that must leave no trace (a dryrun).
 * It is kept between such runs: while nothing else has run since it was
 * put back (`kept.current`), the next dryrun copies nothing in, and putting
 * it back copies only the pages the run changed.
 */
const kept: { bytes?: Uint8Array; current: boolean } = { current: false };

function keep(): void {
  if (kept.current) return;
  const memory = new Uint8Array(engine.memory.buffer);
  if (kept.bytes?.length !== memory.length) kept.bytes = new Uint8Array(memory.length);
  kept.bytes.set(memory);
  kept.current = true;
}

function run(req: HostRequest): { value: unknown; transfer?: ArrayBuffer[] } {
  // Only reads leave the memory as it was kept.
  if (req.op !== 'keep' && req.op !== 'snapshot' && req.op !== 'read-string') {
    kept.current = false;
  }
  switch (req.op) {
    case 'call': {
      if (!(engine instanceof WasmInstance)) throw new Error('call needs a wasm-64 module');
      const params: WasmNumber[] = req.params.map((p) =>
        typeof p === 'string' ? engine.writeString(p) : p,
      );
      const results = engine.call(req.name, params);
      const text =
        results.length === 1
          ? engine.stringWithin(results[0] as number, RESULT_TEXT_MAX)
          : undefined;
      const value: CallResult = {
        results,
        output: engine.takeOutput(),
        undefined: engine.undefinedCalls,
        text,
      };
      return { value };
    }
    case 'read-string':
      if (!(engine instanceof WasmInstance)) throw new Error('read-string needs a wasm-64 module');
      return { value: engine.readString(req.ptr) };
    case 'legacy':
      if (!(engine instanceof LegacyInstance)) throw new Error('legacy needs a legacy module');
      return { value: engine.handle(req.msg, req.env, req.now) };
    case 'snapshot': {
      const bytes = sparseSnapshot(engine.memory);
      return { value: bytes, transfer: [bytes.buffer] };
    }
    case 'restore':
      if (req.sparse) restoreSparse(engine.memory, req.bytes);
      else engine.restore(req.bytes);
      return { value: true };
    case 'keep':
      keep();
      return { value: true };
    case 'put-back':
      if (!kept.bytes) throw new Error('no memory was kept to put back');
      restoreChanged(engine.memory, kept.bytes);
      kept.current = true;
      return { value: true };
  }
}

/** What this instance holds: its memory, and the copy kept for dryruns. */
const memoryBytes = () => engine.memory.buffer.byteLength + (kept.bytes?.length ?? 0);

port.on('message', (req: HostRequest) => {
  let reply: HostReply;
  try {
    const { value, transfer } = run(req);
    reply = { id: req.id, value, memory: memoryBytes() };
    port.postMessage(reply, transfer ?? []);
  } catch (error) {
    const e = error as Error & { limit?: string };
    reply = {
      id: req.id,
      error: e.message ?? String(error),
      limit: e.limit,
      memory: memoryBytes(),
    };
    port.postMessage(reply);
  }
});
port.postMessage({ ready: true });
