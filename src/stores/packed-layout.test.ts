/**
 * Messages in packed records (memory and LMDB stores): a message is a few
 * entries, yet every path into it reads as before — keys, nested messages,
 * nested messages by their commitment IDs — the same content signed again
 * adds its commitments, and nothing is written inside a stored message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { commitmentsOf } from '../codecs/commitments.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { messageId } from '../engine/ids.ts';
import { LmdbStore } from './lmdb.ts';
import { MemoryStore } from './memory.ts';
import type { Store } from './store.ts';
import { TieredMessageStore } from './tiered.ts';

const one = loadWallet(sharedPath('fixtures', 'key-1.json'));
const two = loadWallet(sharedPath('fixtures', 'key-2.json'));
let stores = 0;
const dir = mkdtempSync(join(tmpdir(), 'hb-packed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const kinds: [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  ['lmdb', () => new LmdbStore(join(dir, `store-${stores++}`))],
];

for (const [name, open] of kinds) {
  describe(`packed messages: ${name}`, () => {
    it('reads keys, nested messages and lists by path', async () => {
      const store = open();
      const messages = new TieredMessageStore([store]);
      const id = await messages.write({ a: 'x', n: 3, inner: { b: 'y', deeper: { c: 'z' } } });
      assert.equal(new TextDecoder().decode(await store.read(`${id}/a`)), 'x');
      assert.equal(new TextDecoder().decode(await store.read(`${id}/inner/deeper/c`)), 'z');
      assert.equal(await store.type(`${id}/inner`), 'composite');
      assert.equal(await store.type(`${id}/inner/b`), 'simple');
      assert.equal(await store.type(`${id}/missing`), undefined);
      assert.deepEqual((await store.list(`${id}/inner`))?.sort(), ['b', 'deeper']);
      assert.deepEqual(await messages.read(`${id}/inner`), { b: 'y', deeper: { c: 'z' } });
      await assert.rejects(store.write(`${id}/inner/new`, new Uint8Array([1])), {
        code: 'path_collision',
      });
      await messages.close();
    });

    it('finds a nested signed message by its IDs, and stores it on its own later', async () => {
      const store = open();
      const messages = new TieredMessageStore([store]);
      const body = signHttpsig({ say: 'hi' }, one);
      const outer = await messages.write({ kind: 'envelope', body });
      const ids = Object.keys(commitmentsOf(body));
      for (const cid of ids) assert.deepEqual(await messages.read(cid), body);
      // The same message written on its own: read by its IDs still, and the envelope too.
      const own = await messages.write(body);
      assert.equal(own, messageId(body));
      for (const cid of ids) assert.deepEqual(await messages.read(cid), body);
      assert.deepEqual(await messages.read(outer), { kind: 'envelope', body });
      await messages.close();
    });

    it('adds the commitments of the same content signed again', async () => {
      const store = open();
      const messages = new TieredMessageStore([store]);
      const first = signHttpsig({ k: 'v' }, one);
      const second = signHttpsig({ k: 'v' }, two);
      await messages.write(first);
      await messages.write(second);
      for (const signed of [first, second]) {
        for (const cid of Object.keys(commitmentsOf(signed))) {
          const read = (await messages.read(cid)) as Message;
          assert.equal(read.k, 'v');
          assert.ok(Object.hasOwn(commitmentsOf(read), cid), `${cid} is among its commitments`);
        }
      }
      await messages.close();
    });

    it('adds commitments to a commitments group kept elsewhere behind a link', async () => {
      const store = open();
      const messages = new TieredMessageStore([store]);
      const signed = signHttpsig({ k: 'linked' }, one);
      const id = await messages.write({ k: 'linked' });
      // HyperBEAM's layout may leave `<id>/commitments` as a link to a map.
      await store.makeGroup('kept/commitments-of');
      await store.makeLink('kept/commitments-of', `${id}/commitments`);
      await messages.write(signed);
      const cids = Object.keys(commitmentsOf(signed));
      assert.deepEqual((await store.list('kept/commitments-of'))?.sort(), cids.sort());
      for (const cid of cids) assert.deepEqual(await messages.read(cid), signed);
      await messages.close();
    });
  });
}
