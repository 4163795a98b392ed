/**
 * Charged requests: the same signed `GET /~message@1.0&a=1/a` (replayed by
 * autocannon) against a node process charging it through p4@1.0 and
 * simple-pay@1.0 (a balance check before, a charge after), and against a
 * node process without the hooks, same run.
 */
import autocannon from 'autocannon';
import { clusterDir, startNodeProcess } from '../test/support/cluster.ts';
import { quickWallet } from '../test/support/node.ts';
import { signedRequest } from '../test/support/signing.ts';
import { report } from './harness.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PATH = '/~message@1.0&a=1/a';
const HOOK = {
  device: 'p4@1.0',
  'pricing-device': 'simple-pay@1.0',
  'ledger-device': 'simple-pay@1.0',
};

const client = quickWallet();
const request = signedRequest('GET', { path: PATH }, client);

async function load(url: string, name: string) {
  const result = await autocannon({
    url: `${url}${PATH}`,
    headers: request.headers as Record<string, string>,
    connections: 16,
    duration: SECONDS,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: failed requests`);
  return { name, opsPerSec: result.requests.average };
}

const files = clusterDir();
const nodes = [];
try {
  const plain = await startNodeProcess(files.dir, 'plain', { force_signed: false });
  nodes.push(plain);
  const charging = await startNodeProcess(files.dir, 'charging', {
    force_signed: false,
    on: { request: HOOK, response: HOOK },
    simple_pay_ledger: { [client.address]: Number.MAX_SAFE_INTEGER },
  });
  nodes.push(charging);
  const baseline = await load(plain.url, 'no p4 hooks');
  report('signed GET, charged (p4 + simple-pay)', await load(charging.url, 'charged'), baseline);
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  files.remove();
}
