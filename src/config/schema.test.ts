/**
 * The option schema: every option's default is a value of its type; every
 * option reads typed from config.flat text (HyperBEAM's format, where every
 * value is text); a value of the wrong type is refused naming the option.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atom, type Value } from '../core/message.ts';
import { parseConfigFlat } from '../node/config.ts';
import {
  ConfigError,
  defaults,
  OPTIONS,
  type OptionName,
  type OptionType,
  parseConfig,
  parseOption,
} from './schema.ts';

const names = Object.keys(OPTIONS) as OptionName[];

/** A value of `type` as a config.flat line writes it (text), or undefined for nested values. */
function asText(type: OptionType, value: Value): string | undefined {
  switch (type.kind) {
    case 'boolean':
    case 'integer':
    case 'string':
    case 'choice':
      return String(value);
    case 'list':
      return (value as Value[]).length > 0 ? (value as Value[]).join(',') : undefined;
    default:
      return undefined;
  }
}

/** A value of `type` other than the default, to see it read (not just defaulted). */
function sample(type: OptionType, fallback: Value): Value {
  switch (type.kind) {
    case 'boolean':
      return !fallback;
    case 'integer':
      return Math.min((type.max ?? 1_000_000) - 1, Math.max(type.min ?? 0, 7) + 3);
    case 'string':
      return 'sample-text';
    case 'choice':
      return type.values.find((v) => v !== fallback) ?? (fallback as string);
    case 'list':
      return ['a', 'b'];
    default:
      return fallback;
  }
}

describe('option schema', () => {
  it('describes every option, and each default is a value of its type', () => {
    for (const name of names) {
      const spec = OPTIONS[name];
      assert.ok(spec.description.length > 10, `${name} has a description`);
      assert.ok(spec.group.length > 0, `${name} has a group`);
      assert.deepEqual(parseOption(name, spec.default as Value), spec.default, name);
    }
  });

  it('reads every option with a text form typed from config.flat', () => {
    const lines: string[] = [];
    const expected: Record<string, Value> = {};
    for (const name of names) {
      const type: OptionType = OPTIONS[name].type;
      const value = sample(type, OPTIONS[name].default as Value);
      const text = asText(type, value);
      if (text === undefined) continue;
      lines.push(`${name}: ${text}`);
      expected[name] = value;
    }
    assert.ok(Object.keys(expected).length > 30, 'most options have a text form');
    const parsed = parseConfigFlat(`${lines.join('\n')}\n`);
    for (const [name, value] of Object.entries(expected)) {
      assert.deepEqual(parsed[name], value, name);
    }
  });

  it('types the process, wasm and push limits from config.flat (they stayed text once)', () => {
    const parsed = parseConfigFlat(
      'process_live_limit: 10\nwasm_time_limit: 2000\npush_max_depth: 3\nforce_signed: false\n',
    );
    assert.deepEqual(parsed, {
      process_live_limit: 10,
      wasm_time_limit: 2000,
      push_max_depth: 3,
      force_signed: false,
    });
  });

  it('accepts dashes in names, atoms and typed values', () => {
    assert.deepEqual(parseConfig({ 'await-inprogress': Atom.of('named'), port: 80 }), {
      await_inprogress: 'named',
      port: 80,
    });
    assert.deepEqual(parseConfig({ initialized: 'permanent', mode: 'prod' }), {
      initialized: 'permanent',
      mode: 'prod',
    });
  });

  it('types text as HyperBEAM atoms and numbers read, without changing its input', () => {
    const input = {
      port: '1234',
      'idle-timeout': '5000',
      force_signed: 'false',
      'store-all-signed': 'true',
      prometheus: 'false',
      await_inprogress: 'true',
      debug_print: 'true',
    };
    const copy = { ...input };
    assert.deepEqual(parseConfig(input), {
      port: 1234,
      idle_timeout: 5000,
      force_signed: false,
      store_all_signed: true,
      prometheus: false,
      await_inprogress: true,
      debug_print: true,
    });
    assert.deepEqual(input, copy);
    assert.deepEqual(parseConfig({ debug_print: 'http,hook' }), { debug_print: ['http', 'hook'] });
    assert.deepEqual(parseConfig({ 'await-inprogress': 'false' }), { await_inprogress: false });
    assert.deepEqual(parseConfig({}), {});
  });

  it('keeps values already of their type', () => {
    assert.deepEqual(parseConfig({ port: 80, force_signed: false, cache_control: ['always'] }), {
      port: 80,
      force_signed: false,
      cache_control: ['always'],
    });
    assert.deepEqual(parseConfig({ default_codec: 'json@1.0', host: '123' }), {
      default_codec: 'json@1.0',
      host: '123',
    });
  });

  it('keeps keys it does not know as given', () => {
    assert.deepEqual(parseConfig({ custom: '42', nested: { a: '1' } }), {
      custom: '42',
      nested: { a: '1' },
    });
  });

  it('refuses a wrong value naming the option', () => {
    const cases: [string, Value][] = [
      ['port', 'abc'],
      ['port', '70000'],
      ['port', '1.5'],
      ['process_live_limit', 'ten'],
      ['process_live_limit', '0'],
      ['force_signed', 'maybe'],
      ['mode', 'fast'],
      ['await_inprogress', 'sometimes'],
      ['idle_timeout', '1s'],
      ['idle_timeout', '1.5'],
      ['port', ''],
      ['port', 'Infinity'],
      ['on', 'text'],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => parseConfig({ [name]: value }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.option === name &&
          error.message.includes(`'${name}'`),
        `${name}: ${String(value)}`,
      );
    }
    assert.throws(() => parseConfigFlat('wasm_live_limit: many\n'), /'wasm_live_limit'/);
  });

  it('gives every option a default', () => {
    const all = defaults();
    for (const name of names) assert.ok(Object.hasOwn(all, name), name);
  });
});
