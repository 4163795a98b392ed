/**
 * The May 2025 client flows (aoconnect 0.0.85's `request` and the aos
 * console's `--mainnet` mode) against a node started here, for both
 * execution paths. Every request, GETs included, is HTTP-signed (by hbsig,
 * which signs as that aoconnect did); a 422 is retried once as an ANS-104
 * item, as the client does. The results are the same as through the current
 * aoconnect flow (`compute/results=N`, `require-codec: application/json`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import coreLibs from '@permaweb/ao-core-libs';
import { createSigner } from 'hbsig';
import type { RunningNode } from '../../src/http/server.ts';
import { importModule } from '../support/aos.ts';
import { quickWallet, startTestNode } from '../support/node.ts';
import { sharedPath } from '../support/shared.ts';

const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

interface Client {
  request(fields: Record<string, unknown>): Promise<Reply>;
}

const reply = async (res: Response): Promise<Reply> => ({
  status: res.status,
  headers: res.headers,
  text: await res.text(),
});

/** aoconnect 0.0.85's mainnet `request`: httpsig, and on 422 once more as ANS-104. */
function mainnetClient(url: string): Client {
  const sign = createSigner(jwk, url);
  const ans104 = coreLibs.init({ jwk, url });
  return {
    async request(fields) {
      const signed = await sign(fields);
      const res = await fetch(signed.url, {
        method: signed.method,
        headers: signed.headers,
        body: signed.method === 'GET' ? undefined : (signed.body as Blob | string | undefined),
      });
      if (res.status !== 422) return reply(res);
      return reply(await ans104.request({ ...fields, 'signing-format': 'ans104' }));
    },
  };
}

const flavours = [
  {
    name: 'genesis-wasm',
    module: 'aos-2.0.0-legacy-wasm64.wasm',
    fields: (): Record<string, unknown> => ({ 'execution-device': 'genesis-wasm@1.0' }),
  },
  {
    name: 'wasm-64 AOS stack',
    module: 'aos-2-pure-xs.wasm',
    fields: (image: string): Record<string, unknown> => ({
      'execution-device': 'stack@1.0',
      'device-stack': ['WASI@1.0', 'JSON-Iface@1.0', 'WASM-64@1.0', 'Multipass@1.0'],
      'stack-keys': ['init', 'compute', 'snapshot', 'normalize'],
      'output-prefix': 'wasm',
      passes: 2,
      image,
    }),
  },
];

for (const flavour of flavours) {
  describe(`aos --mainnet (May 2025 flows): ${flavour.name}`, () => {
    let node: RunningNode;
    let client: Client;
    let pid: string;
    let address: string;

    before(async () => {
      node = await startTestNode({ wallet: quickWallet() });
      address = node.node.services.wallet.address;
      const module = await importModule(node, flavour.module);
      client = mainnetClient(node.url);
      const spawned = await client.request({
        path: '/push',
        method: 'POST',
        type: 'Process',
        device: 'process@1.0',
        scheduler: address,
        'scheduler-device': 'scheduler@1.0',
        'push-device': 'push@1.0',
        'scheduler-location': address,
        'data-protocol': 'ao',
        variant: 'ao.N.1',
        authority: address,
        'aos-version': '2.0.6',
        module,
        ...flavour.fields(module),
        data: '1984',
      });
      assert.equal(spawned.status, 200, spawned.text);
      pid = spawned.headers.get('process') ?? '';
      assert.match(pid, /^[A-Za-z0-9_-]{43}$/);
    });
    after(() => node.stop());

    it('pushes a message and reads its legacy result from json/body', async () => {
      const pushed = await client.request({
        path: `/${pid}~process@1.0/push/serialize~json@1.0`,
        method: 'POST',
        type: 'Message',
        target: pid,
        action: 'Eval',
        'data-protocol': 'ao',
        variant: 'ao.N.1',
        data: '1 + 1',
      });
      assert.equal(pushed.status, 200, pushed.text);
      const body = JSON.parse(pushed.text);
      const legacy = JSON.parse(body.json.body);
      assert.equal(legacy.Output.data, '2');
      assert.deepEqual(legacy.Messages, []);
      const slot = body.slot as number;

      const current = await client.request({
        path: `/${pid}~process@1.0/slot/current/body/serialize~json@1.0`,
        method: 'GET',
      });
      assert.equal(current.status, 200, current.text);
      assert.equal(Number(JSON.parse(current.text).body), slot);

      const computed = await client.request({
        path: `/${pid}~process@1.0/compute&slot=${slot}/results/json/body/serialize~json@1.0`,
        method: 'GET',
      });
      assert.equal(computed.status, 200, computed.text);
      assert.deepEqual(JSON.parse(JSON.parse(computed.text).body), legacy);

      // The same result through the current aoconnect flow.
      const current2025 = await fetch(`${node.url}/${pid}~process@1.0/compute/results=${slot}`, {
        headers: { 'require-codec': 'application/json' },
      });
      assert.deepEqual(((await current2025.json()) as { raw: unknown }).raw, legacy);
    });
  });
}
