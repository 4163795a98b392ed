/**
 * `hyperbeam start` as operators run it: a child process that creates its
 * wallet, prints its URL and address, serves HTTP, and stops cleanly on
 * SIGTERM or SIGINT.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '../../test/support/shared.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'src', 'cli', 'main.ts');
const FIXTURE_KEY = sharedPath('fixtures', 'key-2.json');

interface Started {
  child: ChildProcess;
  url: string;
  address: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Start the CLI and wait for its banner. */
function start(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Started> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HB_')),
  );
  const child = spawn(process.execPath, [MAIN, 'start', ...args], {
    cwd,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // A node that does not stop is a failure, not a hung test run.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const url = /Node activate at: (\S+) ==/.exec(out)?.[1];
      const address = /Operator: (\S+) ==/.exec(out)?.[1];
      const complete = /config: .*\n/.test(out);
      if (url && address && complete) resolve({ child, url, address, output: () => out, exited });
    });
    exited.then((code) => reject(new Error(`exited ${code} before starting:\n${out}`)));
  });
}

describe('hyperbeam start', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-start-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates hyperbeam-key.json, serves its info, stops on SIGTERM', async () => {
    const node = await start(['--port', '0'], dir);
    const jwk = JSON.parse(readFileSync(join(dir, 'hyperbeam-key.json'), 'utf8'));
    assert.equal(jwk.kty, 'RSA');
    assert.equal(Buffer.from(jwk.n, 'base64url').length, 512); // 4096 bits
    assert.match(node.output(), /wallet: .*hyperbeam-key\.json \(created\)/);
    const info = await fetch(`${node.url}/~meta@1.0/info`);
    assert.equal(info.status, 200);
    assert.equal(info.headers.get('address'), node.address);
    const address = await fetch(`${node.url}/~meta@1.0/info/address`);
    assert.equal(await address.text(), node.address);
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 0);
    assert.match(node.output(), /SIGTERM: stopping[\s\S]*stopped/);
  });

  it('takes --key, a config file from HB_CONFIG, and stops on SIGINT', async () => {
    copyFileSync(FIXTURE_KEY, join(dir, 'node.json'));
    writeFileSync(join(dir, 'node.flat'), 'test_config_item: from-file\nport: 1\n');
    const node = await start(['--key', 'node.json', '--port', '0'], dir, {
      HB_CONFIG: 'node.flat',
    });
    assert.doesNotMatch(node.output(), /\(created\)/);
    assert.match(node.output(), /config: .*node\.flat/);
    const item = await fetch(`${node.url}/~meta@1.0/info/test_config_item`);
    assert.equal(await item.text(), 'from-file');
    node.child.kill('SIGINT');
    assert.equal(await node.exited, 0);
  });

  it('exits with a clear message on a bad flag value', async () => {
    await assert.rejects(start(['--port', 'eighty'], dir), /--port must be a port number/);
  });
});
