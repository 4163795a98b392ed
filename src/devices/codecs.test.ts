/**
 * Unit tests for the codecs as devices (HyperBEAM's dev_codec_*): serialize,
 * deserialize, content-type, and commit/verify/committed with a wallet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { committersOf } from '../codecs/commitments.ts';
import { createCodecRegistry } from '../codecs/index.ts';
import { jsonCodec } from '../codecs/json.ts';
import { toBytes } from '../core/binary.ts';
import { type Message, NOT_FOUND, type Value } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { type ContextOptions, createContext } from '../defaults.ts';
import type { Context } from '../engine/context.ts';
import { type Device, ok } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { codecDevice, codecDevices } from './codecs.ts';
import { createDeviceRegistry } from './index.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const codecs = createCodecRegistry();
const opts = (options: ContextOptions = {}) =>
  createContext({ ...options, directives: { hashpath: 'ignore', ...options.directives } });
const text = (value: Value | undefined) => new TextDecoder().decode(toBytes(value as Uint8Array));

async function call(base: Message, req: Message, o: Context = opts()) {
  return resolve(base, req, o);
}

async function body(base: Message, req: Message, o: Context = opts()): Promise<Value> {
  const result = await call(base, req, o);
  assert.equal(result.status, 'ok', `resolving ${String(req.path)}`);
  return result.body;
}

describe('codecDevices', () => {
  it('has one device per registered codec', () => {
    assert.deepEqual(codecDevices.map((d) => d.name).sort(), codecs.names().sort());
  });

  it('are preloaded', () => {
    const registry = createDeviceRegistry();
    for (const name of codecs.names()) assert.ok(registry.has(name), name);
  });
});

describe('serialize', () => {
  it('json@1.0: the base as JSON, without its device key', async () => {
    const out = (await body(
      { device: 'json@1.0', a: '1', n: 2 },
      { path: 'serialize' },
    )) as Message;
    assert.equal(out['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(text(out.body)), { a: '1', n: 2 });
    assert.ok(!text(out.body).includes('device'));
  });

  it('keeps a device key that names another device', async () => {
    const serialize = codecDevice('json@1.0').keys?.serialize;
    assert.ok(serialize);
    const result = await serialize({ device: 'other@1.0', a: '1' }, {}, opts());
    assert.equal(result.status, 'ok');
    const out = result.body as Message;
    assert.deepEqual(JSON.parse(text(out.body)), { a: '1', device: 'other@1.0' });
  });

  it('matches the device name case-insensitively', async () => {
    const out = (await body({ device: 'JSON@1.0', a: '1' }, { path: 'serialize' })) as Message;
    assert.deepEqual(JSON.parse(text(out.body)), { a: '1' });
  });

  it('uses application/octet-stream for codecs without a MIME type', async () => {
    const out = (await body({ device: 'flat@1.0', a: '1' }, { path: 'serialize' })) as Message;
    assert.equal(out['content-type'], 'application/octet-stream');
    assert.ok(out.body instanceof Uint8Array);
  });

  it('refuses codecs without a byte form', async () => {
    await assert.rejects(call({ device: 'structured@1.0', a: '1' }, { path: 'serialize' }), {
      name: 'BadRequestError',
      code: 'no_byte_form',
    });
  });

  it('round-trips through deserialize in every byte codec', async () => {
    const msg: Message = { a: '1', n: 2, nested: { b: 'x' } };
    for (const name of ['json@1.0', 'flat@1.0', 'httpsig@1.0', 'ans104@1.0']) {
      const out = (await body({ device: name, ...msg }, { path: 'serialize' })) as Message;
      const back = await body({ device: name, body: out.body as Value }, { path: 'deserialize' });
      assert.deepEqual(back, msg, name);
    }
  });
});

describe('deserialize', () => {
  it('reads the body', async () => {
    assert.deepEqual(
      await body({ device: 'json@1.0', body: '{"a":1,"b":"x"}' }, { path: 'deserialize' }),
      {
        a: 1,
        b: 'x',
      },
    );
  });

  it('reads the key named by target', async () => {
    const base = { device: 'json@1.0', data: '{"a":"1"}', body: 'not json' };
    assert.deepEqual(await body(base, { path: 'deserialize', target: 'data' }), { a: '1' });
  });

  it('is a 404 error without a payload', async () => {
    assert.deepEqual(await call({ device: 'json@1.0' }, { path: 'deserialize' }), {
      status: 'error',
      body: { status: 404, body: "No json@1.0 payload at 'body'." },
    });
    const nested = await call(
      { device: 'json@1.0', x: { a: '1' } },
      { path: 'deserialize', target: 'x' },
    );
    assert.equal(nested.status, 'error');
  });

  it("refuses bytes that are not the codec's form", async () => {
    await assert.rejects(call({ device: 'json@1.0', body: '{' }, { path: 'deserialize' }), {
      name: 'CodecError',
      code: 'bad_json',
    });
  });
});

describe('content-type', () => {
  it("is the codec's MIME type", async () => {
    assert.equal(await body({ device: 'json@1.0' }, { path: 'content-type' }), 'application/json');
    assert.equal(await body({ device: 'httpsig@1.0' }, { path: 'content-type' }), 'message/http');
    assert.equal(
      await body({ device: 'ans104@1.0' }, { path: 'content-type' }),
      'application/ans104',
    );
  });

  it('is not_found for codecs without one', async () => {
    assert.deepEqual(await call({ device: 'structured@1.0' }, { path: 'content-type' }), {
      status: 'error',
      body: NOT_FOUND,
    });
  });
});

describe('commit, verify and committed', () => {
  const signing = opts({ wallet });

  it('httpsig@1.0: commits with the wallet and verifies', async () => {
    const signed = (await body(
      { device: 'httpsig@1.0', a: '1' },
      { path: 'commit' },
      signing,
    )) as Message;
    assert.equal(signed.device, undefined);
    assert.equal(signed.a, '1');
    assert.deepEqual(committersOf(signed), [wallet.address]);
    assert.equal(
      await body({ ...signed, device: 'httpsig@1.0' }, { path: 'verify' }, signing),
      true,
    );
  });

  it('json@1.0: commits with httpsig@1.0', async () => {
    const signed = (await body(
      { device: 'json@1.0', a: '1' },
      { path: 'commit' },
      signing,
    )) as Message;
    const devices = Object.values(signed.commitments as Message).map(
      (c) => (c as Message)['commitment-device'],
    );
    assert.ok(devices.length > 0);
    assert.ok(devices.every((d) => d === 'httpsig@1.0'));
    assert.deepEqual(committersOf(signed), [wallet.address]);
    assert.equal(await body({ ...signed, device: 'json@1.0' }, { path: 'verify' }, signing), true);
  });

  it('ans104@1.0: commits with its own scheme and verifies', async () => {
    const signed = (await body(
      { device: 'ans104@1.0', a: '1' },
      { path: 'commit' },
      signing,
    )) as Message;
    const devices = Object.values(signed.commitments as Message).map(
      (c) => (c as Message)['commitment-device'],
    );
    assert.ok(devices.includes('ans104@1.0'));
    assert.deepEqual(committersOf(signed), [wallet.address]);
    assert.equal(
      await body({ ...signed, device: 'ans104@1.0' }, { path: 'verify' }, signing),
      true,
    );
  });

  it('verify is false for a changed message', async () => {
    const signed = (await body(
      { device: 'httpsig@1.0', a: '1' },
      { path: 'commit' },
      signing,
    )) as Message;
    const tampered = { ...signed, a: '2', device: 'httpsig@1.0' };
    assert.equal(await body(tampered, { path: 'verify' }, signing), false);
  });

  it('committed lists the signed keys, not the device', async () => {
    const signed = (await body(
      { device: 'httpsig@1.0', a: '1', b: '2' },
      { path: 'commit' },
      signing,
    )) as Message;
    const keys = (await body(
      { ...signed, device: 'httpsig@1.0' },
      { path: 'committed' },
      signing,
    )) as string[];
    assert.ok(keys.includes('a'));
    assert.ok(keys.includes('b'));
    assert.ok(!keys.includes('device'));
  });

  it('commits with an HMAC only when the node has no wallet', async () => {
    const committed = (await body(
      { device: 'httpsig@1.0', a: '1' },
      { path: 'commit' },
      opts({ services: { wallet: undefined } }),
    )) as Message;
    assert.deepEqual(committersOf(committed), []);
    const commitments = Object.values(committed.commitments as Message) as Message[];
    assert.deepEqual(
      commitments.map((c) => c.alg),
      ['hmac-sha256'],
    );
  });
});

describe('codecDevice', () => {
  it('builds a device for any codec', async () => {
    const device: Device = codecDevice('x@1.0');
    const o = opts({
      devices: createDeviceRegistry([device]),
      codecs: createCodecRegistry([{ ...jsonCodec, name: 'x@1.0' }]),
    });
    const out = (await body({ device: 'x@1.0', a: '1' }, { path: 'serialize' }, o)) as Message;
    assert.equal(out['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(text(out.body)), { a: '1' });
    assert.deepEqual(
      await call({ device: 'x@1.0', body: '{"b":"2"}' }, { path: 'deserialize' }, o),
      ok({ b: '2' }),
    );
  });
});
