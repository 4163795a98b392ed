/**
 * The node's life: CORS and the root redirect, the hook pipeline (start,
 * request, response, step), answers that do not change on a cache hit, and a
 * graceful stop that finishes requests in flight before closing the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isMessage, type Message, type PathItem } from '../../src/core/message.ts';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { defineDevice, error, ok } from '../../src/engine/device.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { TieredMessageStore } from '../../src/stores/tiered.ts';
import { send, startTestNode } from '../support/node.ts';
import { storeOver } from '../support/stores.ts';

let steps = 0;

const hooksDevice = defineDevice({
  name: 'hooks@1.0',
  keys: {
    // request: add `added: value` to the base of every request.
    request: (_base, req) => {
      const [first, ...rest] = req.body as PathItem[];
      const base = isMessage(first) ? { ...first, added: 'value' } : first;
      return ok({ body: [base, ...rest] as PathItem[] });
    },
    refuse: () => error('Bad'),
    response: (_base, req) => ok({ body: { ...(req.body as Message), 'x-hooked': 'yes' } }),
    start: (_base, req) => ok({ body: { ...(req.body as Message), started_by_hook: 'yes' } }),
    step: (_base, req) => {
      steps++;
      return ok({ status: req.status as string, body: req.body as Message });
    },
  },
});

describe('CORS and the root', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('answers OPTIONS with 204 and CORS headers', async () => {
    const res = await send(node, { method: 'OPTIONS', path: '/anything' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-headers'], '*');
    assert.equal(
      res.headers['access-control-allow-methods'],
      'GET, POST, PUT, DELETE, OPTIONS, PATCH',
    );
  });

  it('echoes requested headers on AO responses', async () => {
    const res = await send(node, {
      path: '/~message@1.0&a=1/a',
      headers: { 'access-control-request-headers': 'x-custom' },
    });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-headers'], 'x-custom');
  });

  it('redirects / to the web page, which is served', async () => {
    const res = await send(node, { path: '/' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/~hyperbuddy@1.0/index');
    const page = await send(node, { path: '/~hyperbuddy@1.0/index' });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.text, /<title>hyperbeam-ts node<\/title>/);
    assert.equal((await send(node, { path: '/~hyperbuddy@1.0/nope' })).status, 404);
    const metrics = await send(node, { path: '/~hyperbuddy@1.0/metrics' });
    assert.match(metrics.text, /http_requests_total\{status="200"\} \d+/);
  });
});

describe('hooks', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({
      devices: createDeviceRegistry([hooksDevice]),
      config: {
        on: {
          start: { device: 'hooks@1.0' },
          request: { device: 'hooks@1.0' },
          response: { device: 'hooks@1.0' },
          step: { device: 'hooks@1.0' },
        },
      },
    });
  });
  after(() => node.stop());

  it('start: the hook adds to the node message', async () => {
    assert.equal((await send(node, { path: '/~meta@1.0/info/started_by_hook' })).text, 'yes');
  });

  it('request and response: the request is rewritten, the response marked', async () => {
    const res = await send(node, { path: '/added' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'value');
    assert.equal(res.headers['x-hooked'], 'yes');
  });

  it('step: the hook sees every resolution step', async () => {
    const before = steps;
    await send(node, { path: '/~message@1.0&a=1&b=2/set&c=3/c' });
    assert.ok(steps > before);
  });

  it('a refusing request hook stops the request with its error', async () => {
    const refusing = await startTestNode({
      devices: createDeviceRegistry([hooksDevice]),
      config: { on: { request: { device: 'hooks@1.0', path: 'refuse' } } },
    });
    try {
      const res = await send(refusing, { path: '/~message@1.0&a=1/a' });
      assert.equal(res.status, 400);
      assert.equal(res.text, 'Bad');
    } finally {
      await refusing.stop();
    }
  });
});

describe('consistency', () => {
  const paths = [
    '/~message@1.0&a=1/a',
    '/(~message@1.0&x=k/x)/body',
    '/~message@1.0&a=1/missing',
    '/~message@1.0&l+list=10,20,30/l/2',
  ];

  it('answers the same, cached or not, every time', async () => {
    const cached = await startTestNode();
    const uncached = await startTestNode({
      config: { http_extra_opts: { cache_control: ['no-store'] } },
    });
    try {
      for (const path of paths) {
        const answers = [];
        for (const node of [cached, cached, cached, uncached, uncached]) {
          const res = await send(node, { path });
          answers.push([res.status, res.text, res.headers['ao-types']]);
        }
        for (const answer of answers) assert.deepEqual(answer, answers[0], path);
      }
    } finally {
      await cached.stop();
      await uncached.stop();
    }
  });
});

describe('cache-control from clients', () => {
  it('only-if-cached answers 504 on a miss and the cached result after', async () => {
    const node = await startTestNode();
    try {
      const path = '/~message@1.0&a=1/a';
      const only = { 'cache-control': 'no-cache, only-if-cached' };
      const miss = await send(node, { path, headers: only });
      assert.equal(miss.status, 504);
      assert.equal(miss.headers['cache-status'], 'miss');
      assert.equal(miss.text, 'Computed result not available in cache.');
      assert.equal((await send(node, { path })).text, '1');
      const hit = await send(node, { path, headers: only });
      assert.equal(hit.status, 200);
      assert.equal(hit.text, '1');
    } finally {
      await node.stop();
    }
  });
});

describe('graceful stop', () => {
  it('finishes requests in flight, refuses new ones, then closes the store', async () => {
    const events: string[] = [];
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const gate = defineDevice({
      name: 'gate@1.0',
      keys: {
        hold: async () => {
          entered();
          await released;
          events.push('device finished');
          return ok('released');
        },
      },
    });
    const memory = new TieredMessageStore([new MemoryStore()]);
    const store = storeOver(memory, {
      close: async () => {
        events.push('store closed');
      },
    });
    const node = await startTestNode({
      devices: createDeviceRegistry([gate]),
      messages: store,
    });

    const pending = send(node, { path: '/~gate@1.0/hold' });
    await inside;
    const stopped = node.stop().then(() => events.push('stopped'));
    await assert.rejects(send(node, { path: '/~message@1.0&a=1/a' }), { code: 'ECONNREFUSED' });
    release();
    const res = await pending;
    await stopped;
    assert.equal(res.status, 200);
    assert.equal(res.text, 'released');
    assert.deepEqual(events, ['device finished', 'store closed', 'stopped']);
  });
});
