/**
 * Charged requests: the same signed `GET /~message@1.0&a=1/a` (replayed by
 * autocannon) against a node process charging it through p4@1.0 and
 * simple-pay@1.0 (a balance check before, a charge after), and against a
 * node process without the hooks, same run.
 */
import { clusterDir, startNodeProcess } from '../test/support/cluster.ts';
import { quickWallet } from '../test/support/node.ts';
import { signedRequest } from '../test/support/signing.ts';
import { httpRate, report } from './harness.ts';

const PATH = '/~message@1.0&a=1/a';
const HOOK = {
  device: 'p4@1.0',
  'pricing-device': 'simple-pay@1.0',
  'ledger-device': 'simple-pay@1.0',
};

const client = quickWallet();
const headers = signedRequest('GET', { path: PATH }, client).headers as Record<string, string>;

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
  const baseline = await httpRate('no p4 hooks', `${plain.url}${PATH}`, { headers });
  report(
    'signed GET, charged (p4 + simple-pay)',
    await httpRate('charged', `${charging.url}${PATH}`, { headers }),
    baseline,
  );
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  files.remove();
}
