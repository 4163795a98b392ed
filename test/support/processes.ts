/**
 * Process test helpers: spawning and messaging over HTTP with signed
 * requests, and small TypeScript execution devices.
 */

import { isMessage, type Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import { defineDevice, ok } from '../../src/engine/device.ts';
import { clientWallet, type RawResponse, send } from './node.ts';
import { signedRequest } from './signing.ts';

let seed = 0;

/** A process definition scheduled by `scheduler`, executed by `device`. */
export function processMessage(scheduler: string, device: string, extra: Message = {}): Message {
  return {
    device: 'process@1.0',
    type: 'Process',
    'data-protocol': 'ao',
    variant: 'ao.N.1',
    scheduler,
    'execution-device': device,
    'random-seed': `${process.pid}-${Date.now()}-${seed++}`,
    ...extra,
  };
}

/** Spawn over HTTP (`POST /schedule`); returns the process ID. */
export async function spawn(
  node: { port: number },
  msg: Message,
  wallet: Wallet = clientWallet,
): Promise<string> {
  const res = await send(node, signedRequest('POST', { ...msg, path: '/schedule' }, wallet));
  if (res.status !== 200 || !res.headers.process)
    throw new Error(`spawn failed: ${res.status} ${res.text}`);
  return res.headers.process;
}

/** Schedule a message on a process over HTTP; the reply carries the slot. */
export function schedule(
  node: { port: number },
  pid: string,
  msg: Message,
  wallet: Wallet = clientWallet,
): Promise<RawResponse> {
  return send(
    node,
    signedRequest(
      'POST',
      { type: 'Message', target: pid, ...msg, path: `/${pid}/schedule` },
      wallet,
    ),
  );
}

/** Counts its computations; `results` holds the running total of the messages' `n`. */
export function counterDevice(calls: { compute: number }) {
  return defineDevice({
    name: 'counter@1.0',
    keys: {
      init: (base) => ok({ ...base, total: 0 }),
      compute: (base, req) => {
        calls.compute++;
        const body = isMessage(req.body) ? req.body : {};
        const total = Number(base.total ?? 0) + Number(body.n ?? 0);
        return ok({ ...base, total, results: { total, slot: req.slot ?? -1 } });
      },
      snapshot: (base) => ok({ total: base.total ?? 0 }),
      normalize: (base) => {
        const snapshot = isMessage(base.snapshot) ? base.snapshot : {};
        return ok({ ...base, total: snapshot.total ?? 0 });
      },
    },
  });
}

/**
 * Answers a Ping with a Ping to whoever sent it (or to `other`), one hop
 * more, until `hops` reaches `limit`.
 */
export const pingPongDevice = defineDevice({
  name: 'ping-pong@1.0',
  keys: {
    init: (base) => ok({ ...base, pings: 0 }),
    compute: (base, req) => {
      const msg = isMessage(req.body) ? req.body : {};
      if (msg.action !== 'Ping') return ok({ ...base, results: {} });
      const hops = Number(msg.hops ?? 0);
      const limit = Number(msg.limit ?? 10);
      const pings = Number(base.pings ?? 0) + 1;
      const to = typeof msg['from-process'] === 'string' ? msg['from-process'] : msg.other;
      const outbox: Message = {};
      if (hops < limit && typeof to === 'string') {
        outbox['1'] = { target: to, action: 'Ping', hops: String(hops + 1), limit: String(limit) };
      }
      return ok({ ...base, pings, results: { hops, outbox } });
    },
  },
});
