/**
 * Messages read by ID are kept, and read again once a write touches any
 * entry they were read from: new commitments, new children, a link moved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { commitmentsOf } from '../codecs/commitments.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { unsignedMessageId } from '../engine/ids.ts';
import { LmdbStore } from './lmdb.ts';
import { MemoryStore } from './memory.ts';
import type { Store } from './store.ts';
import { TieredMessageStore } from './tiered.ts';
import { TreeMemo } from './tree-memo.ts';

const one = loadWallet(sharedPath('fixtures', 'key-1.json'));
const two = loadWallet(sharedPath('fixtures', 'key-2.json'));
const dir = mkdtempSync(join(tmpdir(), 'hb-tree-memo-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;

const kinds: [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  ['lmdb', () => new LmdbStore(join(dir, `store-${stores++}`))],
];

for (const [name, open] of kinds) {
  describe(`messages read again after a write: ${name}`, () => {
    it('shows commitments added to the same content', async () => {
      const messages = new TieredMessageStore([open()]);
      const first = signHttpsig({ k: 'v' }, one);
      const id = unsignedMessageId(first);
      await messages.write(first);
      assert.deepEqual(await messages.read(id), first);
      assert.deepEqual(await messages.read(id), first);
      const second = signHttpsig({ k: 'v' }, two);
      await messages.write(second);
      const both = Object.keys({ ...commitmentsOf(first), ...commitmentsOf(second) }).sort();
      assert.deepEqual(Object.keys(commitmentsOf((await messages.read(id)) ?? {})).sort(), both);
      await messages.close();
    });

    it('shows a child written under a message, and a link moved', async () => {
      const store = open();
      const messages = new TieredMessageStore([store]);
      const id = await messages.write({ a: '1' });
      assert.deepEqual(await messages.read(id), { a: '1' });
      await store.write(`${id}/b`, new TextEncoder().encode('2'));
      assert.deepEqual(await messages.read(id), { a: '1', b: '2' });
      const other = await messages.write({ c: '3' });
      await store.makeLink(id, 'alias');
      assert.deepEqual(await messages.read('alias'), { a: '1', b: '2' });
      await store.makeLink(other, 'alias', true);
      assert.deepEqual(await messages.read('alias'), { c: '3' });
      await store.reset?.();
      assert.equal(await messages.read(other), undefined);
      await messages.close();
    });
  });
}

describe('TreeMemo', () => {
  it('keeps at most 8 MiB of trees, the newest', () => {
    const memo = new TreeMemo();
    const big = () => ({ v: new Uint8Array(250 * 1024) });
    for (let i = 0; i < 40; i++) memo.keep(`id${i}`, big(), new Set([`id${i}`]));
    assert.equal(memo.get('id0'), undefined);
    assert.ok(memo.get('id39'));
    let kept = 0;
    for (let i = 0; i < 40; i++) if (memo.get(`id${i}`)) kept++;
    assert.equal(kept, Math.floor((8 * 1024) / 250));
  });

  it('keeps at most 256 trees, and none larger than 256 KiB', () => {
    const memo = new TreeMemo();
    for (let i = 0; i < 300; i++)
      memo.keep(`id${i}`, { v: new Uint8Array(1) }, new Set([`id${i}`]));
    assert.equal(memo.get('id0'), undefined);
    assert.ok(memo.get('id299'));
    memo.keep('big', { v: new Uint8Array(256 * 1024 + 1) }, new Set(['big']));
    assert.equal(memo.get('big'), undefined);
    memo.forget('id299');
    assert.equal(memo.get('id299'), undefined);
  });
});
