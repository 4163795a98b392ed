/**
 * Nodes as separate OS processes, as operators run them: each with its own
 * wallet file, LMDB store and JSON configuration (HyperBEAM's option names),
 * started with `hyperbeam start --config <file>` on a free loopback port.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Message } from '../../src/core/message.ts';
import { saveWallet, type Wallet } from '../../src/crypto/wallet.ts';
import { quickWallet } from './node.ts';
import { sharedPath } from './shared.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const run = promisify(execFile);

export interface NodeProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly address: string;
  readonly wallet: Wallet;
  readonly dir: string;
  /** SIGTERM, and wait for the process to end. */
  stop(): Promise<void>;
  /** SIGKILL (no chance to flush anything), and wait for the process to end. */
  kill(): Promise<void>;
}

/** A loopback port free now (for nodes that must know each other's URLs before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where a cluster's nodes keep their files; `remove` deletes them all. */
export function clusterDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hb-cluster-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The node's files: its wallet, its configuration (store, port 0, quiet). */
function prepare(root: string, name: string, wallet: Wallet, config: Message): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'wallet.json');
  saveWallet(key, wallet);
  const store = [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }];
  const extra = Array.isArray(config.store) ? config.store : [];
  const file = join(dir, 'config.json');
  const options = {
    port: 0,
    bind: '127.0.0.1',
    quiet: true,
    priv_key_location: key,
    ...config,
    store: [...store, ...extra],
  };
  writeFileSync(file, JSON.stringify(options, null, 2));
  return file;
}

/** Put fixture files (WASM modules) into a node's store before it starts; returns their IDs. */
export async function importFixtures(
  root: string,
  name: string,
  files: string[],
): Promise<string[]> {
  const config = join(root, name, 'config.json');
  const { stdout } = await run(process.execPath, [
    MAIN,
    'import',
    '--config',
    config,
    ...files.map((f) => sharedPath('fixtures', f)),
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/)[0] as string);
}

/** Write a node's files without starting it (to import into its store first). */
export function prepareNode(
  root: string,
  name: string,
  config: Message = {},
  wallet: Wallet = quickWallet(),
): { wallet: Wallet; start(): Promise<NodeProcess> } {
  const file = prepare(root, name, wallet, config);
  return { wallet, start: () => launch(root, name, wallet, file) };
}

/** Start a node process; resolves once it serves. */
export function startNodeProcess(
  root: string,
  name: string,
  config: Message = {},
  wallet: Wallet = quickWallet(),
): Promise<NodeProcess> {
  return prepareNode(root, name, config, wallet).start();
}

function launch(root: string, name: string, wallet: Wallet, file: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} did not start: ${why}\n${out}\n${err}`));
    };
    const timer = setTimeout(() => fail('no banner within 30 s'), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(`it exited with ${code}`);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /== Node activate at: (\S+) ==/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve({
        name,
        url,
        port: Number(new URL(url).port),
        address: wallet.address,
        wallet,
        dir: join(root, name),
        stop: () => stopChild(child),
        kill: () => stopChild(child, 'SIGKILL'),
      });
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
