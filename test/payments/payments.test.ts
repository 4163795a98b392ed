/**
 * p4@1.0 with simple-pay@1.0 and faff@1.0 over HTTP, configured as a
 * HyperBEAM operator would (`on` request and response hooks): HyperBEAM's
 * test vectors (network.md §2.5), free and charged routes, top-ups, refusals
 * that change no balance, 50 concurrent charges, and balances that survive a
 * SIGTERM and a SIGKILL restart of a node process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { committersOf, verifyMessage } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { defineDevice, ok } from '../../src/engine/device.ts';
import { parseHyperpath } from '../../src/engine/hyperpath.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { clusterDir, prepareNode } from '../support/cluster.ts';
import { quickWallet, send, startTestNode } from '../support/node.ts';
import { signedRequest } from '../support/signing.ts';

const HOOK = {
  device: 'p4@1.0',
  'pricing-device': 'simple-pay@1.0',
  'ledger-device': 'simple-pay@1.0',
};
const paid = (extra: Message = {}): Message => ({
  on: { request: HOOK, response: HOOK },
  force_signed: false,
  ...extra,
});

const get = (node: { port: number }, path: string, wallet?: Wallet) =>
  send(node, wallet ? signedRequest('GET', { path }, wallet) : { path });

const topup = (node: { port: number }, wallet: Wallet, fields: Message) =>
  send(node, signedRequest('POST', { path: '/~simple-pay@1.0/topup', ...fields }, wallet));

const balanceOf = async (node: { port: number }, wallet: Wallet) =>
  Number((await get(node, '/~p4@1.0/balance', wallet)).text);

describe('p4@1.0 with simple-pay@1.0', () => {
  const operator = quickWallet();
  const client = quickWallet();
  const other = quickWallet();
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({
      wallet: operator,
      config: paid({ simple_pay_price: 10, simple_pay_ledger: { [client.address]: 100 } }),
    });
  });
  after(() => node.stop());

  it('get_balance_and_top_up_test: 100, a top-up of 100 after a charge of 20, 180', async () => {
    const first = await get(node, '/~simple-pay@1.0/balance', client);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.text, '100');
    const topped = await topup(node, operator, { amount: 100, recipient: client.address });
    assert.equal(topped.status, 200, topped.text);
    assert.equal(topped.text, '180');
    // A free route: asking costs nothing.
    assert.equal(await balanceOf(node, client), 180);
    assert.equal(await balanceOf(node, client), 180);
  });

  it('non_chargable_route_test: free routes answer everyone, charged ones need funds', async () => {
    assert.equal(await balanceOf(node, other), 0);
    assert.equal((await get(node, '/~meta@1.0/info/operator', other)).text, operator.address);
    const refused = await get(node, '/~scheduler@1.0/status', other);
    assert.equal(refused.status, 402, refused.text);
    assert.equal(refused.text, 'Insufficient funds');
    assert.equal(refused.headers.price, '20');
    assert.equal(refused.headers.balance, '0');
    assert.equal(await balanceOf(node, other), 0, 'a refused request costs nothing');
  });

  it('charges exactly the price, per message of the request', async () => {
    const path = '/~message@1.0&a=1/a';
    const price = parseHyperpath(path).length * 10;
    const before = await balanceOf(node, client);
    const res = await get(node, path, client);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '1');
    assert.equal(await balanceOf(node, client), before - price);
  });

  it('asks nothing of the operator, whose requests are free', async () => {
    const res = await get(node, '/~scheduler@1.0/status', operator);
    assert.equal(res.status, 200, res.text);
  });

  it('refuses bad top-ups and odd requests without changing a balance', async () => {
    const before = await balanceOf(node, client);
    const byClient = await topup(node, client, { amount: 50, recipient: client.address });
    assert.equal(byClient.status, 400);
    assert.equal(byClient.text, 'Unauthorized');
    for (const amount of [-5, '1.5', 'ten']) {
      const bad = await topup(node, operator, { amount, recipient: client.address });
      assert.equal(bad.status, 400, `amount ${amount}: ${bad.text}`);
    }
    assert.equal((await topup(node, operator, { amount: 5 })).status, 400, 'no recipient');
    // Unsigned, on a charged route: the unknown account has nothing.
    const unsigned = await get(node, '/~scheduler@1.0/status');
    assert.equal(unsigned.status, 402, unsigned.text);
    // Signed by two: nobody to charge.
    const both = signHttpsig({ path: '/~scheduler@1.0/status' }, other);
    const twice = await send(node, signedRequest('GET', both, client));
    assert.equal(twice.status, 400, twice.text);
    assert.match(twice.text, /Multiple signers/);
    // A charge not made by the node.
    const forged = await send(
      node,
      signedRequest(
        'POST',
        { path: '/~simple-pay@1.0/charge', quantity: 50, request: { x: 1 } },
        client,
      ),
    );
    assert.equal(forged.status, 403, forged.text);
    assert.equal(await balanceOf(node, client), before);
  });

  it('takes exactly 50 prices for 50 concurrent charged requests', async () => {
    const path = '/~message@1.0&n=2/n';
    const price = parseHyperpath(path).length * 10;
    await topup(node, operator, { amount: 50 * price, recipient: client.address });
    const before = await balanceOf(node, client);
    const replies = await Promise.all(Array.from({ length: 50 }, () => get(node, path, client)));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    assert.equal(await balanceOf(node, client), before - 50 * price);
  });

  it('has no balance to give without p4 as the request hook', async () => {
    const bare = await startTestNode({ config: { force_signed: false } });
    try {
      const res = await get(bare, '/~p4@1.0/balance', client);
      assert.equal(res.status, 400);
      assert.equal(res.text, 'No request hook found.');
    } finally {
      await bare.stop();
    }
  });
});

describe('p4@1.0 with faff@1.0', () => {
  const allowed = quickWallet();
  const stranger = quickWallet();
  let node: RunningNode;
  before(async () => {
    const hook = { device: 'p4@1.0', 'pricing-device': 'faff@1.0', 'ledger-device': 'faff@1.0' };
    node = await startTestNode({
      config: {
        on: { request: hook, response: hook },
        faff_allow_list: [allowed.address],
        force_signed: false,
      },
    });
  });
  after(() => node.stop());

  it('serves the allow list, and unsigned requests; refuses everyone else', async () => {
    const path = '/~message@1.0&greeting=hello/greeting';
    assert.equal((await get(node, path, allowed)).text, 'hello');
    assert.equal((await get(node, path)).text, 'hello');
    const refused = await get(node, path, stranger);
    assert.equal(refused.status, 400);
    assert.equal(refused.text, 'Node will not service this request under any circumstances.');
  });
});

describe('p4@1.0 with a ledger of its own', () => {
  it('sends it each charge signed by the node, for p4_recipient', async () => {
    const charges: Message[] = [];
    const ledger = defineDevice({
      name: 'test-ledger@1.0',
      keys: {
        balance: () => ok(1000),
        charge: (_base, req) => {
          charges.push(req);
          return ok(true);
        },
      },
    });
    const recipient = quickWallet().address;
    const hook = { ...HOOK, 'ledger-device': 'test-ledger@1.0' };
    const operator = quickWallet();
    const node = await startTestNode({
      wallet: operator,
      devices: createDeviceRegistry([ledger]),
      config: {
        on: { request: hook, response: hook },
        p4_recipient: recipient,
        force_signed: false,
      },
    });
    try {
      const client = quickWallet();
      assert.equal((await get(node, '/~message@1.0&a=1/a', client)).status, 200);
      assert.equal(charges.length, 1);
      const [charge] = charges as [Message];
      assert.equal(charge.recipient, recipient);
      assert.equal(charge.account, client.address);
      assert.equal(charge.quantity, parseHyperpath('/~message@1.0&a=1/a').length);
      assert.deepEqual(committersOf(charge), [operator.address]);
      assert.ok(await verifyMessage(charge, {}, createCodecRegistry()));
    } finally {
      await node.stop();
    }
  });
});

describe('p4@1.0 with the May 2025 protocol (p4_legacy_debit)', () => {
  it('answers a shortfall with 429', async () => {
    const node = await startTestNode({ config: paid({ p4_legacy_debit: true }) });
    try {
      const res = await get(node, '/~scheduler@1.0/status', quickWallet());
      assert.equal(res.status, 429, res.text);
    } finally {
      await node.stop();
    }
  });
});

describe('simple-pay@1.0 balances in a node process', () => {
  const files = clusterDir();
  after(() => files.remove());

  it('are kept across a SIGTERM and a SIGKILL restart', async () => {
    const client = quickWallet();
    const operator = quickWallet();
    const config = paid({ simple_pay_price: 3, simple_pay_ledger: { [client.address]: 1000 } });
    const prepared = prepareNode(files.dir, 'paid', config, operator);
    const path = '/~message@1.0&k=v/k';
    const price = parseHyperpath(path).length * 3;

    let node = await prepared.start();
    for (let i = 0; i < 4; i++) assert.equal((await get(node, path, client)).status, 200);
    assert.equal(
      (await topup(node, operator, { amount: 7, recipient: client.address })).text,
      String(1000 - 4 * price + 7),
    );
    await node.stop();

    node = await prepared.start();
    // The seed is not applied again: the balance is what was kept.
    assert.equal(await balanceOf(node, client), 1000 - 4 * price + 7);
    const acknowledged = await Promise.all(
      Array.from({ length: 10 }, () => get(node, path, client)),
    );
    assert.deepEqual(new Set(acknowledged.map((r) => r.status)), new Set([200]));
    await node.kill();

    node = await prepared.start();
    try {
      assert.equal(await balanceOf(node, client), 1000 - 14 * price + 7);
    } finally {
      await node.stop();
    }
  });
});
