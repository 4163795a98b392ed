/**
 * The store compliance suite: what every local backend must do (hb_store's
 * contract), and what the message cache over it must keep (messages read back
 * identical, with the same IDs, by every ID). Run with `storeCompliance(name,
 * open)`; `reopen` (persistent stores) checks data survives closing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signAns104 } from '../../src/codecs/ans104/index.ts';
import { commitmentsOf, verifyMessage } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { Atom, Float, type Message, valueEquals } from '../../src/core/message.ts';
import { loadWallet } from '../../src/crypto/wallet.ts';
import { messageId, unsignedMessageId } from '../../src/engine/ids.ts';
import type { Store } from '../../src/stores/store.ts';
import { TieredMessageStore } from '../../src/stores/tiered.ts';
import { message } from './arbitraries.ts';
import { sharedPath } from './shared.ts';

const codecs = createCodecRegistry();
const bytes = (text: string) => new TextEncoder().encode(text);
const textOf = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);

export interface ComplianceOptions {
  /** Open the same store again after `close()` (persistent backends). */
  reopen?: (old: Store) => Promise<Store>;
}

export function storeCompliance(
  name: string,
  open: () => Promise<Store>,
  options: ComplianceOptions = {},
): void {
  describe(`store compliance: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(() => store.close?.());

    it('reads back what it wrote, overwrites, and misses what it does not hold', async () => {
      await store.write('v/one', bytes('1'));
      assert.equal(textOf(await store.read('v/one')), '1');
      await store.write('v/one', bytes('uno'));
      assert.equal(textOf(await store.read('v/one')), 'uno');
      assert.equal(await store.read('v/missing'), undefined);
      assert.equal(await store.read('nowhere/at/all'), undefined);
    });

    it('keeps every byte value, large values, and empty values', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.write('v/bytes', all);
      assert.deepEqual(await store.read('v/bytes'), all);
      const big = new Uint8Array(1 << 20).fill(7);
      await store.write('v/big', big);
      assert.deepEqual(await store.read('v/big'), big);
      await store.write('v/empty', new Uint8Array());
      assert.deepEqual(await store.read('v/empty'), new Uint8Array());
    });

    it('types paths and lists groups, creating the groups above a value', async () => {
      await store.write('t/a/b/c', bytes('x'));
      assert.equal(await store.type('t/a/b/c'), 'simple');
      assert.equal(await store.type('t/a/b'), 'composite');
      assert.equal(await store.type('t/a'), 'composite');
      assert.equal(await store.type('t/none'), undefined);
      await store.write('t/a/d', bytes('y'));
      assert.deepEqual((await store.list('t/a'))?.sort(), ['b', 'd']);
      assert.equal(await store.list('t/a/d'), undefined);
      assert.equal(await store.list('t/none'), undefined);
    });

    it('makes groups, empty or existing', async () => {
      await store.makeGroup('g/empty');
      await store.makeGroup('g/empty');
      assert.equal(await store.type('g/empty'), 'composite');
      assert.deepEqual(await store.list('g/empty'), []);
      assert.deepEqual(await store.list('g'), ['empty']);
    });

    it('follows links to values and to groups, at any segment', async () => {
      await store.write('l/target/key', bytes('value'));
      await store.makeLink('l/target/key', 'l/to-value');
      await store.makeLink('l/target', 'l/to-group');
      assert.equal(textOf(await store.read('l/to-value')), 'value');
      assert.equal(textOf(await store.read('l/to-group/key')), 'value');
      assert.equal(await store.type('l/to-group'), 'composite');
      assert.deepEqual(await store.list('l/to-group'), ['key']);
      assert.equal(await store.resolve('l/to-group/key'), 'l/target/key');
      // Links to links.
      await store.makeLink('l/to-group', 'l/to-link');
      assert.equal(textOf(await store.read('l/to-link/key')), 'value');
    });

    it('keeps an existing link or value, and ignores a link to itself', async () => {
      await store.write('k/a', bytes('a'));
      await store.write('k/b', bytes('b'));
      await store.makeLink('k/a', 'k/link');
      await store.makeLink('k/b', 'k/link');
      assert.equal(textOf(await store.read('k/link')), 'a');
      await store.makeLink('k/b', 'k/a');
      assert.equal(textOf(await store.read('k/a')), 'a');
      await store.makeLink('k/a', 'k/a');
      assert.equal(textOf(await store.read('k/a')), 'a');
    });

    it('writes under a linked group into the group it links to', async () => {
      await store.makeGroup('w/real');
      await store.makeLink('w/real', 'w/alias');
      await store.write('w/alias/inside', bytes('in'));
      assert.equal(textOf(await store.read('w/real/inside')), 'in');
    });

    it('refuses cycles and value/group collisions with an error, not a hang', async () => {
      await store.makeLink('c/two', 'c/one');
      await store.makeLink('c/one', 'c/two');
      await assert.rejects(store.read('c/one/x'));
      await store.write('c/value', bytes('v'));
      await assert.rejects(store.write('c/value/below', bytes('x')));
      await assert.rejects(store.write('c', bytes('x')));
      await assert.rejects(store.write('../escape', bytes('x')));
    });

    describe('messages through the cache layer', () => {
      let cache: TieredMessageStore;
      const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
      before(() => {
        cache = new TieredMessageStore([store]);
      });

      async function roundTrip(msg: Message): Promise<void> {
        const id = await cache.write(msg);
        assert.equal(id, messageId(msg));
        const ids = new Set([id, unsignedMessageId(msg), ...Object.keys(commitmentsOf(msg))]);
        for (const each of ids) {
          const back = await cache.read(each);
          assert.ok(back, `read by ${each}`);
          assert.ok(valueEquals(back, msg), `same message by ${each}`);
          assert.equal(messageId(back), id);
        }
      }

      it('an unsigned message with typed and nested values', async () => {
        await roundTrip({
          text: 'hello',
          int: 42,
          float: new Float(1.5),
          atom: Atom.of('ok'),
          flag: true,
          list: [1, 'two', 3],
          nested: { deep: { deeper: 'x' }, n: -7 },
          raw: Uint8Array.of(0, 255, 128),
          empty: '',
        });
      });

      it('the empty message', () => roundTrip({}));

      it('httpsig- and ANS-104-signed messages, by every ID', async () => {
        await roundTrip(signHttpsig({ a: '1', nested: { b: 2 } }, wallet));
        await roundTrip(signAns104({ Action: 'Eval', data: 'print(1)' }, wallet));
      });

      it('two signatures of one message stay apart (they differ only in signature bytes)', async () => {
        const first = signHttpsig({ same: 'content' }, wallet);
        const second = signHttpsig({ same: 'content' }, wallet);
        await cache.write(first);
        await cache.write(second);
        for (const msg of [first, second]) {
          const [id] = Object.keys(commitmentsOf(msg)).filter(
            (c) => (commitmentsOf(msg)[c] as Message).committer !== undefined,
          );
          // Either ID gives the content with both signatures, each of which verifies.
          const back = (await cache.read(id as string)) as Message;
          assert.equal(back.same, 'content');
          assert.ok(await verifyMessage(back, { commitments: [id as string] }, codecs));
          assert.ok(await verifyMessage(back, { committers: 'all' }, codecs));
          assert.equal(Object.keys(commitmentsOf(back)).length, 3); // two signatures and the HMAC
        }
      });

      it('bytes at data/<sha-256>', async () => {
        const path = await cache.writeBinary(bytes('blob'));
        assert.match(path, /^data\/[A-Za-z0-9_-]{43}$/);
        assert.equal(textOf((await cache.readValue(path)) as Uint8Array), 'blob');
      });

      it('refuses keys that would split a path', async () => {
        await assert.rejects(cache.write({ 'a/b': '1' }), { code: 'bad_key' });
      });

      it('misses unknown IDs', async () => {
        assert.equal(await cache.read('A'.repeat(43)), undefined);
      });

      it('any message keeps its IDs (property)', async () => {
        await fc.assert(
          fc.asyncProperty(message({ bytes: true, depth: 2 }), async (msg) => {
            const id = await cache.write(msg);
            const back = await cache.read(id);
            assert.ok(back && valueEquals(back, msg));
            assert.equal(messageId(back), id);
          }),
          { numRuns: 30, seed: 11 },
        );
      });
    });

    if (options.reopen) {
      it('keeps everything across close and reopen', async () => {
        await store.write('p/kept', bytes('still here'));
        await store.makeLink('p/kept', 'p/link');
        const cache = new TieredMessageStore([store]);
        const id = await cache.write({ persisted: 'yes', n: 1 });
        store = await (options.reopen as (old: Store) => Promise<Store>)(store);
        assert.equal(textOf(await store.read('p/link')), 'still here');
        assert.deepEqual(await new TieredMessageStore([store]).read(id), {
          persisted: 'yes',
          n: 1,
        });
      });
    }
  });
}
