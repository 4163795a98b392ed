/**
 * Unit tests for the block an assignment is made at: the zero block in debug
 * mode, and in prod mode the gateway's current block (fetch is stubbed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { type NodeConfig, parseConfig } from '../config/schema.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import type { Context } from '../engine/context.ts';
import { currentBlock, ZERO_BLOCK } from './block.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
/** A context of one node with these options (its block clock shared by them all). */
const node = createContext({ wallet });
const configured = (config: Message): Context => ({
  ...node,
  config: { ...node.config, ...parseConfig(config) } as NodeConfig,
});

const realFetch = globalThis.fetch;
const calls: string[] = [];
let reply: () => Promise<Response> = () => Promise.reject(new Error('offline'));

before(() => {
  globalThis.fetch = ((url: string | URL | Request) => {
    calls.push(String(url));
    return reply();
  }) as typeof fetch;
});
after(() => {
  globalThis.fetch = realFetch;
});

const json = (value: unknown) => () => Promise.resolve(Response.json(value));

describe('ZERO_BLOCK', () => {
  it('is height and timestamp 0 with a 43-character zero hash', () => {
    assert.deepEqual(ZERO_BLOCK, { height: 0, hash: 'A'.repeat(43), timestamp: 0 });
  });
});

describe('currentBlock in debug mode', () => {
  it('is the zero block without asking a gateway', async () => {
    calls.length = 0;
    assert.equal(await currentBlock(configured({})), ZERO_BLOCK);
    assert.equal(
      await currentBlock(configured({ mode: 'debug', gateway: 'https://gw.test' })),
      ZERO_BLOCK,
    );
    assert.deepEqual(calls, []);
  });
});

// The node keeps the last block it fetched, so these run in order.
describe('currentBlock in prod mode', () => {
  it('is the zero block while the gateway is unreachable and nothing is known', async () => {
    calls.length = 0;
    reply = () => Promise.reject(new Error('offline'));
    assert.deepEqual(
      await currentBlock(configured({ mode: 'prod', gateway: 'https://a.test' })),
      ZERO_BLOCK,
    );
    assert.deepEqual(calls, ['https://a.test/block/current']);
  });

  it("reads the gateway's current block (trailing slashes dropped)", async () => {
    calls.length = 0;
    reply = json({ height: 1234, indep_hash: 'H'.repeat(64), timestamp: 1700000000 });
    const block = await currentBlock(configured({ mode: 'prod', gateway: 'https://b.test//' }));
    assert.deepEqual(block, { height: 1234, hash: 'H'.repeat(64), timestamp: 1700000000 });
    assert.deepEqual(calls, ['https://b.test/block/current']);
  });

  it('serves the same gateway from its cache', async () => {
    calls.length = 0;
    reply = json({ height: 9999, indep_hash: 'X'.repeat(64) });
    const block = await currentBlock(configured({ mode: 'prod', gateway: 'https://b.test' }));
    assert.equal(block.height, 1234);
    assert.deepEqual(calls, []);
  });

  it('asks again for another gateway; timestamp defaults to 0', async () => {
    calls.length = 0;
    reply = json({ height: 5, indep_hash: 'C'.repeat(64) });
    const block = await currentBlock(configured({ mode: 'prod', gateway: 'https://c.test' }));
    assert.deepEqual(block, { height: 5, hash: 'C'.repeat(64), timestamp: 0 });
    assert.deepEqual(calls, ['https://c.test/block/current']);
  });

  it('keeps the last known block when a reply is unusable or the gateway fails', async () => {
    reply = json({ error: 'not found' });
    assert.equal(
      (await currentBlock(configured({ mode: 'prod', gateway: 'https://d.test' }))).height,
      5,
    );
    reply = () => Promise.reject(new Error('offline'));
    assert.equal(
      (await currentBlock(configured({ mode: 'prod', gateway: 'https://e.test' }))).height,
      5,
    );
  });

  it('defaults to arweave.net', async () => {
    calls.length = 0;
    reply = json({ height: 7, indep_hash: 'D'.repeat(64) });
    assert.equal((await currentBlock(configured({ mode: 'prod' }))).height, 7);
    assert.deepEqual(calls, ['https://arweave.net/block/current']);
  });
});

describe('each node its own block clock', () => {
  it('a new node knows no block another one fetched', async () => {
    reply = json({ height: 9, indep_hash: 'B'.repeat(43), timestamp: 9 });
    assert.equal(
      (await currentBlock(configured({ mode: 'prod', gateway: 'https://f.test' }))).height,
      9,
    );
    reply = () => Promise.reject(new Error('offline'));
    const other = createContext({ wallet, config: { mode: 'prod', gateway: 'https://f.test' } });
    assert.deepEqual(await currentBlock(other), ZERO_BLOCK);
  });
});
