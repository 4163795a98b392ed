/**
 * Unit tests for meta@1.0 (HyperBEAM's dev_meta): the operator, who may
 * change the configuration, and the node message as `info` shows it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metaInfo } from '../../test/support/meta.ts';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { Atom, Float, type Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import { MemoryStore } from '../stores/memory.ts';
import { TieredMessageStore } from '../stores/tiered.ts';
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
    assert.equal(operatorOf({}, wallet.address), wallet.address);
    assert.equal(operatorOf({ operator: '' }, wallet.address), wallet.address);
  });

  it('is the operator option, as text or atom, before the wallet', () => {
    assert.equal(operatorOf({ operator: 'someone' }, wallet.address), 'someone');
    assert.equal(operatorOf({ operator: Atom.of('unclaimed') }, wallet.address), 'unclaimed');
  });

  it('ignores an operator that is neither text nor atom', () => {
    assert.equal(operatorOf({ operator: 5 }), 'unclaimed');
    assert.equal(operatorOf({ operator: 5 }, wallet.address), wallet.address);
  });

  it('is the configured operator of a node (its own address unless given)', () => {
    assert.equal(operatorOf(createContext({ wallet }).config), wallet.address);
    const config = createContext({ wallet, config: { operator: 'someone' } }).config;
    assert.equal(operatorOf(config, wallet.address), 'someone');
  });
});

describe('isAdmin', () => {
  it('lets anyone in when unclaimed', () => {
    assert.equal(isAdmin({}, {}), true);
    assert.equal(isAdmin({ a: '1' }, { operator: 'unclaimed' }, wallet.address), true);
  });

  it('needs a commitment by the operator', () => {
    const config = { operator: 'op-address' };
    assert.equal(isAdmin(committedBy('op-address'), config), true);
    assert.equal(isAdmin(committedBy('someone-else'), config), false);
    assert.equal(isAdmin({ a: '1' }, config), false);
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
    assert.equal(isAdmin(signHttpsig({ a: '1' }, wallet), {}, wallet.address), true);
    assert.equal(isAdmin(signHttpsig({ a: '1' }, other), {}, wallet.address), false);
    assert.equal(isAdmin({ a: '1' }, {}, wallet.address), false);
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
    const view = nodeMessageView(
      {
        priv_key_location: 'key.json',
        private: 'x',
        PRIV_X: 'y',
        port: 1,
        on: { request: { device: 'x@1.0', priv_token: 'secret', priv: { k: 'v' } } },
      },
      { wallet },
    );
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
    const view = nodeMessageView({ devices }, { devices });
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
    const store = new TieredMessageStore([new MemoryStore()]);
    const view = nodeMessageView({ store, nested: { svc: new Service() } });
    assert.deepEqual(view.store, [{ 'store-module': 'memory' }]);
    assert.deepEqual(view.nested, { svc: { kind: 'service' } });
  });

  it("adds the address of the node's wallet", () => {
    assert.equal(nodeMessageView({}, { wallet }).address, wallet.address);
    assert.equal(nodeMessageView({ port: 1 }).address, undefined);
  });

  it('does not change the options', () => {
    const config = { port: 1, priv_x: 'secret', fn: () => 1 };
    nodeMessageView(config);
    assert.deepEqual(Object.keys(config), ['port', 'priv_x', 'fn']);
  });
});

describe('meta@1.0 info', () => {
  const info = metaInfo;

  it('is registered as a key that depends on the configuration', () => {
    assert.equal(metaDevice.name, 'meta@1.0');
    assert.deepEqual(metaDevice.configured, ['info']);
    assert.equal(metaDevice.volatile, undefined);
  });

  it('GET shows the node message with status 200', async () => {
    const ctx = createContext({ config: { port: 1234, priv_secret: 'x' }, wallet });
    const result = await info({ method: 'GET' }, ctx);
    assert.equal(result.status, 'ok');
    const body = result.body as Message;
    assert.equal(body.status, 200);
    assert.equal(body.port, 1234);
    assert.equal(body.address, wallet.address);
    assert.equal(body.priv_secret, undefined);
    assert.equal(body.priv_wallet, undefined);
  });

  it('POST without a running node cannot reconfigure', async () => {
    const ctx = createContext({ config: { operator: 'unclaimed' } });
    const result = await info({ method: 'POST', port: '2' }, ctx);
    assert.deepEqual(result.body, {
      status: 400,
      body: 'This node cannot be reconfigured while it runs.',
    });
  });

  it('other methods are refused', async () => {
    const result = await info({ method: 'DELETE' }, createContext());
    assert.deepEqual(result.body, { status: 400, body: 'Unsupported Meta/info method.' });
  });
});
