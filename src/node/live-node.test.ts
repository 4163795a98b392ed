/**
 * Unit tests for the live node: replace, and reconfigure (what an accepted
 * `POST /~meta@1.0/info` does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { ConfigError } from '../config/schema.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { assemble } from './components.ts';
import { LiveNode } from './live-node.ts';

/** One key for every node here (generating one per node is slow). */
const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
const liveNode = (config: Message = {}) => new LiveNode(assemble({ config, wallet }));

const refused = (code: string, message?: RegExp) => ({
  name: 'BadRequestError',
  code,
  status: 400,
  ...(message ? { message } : {}),
});

describe('LiveNode', () => {
  it('is the node of the contexts it gives', () => {
    const live = liveNode({ port: 1 });
    assert.equal(live.context().node, live);
    assert.equal(live.config.port, 1);
  });

  it('replace merges new options, keeping services and the node', () => {
    const components = assemble({ config: { port: 1 }, wallet });
    const live = new LiveNode(components);
    live.replace({ port: 2, mode: 'prod' });
    assert.equal(live.config.port, 2);
    assert.equal(live.config.mode, 'prod');
    assert.equal(live.services.devices, components.services.devices);
    assert.equal(live.services.messages, components.services.messages);
    assert.equal(live.context().node, live);
  });
});

describe('LiveNode.reconfigure', () => {
  it('merges keys typed by the schema', () => {
    const live = liveNode({ port: 8734, force_signed: true });
    const updated = live.reconfigure({
      port: '9000',
      'force-signed': 'false',
      'await-inprogress': 'false',
      'idle-timeout': '10',
      custom: 'value',
    });
    assert.equal(updated, live.config);
    assert.equal(updated.port, 9000);
    assert.equal(updated.force_signed, false);
    assert.equal(updated.await_inprogress, false);
    assert.equal(updated.idle_timeout, 10);
    assert.equal(updated.custom, 'value');
    assert.equal(live.context().node, live);
  });

  it('keeps the options it is not given, and the services', () => {
    const components = assemble({ config: { port: 1, mode: 'debug' }, wallet });
    const live = new LiveNode(components);
    live.reconfigure({ port: '2' });
    assert.equal(live.config.mode, 'debug');
    assert.equal(live.services.devices, components.services.devices);
    assert.equal(live.services.codecs, components.services.codecs);
    assert.equal(live.services.messages, components.services.messages);
  });

  it('skips the keys of the HTTP exchange', () => {
    const live = liveNode({ host: 'node.example' });
    live.reconfigure({
      path: '/~meta@1.0/info',
      method: 'POST',
      host: 'attacker.example',
      'content-type': 'text/plain',
      'user-agent': 'test',
      commitments: { x: { committer: 'addr' } },
      port: '1',
    });
    assert.equal(live.config.host, 'node.example');
    assert.equal(live.config.port, 1);
    for (const key of ['path', 'method', 'content-type', 'user-agent', 'commitments']) {
      assert.equal(Object.hasOwn(live.config, key), false, key);
    }
  });

  it('records each request at the head of node_history', () => {
    const live = liveNode();
    const first: Message = { path: '/~meta@1.0/info', port: '1' };
    const second: Message = { path: '/~meta@1.0/info', port: '2' };
    live.reconfigure(first);
    assert.deepEqual(live.config.node_history, [first]);
    live.reconfigure(second);
    assert.deepEqual(live.config.node_history, [second, first]);
    assert.equal(live.config.node_history[0], second);
  });

  it('starts a history from none; a node_history that is not a list is refused', () => {
    const live = liveNode();
    assert.deepEqual(live.config.node_history, []);
    const request = { mode: 'prod' };
    live.reconfigure(request);
    assert.deepEqual(live.config.node_history, [request]);
    assert.throws(
      () => liveNode({ node_history: { corrupt: true } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'node_history',
    );
  });

  it('refuses service keys', () => {
    const services = ['devices', 'codecs', 'schemes', 'store', 'cache', 'node', 'on_step'];
    for (const key of [...services, 'priv_wallet', 'metrics', 'quiet']) {
      const live = liveNode({ port: 1 });
      assert.throws(
        () => live.reconfigure({ [key]: 'x' }),
        refused('protected_option', new RegExp(`'${key}' cannot be set`)),
        key,
      );
    }
  });

  it('refuses address, and service keys spelt with dashes', () => {
    const live = liveNode();
    assert.throws(() => live.reconfigure({ address: 'x' }), refused('protected_option'));
    assert.throws(() => live.reconfigure({ 'priv-wallet': 'x' }), refused('protected_option'));
    assert.throws(() => live.reconfigure({ 'on-step': 'x' }), refused('protected_option'));
  });

  it('changes nothing when it refuses', () => {
    const live = liveNode({ port: 1 });
    const before = live.config;
    assert.throws(() => live.reconfigure({ port: '2', store: 'x' }), refused('protected_option'));
    assert.equal(live.config, before);
    assert.equal(live.config.port, 1);
    assert.deepEqual(live.config.node_history, []);
  });

  it('refuses values that cannot take the option type', () => {
    const live = liveNode({ port: 1 });
    assert.throws(
      () => live.reconfigure({ port: 'abc' }),
      refused('bad_option', /option 'port': must be an integer/),
    );
    assert.equal(live.config.port, 1);
  });

  it('refuses every change once initialized is permanent', () => {
    const live = liveNode({ initialized: 'permanent', port: 1 });
    assert.throws(() => live.reconfigure({ port: '2' }), refused('permanent'));
    assert.equal(live.config.port, 1);
  });

  it('can make itself permanent, then refuses further changes', () => {
    const live = liveNode({ initialized: true });
    live.reconfigure({ initialized: 'permanent', port: '5' });
    assert.equal(live.config.initialized, 'permanent');
    assert.equal(live.config.port, 5);
    assert.throws(() => live.reconfigure({ port: '6' }), refused('permanent'));
    assert.equal(live.config.port, 5);
  });
});
