/**
 * Processes: signed assignments per second against raw node:crypto RSA-PSS
 * signatures (the physical limit; both 32 in flight, in libuv's pool), and
 * compute throughput of a trivial TypeScript process (slots per second, with
 * each slot's state stored) against calling its compute function in a loop.
 */

import { constants, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHttpsig } from '../src/codecs/httpsig/commit.ts';
import type { Message } from '../src/core/message.ts';
import { loadWallet } from '../src/crypto/wallet.ts';
import { createContext } from '../src/defaults.ts';
import { createDeviceRegistry } from '../src/devices/index.ts';
import { defineDevice, ok } from '../src/engine/device.ts';
import { processIdOf } from '../src/processes/process-message.ts';
import { openStore } from '../src/stores/index.ts';
import { sharedPath } from '../test/support/shared.ts';
import { report } from './harness.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const IN_FLIGHT = 32;
const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));

async function rate(name: string, op: () => Promise<unknown>) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, op));
    n += IN_FLIGHT;
  }
  return { name, opsPerSec: n / ((performance.now() - start) / 1000) };
}

const counter = defineDevice({
  name: 'bench-counter@1.0',
  keys: {
    init: (base) => ok({ ...base, total: 0 }),
    compute: (base, req) => {
      const total = Number(base.total) + 1;
      return ok({ ...base, total, results: { total, slot: req.slot ?? -1 } });
    },
  },
});

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-process-'));
try {
  const ctx = createContext({
    wallet,
    devices: createDeviceRegistry([counter]),
    messages: openStore([{ 'store-module': 'lmdb', prefix: join(dir, 'store') }]),
  });
  const process: Message = signHttpsig(
    {
      device: 'process@1.0',
      type: 'Process',
      scheduler: wallet.address,
      'execution-device': 'bench-counter@1.0',
    },
    wallet,
  );
  const pid = processIdOf(process);
  const schedules = ctx.services.schedules;
  await schedules.assign(pid, process, ctx);

  const key = createPrivateKey({ key: wallet.jwk, format: 'jwk' });
  const data = Buffer.alloc(700, 7);
  const raw = await rate(
    'RSA-PSS sign',
    () =>
      new Promise((resolve, reject) =>
        sign(
          'sha512',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
          (e, s) => (e ? reject(e) : resolve(s)),
        ),
      ),
  );
  let i = 0;
  const assigned = await rate('assign', () =>
    schedules.assign(pid, { action: 'Add', n: String(i++) }, ctx),
  );
  report('signed assignments (stored, in order)', assigned, raw);

  const slots = await schedules.current(pid);
  const start = performance.now();
  const computed = await ctx.services.processes.compute(process, slots, ctx);
  const seconds = (performance.now() - start) / 1000;
  if (computed.status !== 'ok') throw new Error('compute failed');
  const loopStart = performance.now();
  let state: Message = { total: 0 };
  for (let s = 1; s <= slots; s++) {
    state = (await counter.keys?.compute?.(state, { slot: s }, ctx))?.body as Message;
  }
  const loopSeconds = (performance.now() - loopStart) / 1000;
  report(
    `process compute (${slots} slots, each stored)`,
    { name: 'compute', opsPerSec: slots / seconds },
    { name: 'device compute() loop', opsPerSec: slots / loopSeconds },
  );
  await ctx.services.messages.close?.();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
