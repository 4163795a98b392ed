/**
 * Across nodes, same run:
 *   relayed GET   `GET /~message@1.0&a=1/a` sent to node A, which forwards
 *                 every request to node B by its routes (separate OS
 *                 processes, autocannon), against the same GET sent to B
 *   remote compute a process scheduled on B (300 slots) computed on A, which
 *                 fetches, checks and keeps B's assignments, against B
 *                 computing the same schedule itself (in-process nodes)
 */
import type { Message } from '../src/core/message.ts';
import { createDeviceRegistry } from '../src/devices/index.ts';
import type { RunningNode } from '../src/http/server.ts';
import { clusterDir, startNodeProcess } from '../test/support/cluster.ts';
import { quickWallet, send, startTestNode } from '../test/support/node.ts';
import { counterDevice, processMessage, schedule, spawn } from '../test/support/processes.ts';
import { signedRequest } from '../test/support/signing.ts';
import { httpRate, report } from './harness.ts';

const PATH = '/~message@1.0&a=1/a';
const SLOTS = 300;

async function relayed(): Promise<void> {
  const files = clusterDir();
  const nodes = [];
  try {
    const b = await startNodeProcess(files.dir, 'b');
    nodes.push(b);
    const a = await startNodeProcess(files.dir, 'a', {
      on: { request: { device: 'relay@1.0' } },
      routes: [{ template: '/.*', node: { prefix: b.url } }],
    });
    nodes.push(a);
    const direct = await httpRate('direct GET to B', `${b.url}${PATH}`);
    report('GET relayed through A to B', await httpRate('through A', `${a.url}${PATH}`), direct);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    files.remove();
  }
}

/** Slots per second of computing `pid` to `SLOTS` on `node`. */
async function computeRate(node: RunningNode, pid: string, name: string) {
  const start = performance.now();
  const res = await send(node, { path: `/${pid}/compute&slot=${SLOTS}/results/total` });
  if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text}`);
  return { name, opsPerSec: SLOTS / ((performance.now() - start) / 1000) };
}

async function remoteCompute(): Promise<void> {
  const scheduler = quickWallet();
  const client = quickWallet();
  const devices = () => createDeviceRegistry([counterDevice({ compute: 0 })]);
  const b = await startTestNode({ wallet: scheduler, devices: devices() });
  const a = await startTestNode({
    wallet: quickWallet(),
    devices: devices(),
    config: {
      store: [{ 'store-module': 'memory' }, { 'store-module': 'remote-node', node: b.url }],
    },
  });
  try {
    const location: Message = { path: '/~scheduler@1.0/location', url: b.url, nonce: 1 };
    await send(a, signedRequest('POST', { ...location, 'time-to-live': 3_600_000 }, scheduler));
    const pid = await spawn(b, processMessage(scheduler.address, 'counter@1.0'), client);
    for (let slot = 1; slot <= SLOTS; slot += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, SLOTS - slot + 1) }, () =>
          schedule(b, pid, { n: 1 }, client),
        ),
      );
    }
    const local = await computeRate(b, pid, 'B computes its own schedule');
    report('remote compute on A (slots/s)', await computeRate(a, pid, 'A from B'), local);
  } finally {
    await a.stop();
    await b.stop();
  }
}

await relayed();
await remoteCompute();
