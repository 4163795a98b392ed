/**
 * The current @permaweb/aoconnect (`connect({ MODE: 'mainnet' })`) against a
 * node started here, for both execution paths: legacy AOS on genesis-wasm
 * (what aoconnect spawns) and the wasm-64 AOS stack (chosen by spawn tags).
 * Every request is an ANS-104 item signed by an Arweave key or an Ethereum
 * key; the flows are those of permaweb/ao's ao-core client test: spawn,
 * message, result (by slot and by message ID), results, dryrun, and the
 * errors a client gets wrong.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EthereumSigner } from '@dha-team/arbundles';
import type { RunningNode } from '../../src/http/server.ts';
import {
  type LegacyResult,
  type Mainnet,
  mainnet,
  rsaSigner,
  type Signer,
  type Tag,
  tags,
} from '../support/aoconnect.ts';
import { importModule } from '../support/aos.ts';
import { quickWallet, startTestNode } from '../support/node.ts';

/** An aoconnect signer over an Ethereum key (ANS-104 signature type 3, or an HTTP signature). */
function ethereumSigner(): Signer {
  const eth = new EthereumSigner('11'.repeat(32));
  return async (create) => {
    const hash = await create({ type: 3, publicKey: eth.publicKey, alg: 'secp256k1' });
    return { signature: await eth.sign(hash), address: eth.publicKey.toString('hex') };
  };
}

const HANDLERS = `
Handlers.add("Twice", "Twice", function (msg)
  msg.reply({ Data = "first" })
  Send({ Target = msg.From, Data = "second" })
end)
Counter = 0
return "ready"`;

interface Flavour {
  name: string;
  module: string;
  /** Spawn tags beyond aoconnect's own. */
  tags(module: string): Tag[];
}

const flavours: Flavour[] = [
  { name: 'genesis-wasm (legacy AOS)', module: 'aos-2.0.0-legacy-wasm64.wasm', tags: () => [] },
  {
    name: 'wasm-64 AOS stack',
    module: 'aos-2-pure-xs.wasm',
    tags: (image) =>
      tags({
        'execution-device': 'stack@1.0',
        'device-stack': '"WASI@1.0", "JSON-Iface@1.0", "WASM-64@1.0", "Multipass@1.0"',
        'stack-keys': '"init", "compute", "snapshot", "normalize"',
        'output-prefix': 'wasm',
        passes: '2',
        image,
        'ao-types': 'device-stack="list", passes="integer", stack-keys="list"',
      }),
  },
];

for (const flavour of flavours) {
  describe(`aoconnect mainnet: ${flavour.name}`, () => {
    let dir: string;
    let node: RunningNode;
    let module: string;
    let ao: Mainnet;
    let pid: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hb-aoconnect-'));
      node = await startTestNode({
        config: { store: [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }] },
        wallet: quickWallet(),
      });
      module = await importModule(node, flavour.module);
      ao = mainnet(node.url, rsaSigner);
      pid = await ao.spawn({ module, tags: [...tags({ Name: 'Test' }), ...flavour.tags(module)] });
    });
    after(async () => {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('spawns: the process ID comes back in the `process` header', () => {
      assert.match(pid, /^[A-Za-z0-9_-]{43}$/);
    });

    it('messages, and reads the result by slot and by message ID alike', async () => {
      const slot = await ao.message({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: '1 + 1',
      });
      assert.equal(typeof slot, 'number');
      const bySlot = await ao.result({ process: pid, slot: slot as number });
      assert.equal(bySlot.Output.data, '2');
      assert.deepEqual(bySlot.Messages, []);

      const sent = (await ao.message({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: '6 * 7',
        returnMessageId: true,
        returnAssignmentSlot: true,
      })) as { id: string; slot: number };
      assert.match(sent.id, /^[A-Za-z0-9_-]{43}$/);
      const byId = await ao.result({ process: pid, message: sent.id });
      const bySentSlot = await ao.result({ process: pid, slot: sent.slot });
      assert.equal(byId.Output.data, '42');
      assert.deepEqual(byId, bySentSlot);
      // The earlier slot's result is unchanged by later ones.
      assert.deepEqual(await ao.result({ process: pid, slot: slot as number }), bySlot);
    });

    it('gives the full response of a message, and the latest result as `results`', async () => {
      const full = (await ao.message({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: '"full"',
        opts: { fullResponse: true },
      })) as LegacyResult;
      assert.equal(full.Output.data, 'full');
      assert.deepEqual(full.Messages, []);
      const current = await (await ao.request({ path: `/${pid}/slot/current` })).text();
      assert.ok(Number.isInteger(Number(current)), current);
      const { edges } = await ao.results({ process: pid });
      assert.equal(edges.length, 1);
      assert.equal(edges[0]?.cursor, current);
      assert.deepEqual(edges[0]?.node, await ao.result({ process: pid, slot: current }));
    });

    it('dryruns on the latest state without advancing the process', async () => {
      await ao.message({ process: pid, tags: tags({ Action: 'Eval' }), data: HANDLERS });
      const slotBefore = await (await ao.request({ path: `/${pid}/slot/current` })).text();
      const twice = await ao.dryrun({ process: pid, tags: tags({ Action: 'Twice' }) });
      assert.equal(twice.Messages.length, 2);
      assert.deepEqual(
        twice.Messages.map((m) => m.Data),
        ['first', 'second'],
      );
      const changed = await ao.dryrun({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: 'Counter = Counter + 100; return Counter',
      });
      assert.equal(changed.Output.data, '100');
      // Neither dryrun was scheduled, nor left its change behind.
      assert.equal(await (await ao.request({ path: `/${pid}/slot/current` })).text(), slotBefore);
      const real = await ao.message({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: 'Counter = Counter + 1; return Counter',
      });
      assert.equal((await ao.result({ process: pid, slot: real as number })).Output.data, '1');
      // A dryrun after it sees the message's change (the memory kept for dryruns is renewed).
      const after = await ao.dryrun({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: 'Counter = Counter + 100; return Counter',
      });
      assert.equal(after.Output.data, '101');
    });

    it('takes messages signed by an Ethereum key', async () => {
      const eth = mainnet(node.url, ethereumSigner());
      const slot = await eth.message({
        process: pid,
        tags: tags({ Action: 'Eval' }),
        data: '3 + 4',
      });
      // Eval from a key that does not own the process is not run: it lands in the inbox.
      const result = await eth.result({ process: pid, slot: slot as number });
      assert.match(String(result.Output.data), /New Message From/);
      const spawned = await eth.spawn({ module, tags: flavour.tags(module) });
      const own = await eth.message({
        process: spawned,
        tags: tags({ Action: 'Eval' }),
        data: '3 + 4',
      });
      assert.equal((await eth.result({ process: spawned, slot: own as number })).Output.data, '7');
    });
  });
}

describe('aoconnect mainnet: requests it gets wrong', () => {
  let node: RunningNode;
  let ao: Mainnet;
  let pid: string;
  before(async () => {
    node = await startTestNode({ wallet: quickWallet() });
    const module = await importModule(node, 'aos-2.0.0-legacy-wasm64.wasm');
    ao = mainnet(node.url, rsaSigner);
    pid = await ao.spawn({ module });
  });
  after(() => node.stop());

  const post = (path: string, fields: Record<string, unknown>) =>
    ao.request({
      path,
      'signing-format': 'ans104',
      'accept-bundle': 'true',
      'require-codec': 'application/json',
      ...fields,
    });

  it('an unknown process: 404, and aoconnect reports the error', async () => {
    const unknown = 'x'.repeat(43);
    const res = await post(`/${unknown}~process@1.0/push`, { target: unknown, Action: 'Eval' });
    assert.equal(res.status, 404);
    await assert.rejects(
      ao.message({ process: unknown, tags: tags({ Action: 'Eval' }), data: '1' }),
      /Error sending message/,
    );
    await assert.rejects(ao.result({ process: unknown, slot: 1 }), /Error getting result/);
  });

  it('a message whose target is another process: 400', async () => {
    const other = 'y'.repeat(43);
    const res = await post(`/${pid}~process@1.0/push`, { target: other, Action: 'Eval' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /target/);
  });

  it('an unsigned message: 400', async () => {
    const res = await fetch(`${node.url}/${pid}~process@1.0/push`, {
      method: 'POST',
      headers: { target: pid, action: 'Eval', 'require-codec': 'application/json' },
      body: '1 + 1',
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /signed/);
  });

  it('a slot that is not scheduled yet: 404', async () => {
    const res = await post(`/${pid}~process@1.0/compute/results=99`, { target: pid });
    assert.equal(res.status, 404);
  });
});
