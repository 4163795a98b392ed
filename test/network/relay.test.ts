/**
 * relay@1.0 and router@1.0 between nodes on loopback ports: relay by URL
 * (percent-encoded too) and by route, no route, a node forwarding every
 * request by its routes (the request hook, a `Nearest` route), routes read
 * and added by the operator, and an unreachable peer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningNode } from '../../src/http/server.ts';
import { clientWallet, nodeWallet, quickWallet, send, startTestNode } from '../support/node.ts';
import { signedRequest } from '../support/signing.ts';

describe('relay@1.0 and router@1.0 across nodes', () => {
  let a: RunningNode;
  let b: RunningNode;
  let c: RunningNode;
  before(async () => {
    b = await startTestNode({ wallet: quickWallet(), config: { force_signed: false } });
    c = await startTestNode({ wallet: quickWallet(), config: { force_signed: false } });
    a = await startTestNode({
      config: {
        force_signed: false,
        routes: [{ template: '/~meta@1.0/info', node: { prefix: b.url } }],
      },
    });
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('relays to an explicit URL, percent-encoded or not', async () => {
    for (const target of [
      `${b.url}/~meta@1.0/info/address`,
      encodeURIComponent(`${b.url}/~meta@1.0/info/address`),
    ]) {
      const res = await send(a, { path: `/~relay@1.0/call?relay-path=${target}` });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, b.address);
    }
  });

  it('relays a path by the route table', async () => {
    const res = await send(a, { path: '/~relay@1.0/call?relay-path=/~meta@1.0/info/address' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, b.address);
  });

  it('answers a path no route matches with 502, at once', async () => {
    const res = await send(a, { path: '/~relay@1.0/call?relay-path=/unknown' });
    assert.equal(res.status, 502);
    assert.match(res.text, /no_viable_route/);
  });

  it('passes on the remote status', async () => {
    const res = await send(a, {
      path: `/~relay@1.0/call?relay-path=${encodeURIComponent(`${b.url}/~message@1.0&k=v/missing`)}`,
    });
    assert.equal(res.status, 404);
  });

  it('answers 502 for a peer that does not answer', async () => {
    const res = await send(a, {
      path: '/~relay@1.0/call?relay-path=http://127.0.0.1:1/~meta@1.0/info',
    });
    assert.equal(res.status, 502);
  });

  it('casts without waiting for the reply', async () => {
    const res = await send(a, {
      path: `/~relay@1.0/cast?relay-path=${b.url}/~meta@1.0/info/address`,
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'OK');
  });

  it('forwards every request by route when relay@1.0 is the request hook (Nearest)', async () => {
    const front = await startTestNode({
      config: {
        force_signed: false,
        on: { request: { device: 'relay@1.0' } },
        routes: [
          {
            template: '/.*',
            strategy: 'Nearest',
            nodes: [
              { prefix: b.url, wallet: b.address },
              { prefix: c.url, wallet: c.address },
            ],
          },
        ],
      },
    });
    try {
      const answers = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await send(front, { path: '/~meta@1.0/info/address' });
        assert.equal(res.status, 200, res.text);
        answers.add(res.text);
      }
      assert.equal(answers.size, 1, 'Nearest picks the same node for the same path');
      const [answer] = answers;
      assert.ok(answer === b.address || answer === c.address, 'never the front node itself');
    } finally {
      await front.stop();
    }
  });

  it('refuses a route loop with 508', async () => {
    const loop = await startTestNode({
      config: { force_signed: false, on: { request: { device: 'relay@1.0' } } },
    });
    try {
      loop.node.replace({ routes: [{ template: '/.*', node: { prefix: loop.url } }] });
      const res = await send(loop, { path: '/~meta@1.0/info/address' });
      assert.equal(res.status, 508, res.text);
    } finally {
      await loop.stop();
    }
  });

  it('lists routes, and adds one only for the operator', async () => {
    const listed = await send(a, {
      path: '/~router@1.0/routes',
      headers: { 'accept-codec': 'json@1.0' },
    });
    assert.equal(listed.status, 200, listed.text);
    assert.match(listed.text, /~meta@1\.0\/info/);
    const route = { path: '/~router@1.0/routes', template: '/added', node: c.url, priority: 5 };
    const refused = await send(a, signedRequest('POST', route, clientWallet));
    assert.equal(refused.status, 403);
    const added = await send(a, signedRequest('POST', route, nodeWallet));
    assert.equal(added.status, 200, added.text);
    assert.equal(added.text, 'Route added.');
    const where = await send(a, { path: '/~router@1.0/route?route-path=/added' });
    assert.equal(where.text, c.url);
  });

  it('relays requests a route matches under the router hook; others 404 when told', async () => {
    const front = await startTestNode({
      config: {
        force_signed: false,
        on: { request: { device: 'router@1.0', path: 'preprocess' } },
        router_preprocess_default: 'error',
        routes: [{ template: '/~meta@1.0/info', node: { prefix: b.url } }],
      },
    });
    try {
      const routed = await send(front, { path: '/~meta@1.0/info/address' });
      assert.equal(routed.text, b.address);
      const other = await send(front, { path: '/~message@1.0&k=v/k' });
      assert.equal(other.status, 404);
      assert.match(other.text, /No matching template/);
    } finally {
      await front.stop();
    }
  });

  it('asks several nodes at once and answers with as many replies as the route wants', async () => {
    const closed = 'http://127.0.0.1:1';
    const multi = await startTestNode({
      config: {
        force_signed: false,
        routes: [
          {
            template: '/~meta@1.0/info/address',
            nodes: [{ prefix: closed }, { prefix: b.url }, { prefix: c.url }],
            choose: 3,
            parallel: true,
            responses: 2,
          },
          {
            template: '/missing',
            nodes: [{ prefix: b.url }, { prefix: c.url }],
            choose: 2,
            'accept-status': [200],
          },
        ],
      },
    });
    try {
      const both = await send(multi, {
        path: '/~relay@1.0/call?relay-path=/~meta@1.0/info/address',
        headers: { 'accept-codec': 'json@1.0' },
      });
      assert.equal(both.status, 200, both.text);
      const replies = Object.values(JSON.parse(both.text) as Record<string, { body: string }>)
        .map((r) => r.body)
        .filter((v) => typeof v === 'string')
        .sort();
      assert.deepEqual(replies, [b.address, c.address].sort(), 'the unreachable node is skipped');
      // One reply wanted (the default): the first node that answers is enough.
      const one = await send(multi, {
        path: '/~relay@1.0/call?relay-path=/~meta@1.0/info/address&multirequest-responses=1',
      });
      assert.ok([b.address, c.address].includes(one.text), one.text);
      // Only 200 is admissible, and neither node has the path.
      const none = await send(multi, { path: '/~relay@1.0/call?relay-path=/missing' });
      assert.equal(none.status, 502, none.text);
      assert.match(none.text, /no_viable_responses/);
    } finally {
      await multi.stop();
    }
  });

  it("registers this node's routes with another router, as one of its route owners", async () => {
    const worker = quickWallet();
    const router = await startTestNode({
      config: { force_signed: false, route_owners: [worker.address] },
    });
    const offering = await startTestNode({
      wallet: worker,
      config: {
        force_signed: false,
        router_registration_opts: [
          { 'registration-peer': router.url, template: '/offered', prefix: 'http://w.example' },
        ],
      },
    });
    try {
      const path = '/~router@1.0/register';
      const refused = await send(offering, signedRequest('POST', { path }, clientWallet));
      assert.equal(refused.status, 403);
      const done = await send(offering, signedRequest('POST', { path }, worker));
      assert.equal(done.status, 200, done.text);
      assert.equal(done.text, 'Routes registered.');
      const where = await send(router, { path: '/~router@1.0/route?route-path=/offered' });
      assert.equal(where.text, 'http://w.example/offered');
      // A router that does not count the node among its owners refuses it.
      const other = await startTestNode({ config: { force_signed: false } });
      try {
        offering.node.replace({
          router_registration_opts: [{ 'registration-peer': other.url, template: '/x' }],
        });
        const res = await send(offering, signedRequest('POST', { path }, worker));
        assert.equal(res.status, 502, res.text);
        assert.match(res.text, /403/);
      } finally {
        await other.stop();
      }
    } finally {
      await Promise.all([router.stop(), offering.stop()]);
    }
  });
});
