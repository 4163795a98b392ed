/**
 * Signed `POST /<pid>/schedule` over HTTP, one at a time, to a node on an
 * LMDB store: each answer is a signed assignment, stored before it is sent.
 * The client's messages are signed beforehand (the node's work is measured,
 * not the client's); the one and the eight clients keep their connections
 * alive, as fetch-based clients (aoconnect) do, while the fifty open one per
 * request (Node answers new connections after busy kept-alive ones, so the
 * fifty's p99 would measure that, not the node). Baseline: raw RSA-PSS-4096
 * signatures, one at a time on one thread, with node:crypto (each
 * assignment needs one).
 */

import { constants, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWallet, quickWallet, type RawRequest, send } from '../test/support/node.ts';
import { processMessage, spawn } from '../test/support/processes.ts';
import { signedRequest } from '../test/support/signing.ts';
import { report } from './harness.ts';
import { startLmdbNode } from './node.ts';

const MESSAGES = Number(process.env.BENCH_SCHEDULES ?? 150);

function rawSigns(seconds: number) {
  const key = createPrivateKey({ key: nodeWallet.jwk as never, format: 'jwk' });
  const data = Buffer.alloc(512, 7);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    sign('sha512', data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
    n++;
  }
  return {
    name: 'RSA-PSS-4096 signs, one thread',
    opsPerSec: n / ((performance.now() - start) / 1000),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-schedule-'));
const node = await startLmdbNode(dir, nodeWallet);
try {
  const client = quickWallet();
  const pid = await spawn(node, processMessage(node.address, 'test-device@1.0'), client);
  const requests: RawRequest[] = Array.from({ length: MESSAGES }, (_, i) =>
    signedRequest(
      'POST',
      { type: 'Message', target: pid, action: 'Bench', n: String(i), path: `/${pid}/schedule` },
      client,
    ),
  );
  const kept = new Agent({ keepAlive: true, maxSockets: 64 });
  const start = performance.now();
  for (const req of requests) {
    const res = await send(node, req, kept);
    if (res.status !== 200) throw new Error(`schedule failed: ${res.status} ${res.text}`);
  }
  const ours = { name: 'schedules', opsPerSec: MESSAGES / ((performance.now() - start) / 1000) };
  const oneThread = rawSigns(2);
  report('sequential signed schedules (HTTP, LMDB)', ours, oneThread);

  // Concurrent clients: throughput against two signing threads, and the slowest answers.
  for (const clients of [8, 50]) {
    const batch = Array.from({ length: MESSAGES }, (_, i) =>
      signedRequest(
        'POST',
        {
          type: 'Message',
          target: pid,
          action: 'Bench',
          n: `c${clients}-${i}`,
          path: `/${pid}/schedule`,
        },
        client,
      ),
    );
    const latencies: number[] = [];
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < batch.length) {
          const req = batch[next++] as RawRequest;
          const sent = performance.now();
          const res = await send(node, req, clients <= 8 ? kept : false);
          if (res.status !== 200) throw new Error(`schedule failed: ${res.status} ${res.text}`);
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const rate = {
      name: 'schedules',
      opsPerSec: batch.length / ((performance.now() - began) / 1000),
    };
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
    const twoThreads = {
      name: 'RSA-PSS-4096 signs, two threads',
      opsPerSec: oneThread.opsPerSec * 2,
    };
    report(`${clients} concurrent clients (p99 ${p99.toFixed(0)} ms)`, rate, twoThreads);
  }
  kept.destroy();
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
