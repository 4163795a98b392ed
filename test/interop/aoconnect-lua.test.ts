/**
 * The current @permaweb/aoconnect against a Lua process (hyper-aos on
 * lua@5.3a), as aoconnect.test.ts does for the WebAssembly ones: spawn,
 * message, result (by slot and by message ID), results, dryrun.
 *
 * The hyper-aos fixture recognises only HTTP-signed (rsa-pss-sha512)
 * signers: its ANS-104 branch looks for `alg: signed` (lua.md §6.5), and its
 * authority rule reads a copy of `ao` that never gets the authorities (§2.4).
 * aoconnect's `spawn`, `message` and `dryrun` sign ANS-104 items, so what
 * they send runs as a stranger's ("Message is not trusted.", as on
 * HyperBEAM); its `request` signs HTTP (its default), so the owner spawns and
 * Evals through it. Results are read with aoconnect's own `result`,
 * `results` and `dryrun`, through the legacy view of a Lua process's results.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { walletFromJwk } from '../../src/crypto/wallet.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { jwk, type Mainnet, mainnet, rsaSigner, tags } from '../support/aoconnect.ts';
import { importModule } from '../support/aos.ts';
import { quickWallet, startTestNode } from '../support/node.ts';

const AO = { 'data-protocol': 'ao', variant: 'ao.N.1' };
const NOT_TRUSTED = { data: 'Message is not trusted.' };

describe('aoconnect mainnet: a Lua process (hyper-aos)', () => {
  let dir: string;
  let node: RunningNode;
  let module: string;
  let ao: Mainnet;
  let pid: string;
  let scheduler: string;

  /** The owner's message, HTTP-signed by aoconnect's `request`; returns its slot and ID. */
  const push = async (fields: Record<string, string>) => {
    const res = await ao.request({
      path: `/${pid}~process@1.0/push`,
      method: 'POST',
      type: 'Message',
      target: pid,
      ...AO,
      ...fields,
      'require-codec': 'application/json',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { slot: number };
    return { slot: body.slot, id: res.headers.get('id') ?? '' };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hb-aoconnect-lua-'));
    node = await startTestNode({
      config: { store: [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }] },
      wallet: quickWallet(),
    });
    scheduler = node.node.services.wallet.address;
    module = await importModule(node, 'lua/hyper-aos.lua');
    ao = mainnet(node.url, rsaSigner);
    const spawned = await ao.request({
      path: '/push',
      method: 'POST',
      type: 'Process',
      device: 'process@1.0',
      'scheduler-device': 'scheduler@1.0',
      'push-device': 'push@1.0',
      'execution-device': 'lua@5.3a',
      scheduler,
      authority: scheduler,
      module,
      ...AO,
      data: '1984',
    });
    assert.equal(spawned.status, 200, await spawned.text());
    pid = spawned.headers.get('process') ?? '';
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spawns through `request`: the process ID comes back in the `process` header', () => {
    assert.match(pid, /^[A-Za-z0-9_-]{43}$/);
  });

  it('Evals the owner’s message, read back by slot and by message ID alike', async () => {
    const two = await push({ action: 'Eval', data: '1 + 1' });
    const bySlot = await ao.result({ process: pid, slot: two.slot });
    assert.deepEqual(bySlot.Output, { data: '2', prompt: 'aos> ' });
    assert.deepEqual(bySlot.Messages, []);
    assert.deepEqual(await ao.result({ process: pid, message: two.id }), bySlot);
    const later = await push({ action: 'Eval', data: '6 * 7' });
    assert.equal((await ao.result({ process: pid, slot: later.slot })).Output.data, '42');
    // The earlier slot's result is unchanged by later ones.
    assert.deepEqual(await ao.result({ process: pid, slot: two.slot }), bySlot);
  });

  it('gives Send and msg.reply as legacy Messages (Target, Data, Tags)', async () => {
    await push({
      action: 'Eval',
      data: 'Handlers.add("ping", "Ping", function(msg) msg.reply({Data = "pong"}) end)',
    });
    const ping = await push({ action: 'Ping', data: 'hi' });
    const [reply] = (await ao.result({ process: pid, slot: ping.slot })).Messages;
    assert.equal(reply?.Target, walletFromJwk(jwk).address);
    assert.equal(reply?.Data, 'pong');
    assert.ok(reply?.Tags?.some((t) => t.name === 'Reference' && t.value === '1'));
    const sent = await push({
      action: 'Eval',
      data: "Send({Target = 'Foo', Data = 'Bar', Action = 'Note'})",
    });
    const [note] = (await ao.result({ process: pid, slot: sent.slot })).Messages;
    assert.equal(note?.Target, 'Foo');
    assert.equal(note?.Data, 'Bar');
    assert.ok(note?.Tags?.some((t) => t.name === 'Action' && t.value === 'Note'));
  });

  it('runs ANS-104 messages as a stranger’s, as hyper-aos does on HyperBEAM', async () => {
    const slot = await ao.message({ process: pid, tags: tags({ Action: 'Eval' }), data: '3 + 4' });
    assert.equal(typeof slot, 'number');
    assert.deepEqual((await ao.result({ process: pid, slot: slot as number })).Output, NOT_TRUSTED);
    // A process aoconnect's own `spawn` makes (ANS-104) has no owner hyper-aos can recognise.
    const spawned = await ao.spawn({
      module,
      tags: tags({ 'execution-device': 'lua@5.3a' }),
    });
    const own = await ao.message({ process: spawned, tags: tags({ Action: 'Eval' }), data: '1' });
    assert.deepEqual(
      (await ao.result({ process: spawned, slot: own as number })).Output,
      NOT_TRUSTED,
    );
  });

  it('gives the latest result as `results`', async () => {
    const last = await push({ action: 'Eval', data: '"latest"' });
    const { edges } = await ao.results({ process: pid });
    assert.equal(edges.length, 1);
    assert.equal(edges[0]?.cursor, String(last.slot));
    assert.equal(edges[0]?.node.Output.data, 'latest');
  });

  it('dryruns on the latest state without advancing the process', async () => {
    await push({ action: 'Eval', data: 'Counter = 0; return Counter' });
    const before = await (await ao.request({ path: `/${pid}/slot/current` })).text();
    // aoconnect's dryrun signs an ANS-104 item: a stranger's, not run.
    assert.deepEqual(
      (await ao.dryrun({ process: pid, tags: tags({ Action: 'Eval' }) })).Output,
      NOT_TRUSTED,
    );
    // The same dryrun HTTP-signed by the owner runs on a copy of the latest state.
    const dryrun = async (code: string) => {
      const res = await ao.request({
        path: `/${pid}~process@1.0/as=execution/compute&action=Eval`,
        method: 'POST',
        target: pid,
        data: code,
        'require-codec': 'application/json',
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { raw: { Output: { data: string } } }).raw.Output.data;
    };
    assert.equal(await dryrun('Counter = Counter + 100; return Counter'), '100');
    assert.equal(await dryrun('Counter = Counter + 100; return Counter'), '100');
    assert.equal(await (await ao.request({ path: `/${pid}/slot/current` })).text(), before);
    const real = await push({ action: 'Eval', data: 'Counter = Counter + 1; return Counter' });
    assert.equal((await ao.result({ process: pid, slot: real.slot })).Output.data, '1');
    assert.equal(await dryrun('Counter = Counter + 100; return Counter'), '101');
    // Unsigned: no signer to trust, and no Lua error either.
    const unsigned = await fetch(
      `${node.url}/${pid}~process@1.0/as=execution/compute&action=Eval`,
      {
        headers: { 'require-codec': 'application/json' },
      },
    );
    assert.equal(unsigned.status, 200);
    assert.deepEqual(((await unsigned.json()) as { output: unknown }).output, NOT_TRUSTED);
  });
});
