/**
 * Unit tests for meta@1.0 (HyperBEAM's dev_meta): the operator, who may
 * change the configuration, and the node message as `info` shows it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { Atom, Float, isMessage, type Message, omit } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createOpts } from '../defaults.ts';
import type { Opts } from '../engine/context.ts';
import type { Result } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { LiveNode } from '../node/live-node.ts';
import { MemoryStore } from '../stores/memory.ts';
import { MessageCache } from '../stores/message-cache.ts';
import { createDeviceRegistry } from './index.ts';
import { isAdmin, metaDevice, nodeMessageView, operatorOf } from './meta.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const other = loadWallet(sharedPath('fixtures', 'key-2.json'));

/** A request carrying a (fake) commitment by `committer`: only its committer is read. */
const committedBy = (committer: string): Message => ({
  a: '1',
  commitments: { ['C'.repeat(43)]: { 'commitment-device': 'httpsig@1.0', committer } },
});

describe('operatorOf', () => {
  it('is unclaimed without an operator or a wallet', () => {
    assert.equal(operatorOf({}), 'unclaimed');
  });

  it("is the node's own address by default", () => {
    assert.equal(operatorOf({ priv_wallet: wallet }), wallet.address);
  });

  it('is the operator option, as text or atom, before the wallet', () => {
    assert.equal(operatorOf({ operator: 'someone', priv_wallet: wallet }), 'someone');
    assert.equal(operatorOf({ operator: Atom.of('unclaimed'), priv_wallet: wallet }), 'unclaimed');
  });

  it('ignores an operator that is neither text nor atom', () => {
    assert.equal(operatorOf({ operator: 5 }), 'unclaimed');
    assert.equal(operatorOf({ operator: 5, priv_wallet: wallet }), wallet.address);
  });
});

describe('isAdmin', () => {
  it('lets anyone in when unclaimed', () => {
    assert.equal(isAdmin({}, {}), true);
    assert.equal(isAdmin({ a: '1' }, { operator: 'unclaimed', priv_wallet: wallet }), true);
  });

  it('needs a commitment by the operator', () => {
    const opts: Opts = { operator: 'op-address' };
    assert.equal(isAdmin(committedBy('op-address'), opts), true);
    assert.equal(isAdmin(committedBy('someone-else'), opts), false);
    assert.equal(isAdmin({ a: '1' }, opts), false);
  });

  it('accepts the operator among several committers', () => {
    const req: Message = {
      commitments: {
        ['A'.repeat(43)]: { committer: 'someone-else' },
        ['B'.repeat(43)]: { committer: 'op-address' },
      },
    };
    assert.equal(isAdmin(req, { operator: 'op-address' }), true);
  });

  it('defaults to the node wallet as operator', () => {
    const opts: Opts = { priv_wallet: wallet };
    assert.equal(isAdmin(signHttpsig({ a: '1' }, wallet), opts), true);
    assert.equal(isAdmin(signHttpsig({ a: '1' }, other), opts), false);
    assert.equal(isAdmin({ a: '1' }, opts), false);
  });
});

describe('nodeMessageView', () => {
  it('keeps plain options', () => {
    const view = nodeMessageView({ port: 1, mode: 'debug', force_signed: false, list: ['a', 2] });
    assert.deepEqual(view, { port: 1, mode: 'debug', force_signed: false, list: ['a', 2] });
  });

  it('keeps atoms, floats and bytes', () => {
    const bytes = new Uint8Array([1, 2]);
    const view = nodeMessageView({ a: Atom.of('x'), f: new Float(2), b: bytes });
    assert.deepEqual(view, { a: Atom.of('x'), f: new Float(2), b: bytes });
  });

  it('hides private keys, at any depth', () => {
    const view = nodeMessageView({
      priv_wallet: wallet,
      priv_key_location: 'key.json',
      private: 'x',
      PRIV_X: 'y',
      port: 1,
      on: { request: { device: 'x@1.0', priv_token: 'secret', priv: { k: 'v' } } },
    });
    assert.deepEqual(Object.keys(view).sort(), ['address', 'on', 'port']);
    assert.deepEqual(view.on, { request: { device: 'x@1.0' } });
  });

  it('hides hashpath keys', () => {
    const view = nodeMessageView({
      hashpath: 'ignore',
      'hashpath-alg': 'x',
      hashpaths: 'y',
      a: '1',
    });
    assert.deepEqual(view, { a: '1' });
  });

  it('replaces the device registry by preloaded_devices names', () => {
    const devices = createDeviceRegistry();
    const view = nodeMessageView({ devices });
    assert.equal(view.devices, undefined);
    assert.deepEqual(
      view.preloaded_devices,
      devices.names().map((name) => ({ name })),
    );
    assert.ok((view.preloaded_devices as Message[]).some((d) => d.name === 'meta@1.0'));
  });

  it('drops functions, null, undefined and objects without describe()', () => {
    class Service {
      value = 1;
    }
    const view = nodeMessageView({
      fn: () => 1,
      nothing: null,
      missing: undefined,
      service: new Service(),
      map: new Map([['a', 1]]),
      list: ['a', () => 2, null, 3],
      kept: 'yes',
    });
    assert.deepEqual(view, { list: ['a', 3], kept: 'yes' });
  });

  it('shows objects by their describe()', () => {
    class Service {
      describe() {
        return { kind: 'service' };
      }
    }
    const store = new MessageCache([new MemoryStore()]);
    const view = nodeMessageView({ store, nested: { svc: new Service() } });
    assert.deepEqual(view.store, [{ 'store-module': 'memory' }]);
    assert.deepEqual(view.nested, { svc: { kind: 'service' } });
  });

  it('adds the address of priv_wallet', () => {
    assert.equal(nodeMessageView({ priv_wallet: wallet }).address, wallet.address);
    assert.equal(nodeMessageView({ port: 1 }).address, undefined);
  });

  it('does not change the options', () => {
    const opts: Opts = { port: 1, priv_x: 'secret', fn: () => 1 };
    nodeMessageView(opts);
    assert.deepEqual(Object.keys(opts), ['port', 'priv_x', 'fn']);
  });
});

describe('meta@1.0 info', () => {
  // Without `priv` (where the resolver marks results of volatile keys).
  const info = async (req: Message, opts: Opts): Promise<Result> => {
    const result = await resolve(
      { device: 'meta@1.0' },
      { path: 'info', ...req },
      { ...opts, hashpath: 'ignore' },
    );
    return isMessage(result.body) ? { ...result, body: omit(result.body, ['priv']) } : result;
  };

  it('is registered as a volatile device key', () => {
    assert.equal(metaDevice.name, 'meta@1.0');
    assert.deepEqual(metaDevice.volatile, ['info']);
  });

  it('GET shows the node message with status 200', async () => {
    const opts = createOpts({ port: 1234, priv_wallet: wallet, priv_secret: 'x' });
    const result = await info({ method: 'GET' }, opts);
    assert.equal(result.status, 'ok');
    const body = result.body as Message;
    assert.equal(body.status, 200);
    assert.equal(body.port, 1234);
    assert.equal(body.address, wallet.address);
    assert.equal(body.priv_secret, undefined);
    assert.equal(body.priv_wallet, undefined);
  });

  it('GET reads the live node message', async () => {
    const live = new LiveNode(createOpts({ port: 1 }));
    live.replace({ port: 2 });
    const result = await info({ method: 'GET' }, { ...createOpts({ port: 1 }), node: live });
    assert.equal((result.body as Message).port, 2);
  });

  it('POST from someone other than the operator is Unauthorized', async () => {
    const live = new LiveNode(createOpts({ priv_wallet: wallet, port: 1 }));
    const req = signHttpsig({ port: '2' }, other);
    const result = await info({ ...req, method: 'POST' }, live.opts);
    assert.deepEqual(result.body, { status: 400, body: 'Unauthorized' });
    assert.equal(live.opts.port, 1);
  });

  it('POST signed by the operator updates the live node', async () => {
    const live = new LiveNode(createOpts({ priv_wallet: wallet, port: 1 }));
    const req = signHttpsig({ port: '2' }, wallet);
    const result = await info({ ...req, method: 'POST' }, live.opts);
    assert.equal((result.body as Message).status, 200);
    assert.equal(live.opts.port, 2);
    assert.equal(live.opts.commitments, undefined);
  });

  it('POST on an unclaimed node updates the live node', async () => {
    const live = new LiveNode(createOpts({ operator: 'unclaimed', port: 1 }));
    const result = await info({ method: 'POST', port: '2' }, live.opts);
    assert.deepEqual(result.body, {
      'history-length': 1,
      status: 200,
      body: 'Node message updated. History: 1 updates.',
    });
    assert.equal(live.opts.port, 2);
  });

  it('POST answers 400 with the reason for a refused option', async () => {
    const live = new LiveNode(createOpts({ operator: 'unclaimed' }));
    const result = await info({ method: 'POST', devices: 'x' }, live.opts);
    assert.deepEqual(result.body, { status: 400, body: "'devices' cannot be set through info" });
  });

  it('POST is refused once the node message is permanent', async () => {
    const live = new LiveNode(createOpts({ operator: 'unclaimed', initialized: 'permanent' }));
    const result = await info({ method: 'POST', port: '2' }, live.opts);
    const body = result.body as Message;
    assert.equal(body.status, 400);
    assert.match(String(body.body), /already permanent/);
  });

  it('POST without a running node cannot reconfigure', async () => {
    const result = await info({ method: 'POST', port: '2' }, createOpts({ operator: 'unclaimed' }));
    assert.deepEqual(result.body, {
      status: 400,
      body: 'This node cannot be reconfigured while it runs.',
    });
  });

  it('other methods are refused', async () => {
    const result = await info({ method: 'DELETE' }, createOpts());
    assert.deepEqual(result.body, { status: 400, body: 'Unsupported Meta/info method.' });
  });
});
