/**
 * Unit tests for the live node message: replace, and adopt (what an accepted
 * `POST /~meta@1.0/info` does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../core/message.ts';
import { createOpts } from '../defaults.ts';
import { LiveNode } from './live-node.ts';

const refused = (code: string, message?: RegExp) => ({
  name: 'BadRequestError',
  code,
  status: 400,
  ...(message ? { message } : {}),
});

describe('LiveNode', () => {
  it('points its options at itself', () => {
    const live = new LiveNode({ port: 1 });
    assert.equal(live.opts.node, live);
    assert.equal(live.opts.port, 1);
  });

  it('replace merges new options, keeping services and the node', () => {
    const base = createOpts({ port: 1 });
    const live = new LiveNode(base);
    live.replace({ port: 2, mode: 'prod' });
    assert.equal(live.opts.port, 2);
    assert.equal(live.opts.mode, 'prod');
    assert.equal(live.opts.devices, base.devices);
    assert.equal(live.opts.store, base.store);
    assert.equal(live.opts.node, live);
  });
});

describe('LiveNode.adopt', () => {
  it('merges keys typed like the defaults', () => {
    const live = new LiveNode(createOpts({ port: 8734, force_signed: true }));
    const updated = live.adopt({
      port: '9000',
      'force-signed': 'false',
      'await-inprogress': 'false',
      'idle-timeout': '10',
      custom: 'value',
    });
    assert.equal(updated, live.opts);
    assert.equal(updated.port, 9000);
    assert.equal(updated.force_signed, false);
    assert.equal(updated.await_inprogress, false);
    assert.equal(updated.idle_timeout, 10);
    assert.equal(updated.custom, 'value');
    assert.equal(updated.node, live);
  });

  it('keeps the options it is not given, and the services', () => {
    const base = createOpts({ port: 1, mode: 'debug' });
    const live = new LiveNode(base);
    live.adopt({ port: '2' });
    assert.equal(live.opts.mode, 'debug');
    assert.equal(live.opts.devices, base.devices);
    assert.equal(live.opts.codecs, base.codecs);
  });

  it('skips the keys of the HTTP exchange', () => {
    const live = new LiveNode({ host: 'node.example' });
    live.adopt({
      path: '/~meta@1.0/info',
      method: 'POST',
      host: 'attacker.example',
      'content-type': 'text/plain',
      'user-agent': 'test',
      commitments: { x: { committer: 'addr' } },
      port: '1',
    });
    assert.equal(live.opts.host, 'node.example');
    assert.equal(live.opts.port, 1);
    for (const key of ['path', 'method', 'content-type', 'user-agent', 'commitments']) {
      assert.equal(Object.hasOwn(live.opts, key), false, key);
    }
  });

  it('records each request at the head of node_history', () => {
    const live = new LiveNode({});
    const first: Message = { path: '/~meta@1.0/info', port: '1' };
    const second: Message = { path: '/~meta@1.0/info', port: '2' };
    live.adopt(first);
    assert.deepEqual(live.opts.node_history, [first]);
    live.adopt(second);
    assert.deepEqual(live.opts.node_history, [second, first]);
    assert.equal((live.opts.node_history as Message[])[0], second);
  });

  it('starts a history when the existing one is not a list', () => {
    const live = new LiveNode({ node_history: 'corrupt' });
    const request = { mode: 'prod' };
    live.adopt(request);
    assert.deepEqual(live.opts.node_history, [request]);
  });

  it('refuses service keys', () => {
    const services = ['devices', 'codecs', 'schemes', 'store', 'cache', 'node', 'on_step'];
    for (const key of [...services, 'priv_wallet', 'metrics', 'quiet']) {
      const live = new LiveNode({ port: 1 });
      assert.throws(
        () => live.adopt({ [key]: 'x' }),
        refused('protected_option', new RegExp(`'${key}' cannot be set`)),
        key,
      );
    }
  });

  it('refuses address, and service keys spelt with dashes', () => {
    const live = new LiveNode({});
    assert.throws(() => live.adopt({ address: 'x' }), refused('protected_option'));
    assert.throws(() => live.adopt({ 'priv-wallet': 'x' }), refused('protected_option'));
    assert.throws(() => live.adopt({ 'on-step': 'x' }), refused('protected_option'));
  });

  it('changes nothing when it refuses', () => {
    const live = new LiveNode({ port: 1 });
    const before = live.opts;
    assert.throws(() => live.adopt({ port: '2', store: 'x' }), refused('protected_option'));
    assert.equal(live.opts, before);
    assert.equal(live.opts.port, 1);
    assert.equal(live.opts.node_history, undefined);
  });

  it('refuses values that cannot take the default type', () => {
    const live = new LiveNode({ port: 1 });
    assert.throws(
      () => live.adopt({ port: 'abc' }),
      refused('bad_option', /'port' must be a number/),
    );
    assert.equal(live.opts.port, 1);
  });

  it('refuses every change once initialized is permanent', () => {
    const live = new LiveNode({ initialized: 'permanent', port: 1 });
    assert.throws(() => live.adopt({ port: '2' }), refused('permanent'));
    assert.equal(live.opts.port, 1);
  });

  it('can make itself permanent, then refuses further changes', () => {
    const live = new LiveNode({ initialized: true });
    live.adopt({ initialized: 'permanent', port: '5' });
    assert.equal(live.opts.initialized, 'permanent');
    assert.equal(live.opts.port, 5);
    assert.throws(() => live.adopt({ port: '6' }), refused('permanent'));
    assert.equal(live.opts.port, 5);
  });
});
