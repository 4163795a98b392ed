import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Atom, Float } from '../core/message.ts';
import {
  DEFAULT_STORE_MODULE,
  isConfigValue,
  loadConfig,
  parseConfigFlat,
  parseConfigJson,
} from './config.ts';

describe('config.flat (HyperBEAM format)', () => {
  it('reads key: value lines with the defaults types (hb_opts:load_test)', () => {
    const config = parseConfigFlat(
      'port: 1234\nhost: https://ao.computer\nawait-inprogress: false\n',
    );
    assert.deepEqual(config, { port: 1234, host: 'https://ao.computer', await_inprogress: false });
  });

  it('ignores lines without exactly one ": "', () => {
    assert.deepEqual(parseConfigFlat('no separator\na: b: c\nmode: prod'), { mode: 'prod' });
  });

  it('nests a/b keys and applies an ao-types line', () => {
    const config = parseConfigFlat('store/prefix: cache\nlimit: 5\nao-types: limit="integer"\n');
    assert.deepEqual(config, { store: { prefix: 'cache' }, limit: 5 });
  });

  it('accepts CRLF line ends', () => {
    assert.deepEqual(parseConfigFlat('port: 10000\r\n'), { port: 10000 });
  });

  it('rejects a value that cannot take its option type', () => {
    assert.throws(() => parseConfigFlat('port: many'), /port/);
  });
});

describe('JSON configuration', () => {
  it('reads an object of options with native and coerced types', () => {
    const config = parseConfigJson(
      '{"port": "9000", "force-signed": false, "on": {"request": {"device": "relay@1.0"}}, "ratio": 1.5}',
    );
    assert.deepEqual(config, {
      port: 9000,
      force_signed: false,
      on: { request: { device: 'relay@1.0' } },
      ratio: 1.5,
    });
  });

  it('refuses non-objects and nulls', () => {
    assert.throws(() => parseConfigJson('[1]'), /object/);
    assert.throws(() => parseConfigJson('{"a": null}'), /null/);
    assert.throws(() => parseConfigJson('{'), /not JSON/);
  });
});

describe('configuration precedence: flags > env > file > defaults', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
    writeFileSync(join(dir, 'config.flat'), 'port: 1000\nmode: prod\nhost: file-host\n');
    writeFileSync(join(dir, 'other.json'), '{"port": 3000, "host": "json-host"}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ./config.flat when present', () => {
    const { config, sources, file } = loadConfig({ cwd: dir });
    assert.equal(file, join(dir, 'config.flat'));
    assert.equal(config.port, 1000);
    assert.equal(config.mode, 'prod');
    assert.equal(sources.port, 'file');
  });

  it('lets the environment beat the file', () => {
    const { config, sources } = loadConfig({
      cwd: dir,
      env: { HB_PORT: '2000', HB_MODE: 'debug', HB_KEY: 'k.json', HB_STORE: 'data' },
    });
    assert.equal(config.port, 2000);
    assert.equal(sources.port, 'env');
    assert.equal(config.mode, 'debug');
    assert.equal(config.host, 'file-host');
    assert.equal(config.priv_key_location, join(dir, 'k.json'));
    assert.deepEqual(config.store, [{ 'store-module': DEFAULT_STORE_MODULE, prefix: 'data' }]);
  });

  it('lets flags beat the environment', () => {
    const { config, sources } = loadConfig({
      cwd: dir,
      env: { HB_PORT: '2000', HB_KEY: 'env.json', HB_STORE: 'env-store' },
      flags: { port: '4000', key: 'flag.json', store: 'flag-store' },
    });
    assert.equal(config.port, 4000);
    assert.equal(sources.port, 'flag');
    assert.equal(config.priv_key_location, join(dir, 'flag.json'));
    assert.deepEqual(config.store, [
      { 'store-module': DEFAULT_STORE_MODULE, prefix: 'flag-store' },
    ]);
  });

  it('picks the file by --config, then HB_CONFIG', () => {
    const byEnv = loadConfig({ cwd: dir, env: { HB_CONFIG: 'other.json' } });
    assert.equal(byEnv.config.host, 'json-host');
    const byFlag = loadConfig({
      cwd: dir,
      env: { HB_CONFIG: 'missing.json' },
      flags: { config: 'config.flat' },
    });
    assert.equal(byFlag.config.host, 'file-host');
  });

  it('refuses a named file that does not exist, and bad values', () => {
    assert.throws(
      () => loadConfig({ cwd: dir, flags: { config: 'nope.flat' } }),
      /no configuration/,
    );
    assert.throws(() => loadConfig({ cwd: dir, env: { HB_PORT: 'x' } }), /HB_PORT/);
    assert.throws(() => loadConfig({ cwd: dir, flags: { port: '70000' } }), /--port/);
    assert.throws(() => loadConfig({ cwd: dir, env: { HB_MODE: 'fast' } }), /HB_MODE/);
  });

  it('without any source, gives nothing (the defaults apply)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hb-config-empty-'));
    try {
      assert.deepEqual(loadConfig({ cwd: empty, env: {} }), { config: {}, sources: {} });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
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
    for (const value of [
      null,
      undefined,
      () => 1,
      new Map(),
      new (class Store {})(),
      10n,
      Symbol('x'),
    ]) {
      assert.equal(isConfigValue(value), false, String(value));
    }
  });

  it('refuses lists and messages holding anything else', () => {
    assert.equal(isConfigValue(['a', null]), false);
    assert.equal(isConfigValue({ a: '1', b: undefined }), false);
    assert.equal(isConfigValue({ a: { f: () => 1 } }), false);
  });
});
