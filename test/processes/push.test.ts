/**
 * push@1.0 and cron@1.0 over HTTP: two processes exchanging messages until a
 * chain of 10 completes; the spawn-by-push form current clients use; tasks
 * that run on their own, survive a restart, and stop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { committersOf } from '../../src/codecs/commitments.ts';
import type { Message } from '../../src/core/message.ts';
import { parseInterval } from '../../src/devices/cron.ts';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { defineDevice, ok } from '../../src/engine/device.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { clientWallet, nodeWallet, send, startTestNode } from '../support/node.ts';
import { pingPongDevice, processMessage, spawn } from '../support/processes.ts';
import { signedRequest } from '../support/signing.ts';

describe('push@1.0', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ devices: createDeviceRegistry([pingPongDevice]) });
  });
  after(() => node.stop());

  it('carries a conversation between two processes until a chain of 10 completes', async () => {
    const a = await spawn(node, processMessage(nodeWallet.address, 'ping-pong@1.0'));
    const b = await spawn(node, processMessage(nodeWallet.address, 'ping-pong@1.0'));
    const res = await send(
      node,
      signedRequest(
        'POST',
        {
          path: `/${a}/push`,
          target: a,
          type: 'Message',
          action: 'Ping',
          hops: '0',
          limit: '10',
          other: b,
        },
        clientWallet,
      ),
    );
    assert.equal(res.status, 200, res.text);
    // Hops 1..10 alternate between B (odd) and A (even).
    assert.equal((await send(node, { path: `/${a}/now/pings` })).text, '6');
    assert.equal((await send(node, { path: `/${b}/now/pings` })).text, '5');
    assert.equal((await send(node, { path: `/${a}/now/results/hops` })).text, '10');
    assert.equal((await send(node, { path: `/${b}/slot/current` })).text, '5');
    // Delivered messages are signed by the node and say where they come from.
    const store = node.node.services.messages;
    const delivered = (await store.read(`assignments/${b}/1`)) as Message;
    const body = delivered.body as Message;
    assert.equal(body['from-process'], a);
    assert.deepEqual(committersOf(body), [nodeWallet.address]);
  });

  it('reports what it pushed, and errors for unknown targets', async () => {
    const a = await spawn(node, processMessage(nodeWallet.address, 'ping-pong@1.0'));
    const res = await send(node, {
      ...signedRequest(
        'POST',
        {
          path: `/${a}/push`,
          target: a,
          type: 'Message',
          action: 'Ping',
          hops: '0',
          other: 'Q'.repeat(43),
        },
        clientWallet,
      ),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.slot, '1');
    assert.match(res.text, /Could not access target process!/);
  });

  it('spawns with POST /push (as aoconnect does): the answer names the process', async () => {
    const res = await send(
      node,
      signedRequest(
        'POST',
        { ...processMessage(nodeWallet.address, 'ping-pong@1.0'), path: '/push' },
        clientWallet,
      ),
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.process ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.headers.slot, '0');
    assert.equal((await send(node, { path: `/${res.headers.process}/slot/current` })).text, '0');
  });
});

describe('cron@1.0', () => {
  let ticks = 0;
  const tick = defineDevice({
    name: 'tick@1.0',
    keys: {
      tick: () => {
        ticks++;
        return ok(ticks);
      },
    },
    volatile: ['tick'],
  });
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-cron-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const until = async (test: () => boolean) => {
    for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(test());
  };

  it('parses intervals', () => {
    assert.equal(parseInterval('10-seconds'), 10_000);
    assert.equal(parseInterval('1-minute'), 60_000);
    assert.equal(parseInterval('250-milliseconds'), 250);
    assert.equal(parseInterval('2-hours'), 7_200_000);
    assert.equal(parseInterval('soon'), undefined);
  });

  it('runs once, runs every interval, survives a restart, and stops', async () => {
    const options = {
      config: { store: [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }] },
      devices: createDeviceRegistry([tick]),
    };
    const node = await startTestNode(options);
    const once = await send(node, { path: '/~cron@1.0/once?cron-path=/~tick@1.0/tick' });
    assert.equal(once.status, 200);
    await until(() => ticks >= 1);
    const every = await send(node, {
      path: '/~cron@1.0/every?cron-path=/~tick@1.0/tick&interval=20-milliseconds',
    });
    assert.equal(every.status, 200, every.text);
    const task = every.text;
    await until(() => ticks >= 4);
    await node.stop();

    const stoppedAt = ticks;
    const again = await startTestNode({ ...options, devices: createDeviceRegistry([tick]) });
    try {
      await until(() => ticks >= stoppedAt + 2); // resumed; the `once` task did not run again
      const stop = await send(again, { path: `/~cron@1.0/stop?task=${task}` });
      assert.equal(stop.status, 200, stop.text);
      const after = ticks;
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(ticks <= after + 1);
      assert.equal((await send(again, { path: '/~cron@1.0/stop?task=nope' })).status, 404);
      const bad = await send(again, { path: '/~cron@1.0/every?cron-path=/x&interval=often' });
      assert.equal(bad.status, 400);
      assert.equal((await send(again, { path: '/~cron@1.0/once' })).status, 400);
    } finally {
      await again.stop();
    }
  });
});
