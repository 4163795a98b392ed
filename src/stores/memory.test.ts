import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineIds } from '../core/ids.ts';
import type { Message } from '../core/message.ts';
import { MemoryStore } from './memory.ts';

const ID_A_TEXT = 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s'; // ID of {a: "1"}
const ID_EMPTY = 'VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ'; // ID of {}
const C1 = `c1${'A'.repeat(41)}`;
const C2 = `c2${'B'.repeat(41)}`;

describe('MemoryStore', () => {
  it('starts empty and misses unknown IDs', async () => {
    const store = new MemoryStore();
    assert.equal(store.size, 0);
    assert.equal(await store.read(ID_A_TEXT), undefined);
  });

  it('writes an unsigned message under its ID and returns the ID', async () => {
    const store = new MemoryStore();
    const msg: Message = { a: '1' };
    assert.equal(await store.write(msg), ID_A_TEXT);
    assert.equal(await store.read(ID_A_TEXT), msg);
    assert.equal(store.size, 1);
  });

  it('stores the empty message', async () => {
    const store = new MemoryStore();
    assert.equal(await store.write({}), ID_EMPTY);
    assert.deepEqual(await store.read(ID_EMPTY), {});
  });

  it('writes a message with one commitment under that commitment and its unsigned ID', async () => {
    const store = new MemoryStore();
    const msg: Message = { a: '1', commitments: { [C1]: { committer: 'addr-1' } } };
    assert.equal(await store.write(msg), C1);
    assert.equal(await store.read(C1), msg);
    assert.equal(await store.read(ID_A_TEXT), msg);
    assert.equal(store.size, 2);
  });

  it('writes a message with several commitments under every ID it answers to', async () => {
    const store = new MemoryStore();
    const msg: Message = {
      a: '1',
      commitments: { [C1]: { committer: 'addr-1' }, [C2]: { committer: 'addr-2' } },
    };
    const combined = combineIds([C1, C2]);
    assert.equal(await store.write(msg), combined);
    for (const id of [combined, ID_A_TEXT, C1, C2]) {
      assert.equal(await store.read(id), msg, id);
    }
    assert.equal(store.size, 4);
  });

  it('is idempotent for the same message', async () => {
    const store = new MemoryStore();
    const first = await store.write({ a: '1' });
    const second = await store.write({ a: '1' });
    assert.equal(first, second);
    assert.equal(store.size, 1);
  });

  it('keeps different messages apart', async () => {
    const store = new MemoryStore();
    const idA = await store.write({ a: '1' });
    const idB = await store.write({ a: 1 });
    assert.notEqual(idA, idB);
    assert.deepEqual(await store.read(idA), { a: '1' });
    assert.deepEqual(await store.read(idB), { a: 1 });
    assert.equal(store.size, 2);
  });

  it('lets a later message with the same unsigned ID take that ID over', async () => {
    const store = new MemoryStore();
    const plain: Message = { a: '1' };
    const committed: Message = { a: '1', commitments: { [C1]: { committer: 'addr-1' } } };
    await store.write(plain);
    await store.write(committed);
    assert.equal(await store.read(ID_A_TEXT), committed);
    assert.equal(await store.read(C1), committed);
  });

  it('does not find messages by a key they hold', async () => {
    const store = new MemoryStore();
    await store.write({ a: '1' });
    assert.equal(await store.read('a'), undefined);
    assert.equal(await store.read('toString'), undefined);
  });
});
