/**
 * Durability of the default store (LMDB), through the real command line: a
 * node killed with SIGKILL in the middle of writes restarts with every write
 * it acknowledged; a clean stop keeps everything; `hyperbeam import` puts
 * modules where the node finds them; a corrupt entry is a 404, not a crash.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { base64url, sha256 } from '../../src/core/binary.ts';
import { LmdbStore } from '../../src/stores/lmdb.ts';
import { TieredMessageStore } from '../../src/stores/tiered.ts';
import { nodeWallet, send } from '../support/node.ts';
import { readFixture, sharedPath } from '../support/shared.ts';
import { signedRequest } from '../support/signing.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface Child {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

function startNode(cwd: string, store: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    [MAIN, 'start', '--port', '0', '--key', 'key.json', '--store', store],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      resolve(code);
    }),
  );
  let out = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const port = /Node activate at: http:\/\/localhost:(\d+)/.exec(out)?.[1];
      if (port && /config: .*\n/.test(out)) resolve({ child, port: Number(port), exited });
    });
    exited.then((code) => reject(new Error(`node exited ${code}:\n${out}`)));
  });
}

const pathOf = (text: string) => `data/${base64url(sha256(new TextEncoder().encode(text)))}`;

describe('store durability', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-durable-'));
    copyFileSync(sharedPath('fixtures', 'key-2.json'), join(dir, 'key.json'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write across SIGKILL in the middle of writes', async () => {
    const node = await startNode(dir, 'killed');
    const acknowledged: string[] = [];
    let killed = false;
    const writer = async (worker: number) => {
      for (let i = 0; !killed; i++) {
        const text = `write ${worker}-${i}`;
        const req = signedRequest('POST', { path: '/~cache@1.0/write', body: text }, nodeWallet);
        try {
          const res = await send(node, req);
          if (res.status === 200) acknowledged.push(text);
        } catch {
          return; // the node is gone
        }
        if (acknowledged.length >= 40 && !killed) {
          killed = true;
          node.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([writer(1), writer(2), writer(3), writer(4)]);
    await node.exited;
    assert.ok(acknowledged.length >= 40);

    const again = await startNode(dir, 'killed');
    try {
      for (const text of acknowledged) {
        const res = await send(again, { path: `/~cache@1.0/read?target=${pathOf(text)}` });
        assert.equal(res.status, 200, `${text}: ${res.text}`);
        assert.equal(res.text, text);
      }
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
  });

  it('keeps everything across a clean stop, and finds imported modules', async () => {
    writeFileSync(join(dir, 'module.wasm'), readFixture('test-64.wasm'));
    const imported = await run(['import', '--store', 'clean', 'module.wasm'], dir);
    assert.equal(imported.code, 0, imported.out);
    const id = /^(\S{43}) {2}module\.wasm$/m.exec(imported.out)?.[1];
    assert.ok(id, imported.out);

    const first = await startNode(dir, 'clean');
    const write = signedRequest('POST', { path: '/~cache@1.0/write', body: 'kept' }, nodeWallet);
    assert.equal((await send(first, write)).status, 200);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await startNode(dir, 'clean');
    try {
      assert.equal(
        (await send(second, { path: `/~cache@1.0/read?target=${pathOf('kept')}` })).text,
        'kept',
      );
      const module = await send(second, { path: `/${id}/content-type` });
      assert.equal(module.text, 'application/wasm');
      const body = await send(second, { path: `/~cache@1.0/read?target=${id}` });
      assert.deepEqual(new Uint8Array(body.body), new Uint8Array(readFixture('test-64.wasm')));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('reads a corrupt entry as not found', async () => {
    const prefix = join(dir, 'corrupt');
    const store = new LmdbStore(prefix);
    const cache = new TieredMessageStore([store]);
    const id = await cache.write({ fine: 'yes' });
    await store.close();
    // Damage the message's record behind the store's back: a group tag, then garbage.
    const raw = open({ path: prefix, maxDbs: 4 });
    const entries = raw.openDB({ name: 'entries', encoding: 'binary', keyEncoding: 'binary' });
    await entries.put(Buffer.from(id), Buffer.from([3, 9, 9, 9]));
    await raw.close();
    const reopened = new TieredMessageStore([new LmdbStore(prefix)]);
    await assert.rejects(reopened.read(id), { status: 404 });
    await reopened.close();
  });
});
