import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../core/errors.ts';
import { Atom } from '../core/message.ts';
import { defineDevice } from './device.ts';
import { DeviceRegistry } from './registry.ts';

const alpha = defineDevice({ name: 'Alpha@1.0' });
const beta = defineDevice({ name: 'beta@2.0' });
const nameless = defineDevice({});
const ID43 = 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s';

describe('DeviceRegistry', () => {
  it('starts empty by default', () => {
    const registry = new DeviceRegistry();
    assert.deepEqual(registry.names(), []);
    assert.equal(registry.has('alpha@1.0'), false);
    assert.equal(registry.get('alpha@1.0'), undefined);
  });

  it('registers the devices given to the constructor', () => {
    const registry = new DeviceRegistry([alpha, beta]);
    assert.equal(registry.get('alpha@1.0'), alpha);
    assert.equal(registry.get('beta@2.0'), beta);
  });

  it('matches names case-insensitively', () => {
    const registry = new DeviceRegistry([alpha]);
    for (const name of ['Alpha@1.0', 'alpha@1.0', 'ALPHA@1.0']) {
      assert.equal(registry.has(name), true, name);
      assert.equal(registry.get(name), alpha, name);
    }
    assert.equal(registry.has('alpha@1.1'), false);
  });

  it('lists lower-cased names in sorted order', () => {
    const registry = new DeviceRegistry([beta, alpha]);
    assert.deepEqual(registry.names(), ['alpha@1.0', 'beta@2.0']);
  });

  it('registers under an explicit name and chains', () => {
    const registry = new DeviceRegistry();
    const returned = registry.register(alpha, 'Other@9').register(nameless, 'anon@1.0');
    assert.equal(returned, registry);
    assert.equal(registry.get('other@9'), alpha);
    assert.equal(registry.get('anon@1.0'), nameless);
    assert.equal(registry.has('alpha@1.0'), false);
  });

  it('replaces a device registered under the same name', () => {
    const replacement = defineDevice({ name: 'ALPHA@1.0' });
    const registry = new DeviceRegistry([alpha, replacement]);
    assert.equal(registry.get('alpha@1.0'), replacement);
    assert.deepEqual(registry.names(), ['alpha@1.0']);
  });

  it('refuses a device without a name', () => {
    assert.throws(() => new DeviceRegistry().register(nameless), TypeError);
    assert.throws(() => new DeviceRegistry([nameless]), TypeError);
    assert.throws(() => new DeviceRegistry().register(alpha, ''), TypeError);
  });

  describe('load', () => {
    const registry = new DeviceRegistry([alpha, beta]);

    it('returns device objects as they are, registered or not', () => {
      assert.equal(registry.load(alpha), alpha);
      assert.equal(registry.load(nameless), nameless);
    });

    it('finds registered devices by name, in any case', () => {
      assert.equal(registry.load('alpha@1.0'), alpha);
      assert.equal(registry.load('BETA@2.0'), beta);
    });

    it('refuses references that are not names or devices', () => {
      for (const ref of [42, { device: 'alpha@1.0' }, Atom.of('alpha@1.0'), new Uint8Array(3)]) {
        assert.throws(() => registry.load(ref), {
          name: 'BadRequestError',
          code: 'bad_device',
          status: 400,
        });
      }
    });

    it('reports unknown devices as not found, with the name in the details', () => {
      assert.throws(
        () => registry.load('gamma@1.0'),
        (error: unknown) => {
          assert.ok(error instanceof NotFoundError);
          assert.equal(error.name, 'NotFoundError');
          assert.equal(error.code, 'device_not_found');
          assert.equal(error.status, 404);
          assert.deepEqual(error.details, { device: 'gamma@1.0' });
          assert.match(error.message, /gamma@1\.0/);
          return true;
        },
      );
    });

    it('refuses to load devices by ID', () => {
      for (const id of [ID43, 'x'.repeat(42), 'y'.repeat(32)]) {
        assert.throws(() => registry.load(id), {
          name: 'NotFoundError',
          code: 'device_not_loadable',
          status: 404,
        });
      }
    });

    it('still finds a registered device whose name is ID-length', () => {
      const idNamed = defineDevice({ name: ID43 });
      const withId = new DeviceRegistry([idNamed]);
      assert.equal(withId.load(ID43), idNamed);
    });
  });
});
