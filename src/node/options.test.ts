/**
 * Unit tests for node options (HyperBEAM's hb_opts): option names,
 * mimicDefaultTypes and isConfigValue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atom, Float, isMessage, type Message, put } from '../core/message.ts';
import {
  isConfigValue,
  mimicDefaultTypes,
  NODE_DEFAULTS,
  optionName,
  SERVICE_KEYS,
} from './options.ts';

const badNumber = (key: string) => ({
  name: 'TypeError',
  message: new RegExp(`^option '${key}' must be a number`),
});

describe('NODE_DEFAULTS', () => {
  it('is frozen', () => {
    assert.ok(Object.isFrozen(NODE_DEFAULTS));
  });

  it('holds HyperBEAM option names with their default types', () => {
    assert.equal(NODE_DEFAULTS.port, 8734);
    assert.equal(NODE_DEFAULTS.force_signed, true);
    assert.equal(NODE_DEFAULTS.await_inprogress, 'named');
    assert.equal(NODE_DEFAULTS.default_codec, 'httpsig@1.0');
  });

  it('keeps services out of the defaults', () => {
    for (const key of SERVICE_KEYS) {
      assert.equal(Object.hasOwn(NODE_DEFAULTS, key), false, key);
    }
  });
});

describe('optionName', () => {
  it('turns dashes into underscores', () => {
    assert.equal(optionName('await-inprogress'), 'await_inprogress');
    assert.equal(optionName('http-max-body-size'), 'http_max_body_size');
    assert.equal(optionName('port'), 'port');
    assert.equal(optionName('already_snake'), 'already_snake');
  });
});

describe('mimicDefaultTypes', () => {
  it('keeps a __proto__ key as data, and ignores inherited names', () => {
    const msg: Message = {};
    put(msg, '__proto__', 'x');
    const out = mimicDefaultTypes({ ...msg, toString: '1' } as Message);
    assert.ok(isMessage(out));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'toString']);
    assert.equal(out.toString, '1');
  });

  it('renames keys with underscores', () => {
    assert.deepEqual(mimicDefaultTypes({ 'force-signed': false, 'my-own-key': 'v' }), {
      force_signed: false,
      my_own_key: 'v',
    });
  });

  it('coerces numeric strings for number options', () => {
    assert.deepEqual(mimicDefaultTypes({ port: '1234', 'idle-timeout': '5000' }), {
      port: 1234,
      idle_timeout: 5000,
    });
  });

  it('gives a fractional value of an integer option as a Float', () => {
    const { idle_timeout } = mimicDefaultTypes({ idle_timeout: '1.5' });
    assert.ok(idle_timeout instanceof Float);
    assert.equal(idle_timeout.value, 1.5);
  });

  it('coerces true/false strings for boolean options', () => {
    assert.deepEqual(
      mimicDefaultTypes({ force_signed: 'false', 'store-all-signed': 'true', prometheus: 'false' }),
      { force_signed: false, store_all_signed: true, prometheus: false },
    );
  });

  it('keeps other text of a boolean option as text', () => {
    assert.deepEqual(mimicDefaultTypes({ force_signed: 'maybe' }), { force_signed: 'maybe' });
  });

  it('reads true/false in atom options as booleans, other names as text', () => {
    assert.deepEqual(mimicDefaultTypes({ 'await-inprogress': 'false' }), {
      await_inprogress: false,
    });
    assert.deepEqual(mimicDefaultTypes({ await_inprogress: 'true' }), { await_inprogress: true });
    assert.deepEqual(mimicDefaultTypes({ await_inprogress: 'named' }), {
      await_inprogress: 'named',
    });
    assert.deepEqual(mimicDefaultTypes({ initialized: 'permanent', mode: 'prod' }), {
      initialized: 'permanent',
      mode: 'prod',
    });
    assert.deepEqual(mimicDefaultTypes({ debug_print: 'true' }), { debug_print: true });
  });

  it('reads atoms by their names', () => {
    assert.deepEqual(
      mimicDefaultTypes({ await_inprogress: Atom.of('named'), port: Atom.of('80') }),
      { await_inprogress: 'named', port: 80 },
    );
  });

  it('keeps values that are already typed', () => {
    assert.deepEqual(
      mimicDefaultTypes({ port: 80, force_signed: false, cache_control: ['always'] }),
      {
        port: 80,
        force_signed: false,
        cache_control: ['always'],
      },
    );
  });

  it('keeps text options as text', () => {
    assert.deepEqual(mimicDefaultTypes({ default_codec: 'json@1.0', host: '123' }), {
      default_codec: 'json@1.0',
      host: '123',
    });
  });

  it('keeps unknown keys and their values as given', () => {
    const nested: Message = { a: '1' };
    assert.deepEqual(mimicDefaultTypes({ custom: '42', flag: 'false', nested }), {
      custom: '42',
      flag: 'false',
      nested: { a: '1' },
    });
  });

  it('throws a TypeError for a number option that is not a number', () => {
    assert.throws(() => mimicDefaultTypes({ port: 'abc' }), badNumber('port'));
    assert.throws(() => mimicDefaultTypes({ port: '' }), badNumber('port'));
    assert.throws(() => mimicDefaultTypes({ port: '  ' }), badNumber('port'));
    assert.throws(() => mimicDefaultTypes({ port: 'Infinity' }), badNumber('port'));
    assert.throws(() => mimicDefaultTypes({ 'idle-timeout': '1s' }), badNumber('idle_timeout'));
  });

  it('does not change its input', () => {
    const input: Message = { 'force-signed': 'false', port: '1' };
    mimicDefaultTypes(input);
    assert.deepEqual(input, { 'force-signed': 'false', port: '1' });
  });

  it('gives an empty message for an empty one', () => {
    assert.deepEqual(mimicDefaultTypes({}), {});
  });
});

describe('isConfigValue', () => {
  it('accepts scalars, atoms, floats and bytes', () => {
    for (const value of [
      'x',
      '',
      0,
      1.5,
      true,
      false,
      Atom.of('a'),
      new Float(2),
      new Uint8Array(2),
    ]) {
      assert.equal(isConfigValue(value), true, String(value));
    }
  });

  it('accepts lists and messages of config values', () => {
    assert.equal(isConfigValue([]), true);
    assert.equal(isConfigValue(['a', 1, [true]]), true);
    assert.equal(isConfigValue({}), true);
    assert.equal(isConfigValue({ a: '1', b: { c: [2, Atom.of('x')] } }), true);
  });

  it('refuses null, undefined, functions and class instances', () => {
    assert.equal(isConfigValue(null), false);
    assert.equal(isConfigValue(undefined), false);
    assert.equal(
      isConfigValue(() => 1),
      false,
    );
    assert.equal(isConfigValue(new Map()), false);
    assert.equal(isConfigValue(new (class Store {})()), false);
    assert.equal(isConfigValue(10n), false);
    assert.equal(isConfigValue(Symbol('x')), false);
  });

  it('refuses lists and messages holding anything else', () => {
    assert.equal(isConfigValue(['a', null]), false);
    assert.equal(isConfigValue({ a: '1', b: undefined }), false);
    assert.equal(isConfigValue({ a: { f: () => 1 } }), false);
  });
});
