/**
 * p4@1.0 with a Lua ledger in a node process (network.md §2.3, item 2;
 * HyperBEAM's `dev_p4:lua_pricing_test`, May 2025): the ledger is the node
 * process `ledger` running p4-payment-process.lua, and p4's ledger device is
 * lua@5.3a running p4-payment-client.lua against it. Both scripts are the
 * fixtures' as they are, read at test time. The client speaks the May 2025
 * protocol (`debit`), hence `p4_legacy_debit` (and its 429 for a shortfall).
 * The ledger's routes are free (`/*~node-process@1.0/*`, given as HyperBEAM
 * gives routes: `{template}`); the greeting costs 2 (two messages at price 1).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { quickWallet, type RawRequest, send, startTestNode } from '../support/node.ts';
import { sharedPath } from '../support/shared.ts';
import { signedRequest } from '../support/signing.ts';

const script = (file: string) => readFileSync(sharedPath('fixtures', 'lua', file), 'utf8');
const luaModule = (file: string, body: string): Message => ({
  'content-type': 'text/x-lua',
  name: `scripts/${file}`,
  body,
});

/** A node set up as in `lua_pricing_test`. */
function startLedgerNode(host: Wallet): Promise<RunningNode> {
  const processor: Message = {
    device: 'p4@1.0',
    'ledger-device': 'lua@5.3a',
    'pricing-device': 'simple-pay@1.0',
    module: luaModule('p4-payment-client.lua', script('p4-payment-client.lua')),
    'ledger-path': '/ledger~node-process@1.0',
  };
  return startTestNode({
    wallet: host,
    config: {
      force_signed: false,
      operator: host.address,
      p4_legacy_debit: true,
      p4_non_chargable_routes: [{ template: '/*~node-process@1.0/*' }],
      on: { request: processor, response: processor },
      node_processes: {
        ledger: {
          device: 'process@1.0',
          'execution-device': 'lua@5.3a',
          'scheduler-device': 'scheduler@1.0',
          module: luaModule('p4-payment-process.lua', script('p4-payment-process.lua')),
          operator: host.address,
        },
      },
    },
  });
}

/**
 * A credit of `quantity` to `recipient` signed by `signer`, scheduled on the
 * ledger in a request `sender` signs (the operator signs both in HyperBEAM's test).
 */
const creditNotice = (
  signer: Wallet,
  sender: Wallet,
  recipient: string,
  quantity: number,
): RawRequest =>
  signedRequest(
    'POST',
    {
      path: '/ledger~node-process@1.0/schedule',
      body: signHttpsig({ path: 'credit-notice', quantity, recipient }, signer),
    },
    sender,
  );

const balancePath = (wallet: Wallet) => `/ledger~node-process@1.0/now/balance/${wallet.address}`;

const greeting = (client: Wallet) =>
  signedRequest('GET', { path: '/greeting', greeting: 'Hello, world!' }, client);

/** A node set up as in `lua_pricing_test`, with its operator and a client; stopped after `test`. */
async function withLedgerNode(
  test: (node: RunningNode, host: Wallet, client: Wallet) => Promise<void>,
): Promise<void> {
  const host = quickWallet();
  const node = await startLedgerNode(host);
  try {
    await test(node, host, quickWallet());
  } finally {
    await node.stop();
  }
}

describe('p4@1.0 with a Lua ledger in a node process (lua_pricing_test)', () => {
  it('refuses an unfunded client, serves it after a credit of 100, and charges 2', () =>
    withLedgerNode(async (node, host, client) => {
      const request = greeting(client);
      const refused = await send(node, request);
      assert.equal(refused.status, 429, refused.text);
      assert.equal(refused.text, 'Insufficient funds');
      const credited = await send(node, creditNotice(host, host, client.address, 100));
      assert.equal(credited.status, 200, credited.text);
      const served = await send(node, request);
      assert.equal(served.status, 200, served.text);
      assert.equal(served.text, 'Hello, world!');
      const balance = await send(node, { path: balancePath(client) });
      assert.equal(balance.status, 200, balance.text);
      assert.equal(balance.text, '98');
    }));

  it('runs a credit-notice as its own key, and refuses one the operator did not sign', () =>
    withLedgerNode(async (node, host, client) => {
      assert.notEqual((await send(node, { path: balancePath(client) })).status, 200);
      const credited = await send(node, creditNotice(host, host, client.address, 100));
      assert.equal(credited.status, 200, credited.text);
      // The reply is the assignment. Its `path` is the scheduled message's (as
      // HyperBEAM's dev_scheduler_server:do_assign sets it), so process@1.0 calls
      // the script's `credit-notice` with the assignment itself; the script's
      // `compute` (which would pass on `assignment.body`) runs only for slot 0.
      assert.equal(credited.headers.path, 'credit-notice');
      assert.equal((await send(node, { path: balancePath(client) })).text, '100');

      // The client credits itself: scheduled, computed, and refused by the script.
      const forged = await send(node, creditNotice(client, client, client.address, 1000));
      assert.equal(forged.status, 200, forged.text);
      const result = (key: string) =>
        send(node, { path: `/ledger~node-process@1.0/now/result/${key}` });
      assert.equal((await result('status')).text, 'error');
      assert.equal((await result('error')).text, 'Operator signature required.');
      assert.equal((await send(node, { path: balancePath(client) })).text, '100');
      const served = await send(node, greeting(client));
      assert.equal(served.status, 200, served.text);
      assert.equal((await send(node, { path: balancePath(client) })).text, '98');
    }));
});
