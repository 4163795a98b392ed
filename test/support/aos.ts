/**
 * AOS test helpers: modules imported into a node's store, AOS process
 * messages for both execution paths, and reading a slot's results.
 */
import { readFileSync } from 'node:fs';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { send } from './node.ts';
import { processMessage, schedule } from './processes.ts';
import { sharedPath } from './shared.ts';

/** Put a module into the node's store (as `hyperbeam import` does); returns its ID. */
export async function importModule(node: RunningNode, file: string): Promise<string> {
  const bytes = readFileSync(sharedPath('fixtures', file));
  return node.node.services.messages.write({
    'content-type': file.endsWith('.lua') ? 'application/lua' : 'application/wasm',
    body: new Uint8Array(bytes),
  });
}

/** An AOS process on HyperBEAM's WASM stack (process.md §8), scheduled by `scheduler`. */
export function aosProcess(scheduler: string, image: string, extra: Message = {}): Message {
  return processMessage(scheduler, 'stack@1.0', {
    'device-stack': ['WASI@1.0', 'JSON-Iface@1.0', 'WASM-64@1.0', 'Multipass@1.0'],
    'stack-keys': ['init', 'compute', 'snapshot', 'normalize'],
    'output-prefix': 'wasm',
    passes: 2,
    image,
    ...extra,
  });
}

/** A legacy AOS process, as aoconnect spawns one (`Module`, genesis-wasm). */
export function legacyProcess(scheduler: string, module: string, extra: Message = {}): Message {
  return processMessage(scheduler, 'genesis-wasm@1.0', {
    module,
    'scheduler-device': 'scheduler@1.0',
    authority: scheduler,
    data: '1984',
    ...extra,
  });
}

/** Schedule a message; returns its slot. */
export async function sendAos(
  node: { port: number },
  pid: string,
  msg: Message,
  wallet?: Wallet,
): Promise<number> {
  const res = await schedule(
    node,
    pid,
    { 'data-protocol': 'ao', variant: 'ao.N.1', ...msg },
    wallet,
  );
  if (res.status !== 200) throw new Error(`schedule failed: ${res.status} ${res.text}`);
  return Number(res.headers.slot);
}

/** A key of a slot's results, as text. */
export async function resultAt(
  node: { port: number },
  pid: string,
  slot: number,
  key: string,
): Promise<{ status: number; text: string }> {
  const res = await send(node, { path: `/${pid}/compute&slot=${slot}/results/${key}` });
  return { status: res.status, text: res.text };
}
