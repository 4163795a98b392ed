/**
 * The real aoconnect against a node (LMDB store, legacy AOS on genesis-wasm):
 * `message` + `result` round trips, and `dryrun`s (each on the process's live
 * instance, its memory put back afterwards), per second. Baseline: arbundles creating and
 * signing the same ANS-104 item with the same RSA-4096 key, the client's own
 * share of every request, measured in this run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArweaveSigner, createData } from '@dha-team/arbundles';
import { connect, createSigner } from '@permaweb/aoconnect';
import { importModule } from '../test/support/aos.ts';
import { quickWallet } from '../test/support/node.ts';
import { sharedPath } from '../test/support/shared.ts';
import { type Measurement, report } from './harness.ts';
import { startLmdbNode } from './node.ts';

const N = Number(process.env.BENCH_AOCONNECT_ROUNDS ?? 40);
const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));
const tags = [{ name: 'Action', value: 'Eval' }];

async function rate(name: string, fn: () => Promise<unknown>): Promise<Measurement> {
  for (let i = 0; i < 3; i++) await fn();
  const start = performance.now();
  for (let i = 0; i < N; i++) await fn();
  return { name, opsPerSec: (N * 1000) / (performance.now() - start) };
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-aoconnect-'));
const node = await startLmdbNode(join(dir, 'store'), quickWallet());
try {
  const module = await importModule(node, 'aos-2.0.0-legacy-wasm64.wasm');
  const ao = connect({ MODE: 'mainnet', URL: node.url, signer: createSigner(jwk) }) as never as {
    spawn(a: object): Promise<string>;
    message(a: object): Promise<number>;
    result(a: object): Promise<unknown>;
    dryrun(a: object): Promise<unknown>;
  };
  const pid = await ao.spawn({ module });
  const signer = new ArweaveSigner(jwk);
  const baseline = await rate('arbundles sign', async () => {
    const item = createData('X = (X or 0) + 1', signer, { target: pid, tags });
    await item.sign(signer);
  });
  const roundTrip = await rate('aoconnect', async () => {
    const slot = await ao.message({ process: pid, tags, data: 'X = (X or 0) + 1' });
    await ao.result({ process: pid, slot });
  });
  report('aoconnect message + result (genesis-wasm)', roundTrip, baseline);
  const dryrun = await rate('aoconnect', () => ao.dryrun({ process: pid, tags, data: 'X' }));
  report('aoconnect dryrun (live instance, lent)', dryrun, baseline);
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
