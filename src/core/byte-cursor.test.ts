import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteCursor } from './byte-cursor.ts';

const cursor = (bytes: number[]) =>
  new ByteCursor(Uint8Array.from(bytes), (what) => {
    throw new Error(`short: ${what}`);
  });

describe('ByteCursor', () => {
  it('reads bytes and runs in order, and says where it is', () => {
    const c = cursor([1, 2, 3, 4]);
    assert.equal(c.byte(), 1);
    assert.deepEqual([...c.take(2)], [2, 3]);
    assert.equal(c.at, 3);
    assert.equal(c.byte(), 4);
  });

  it('reports running past the end, or a negative length, as the format says', () => {
    assert.throws(() => cursor([]).byte('the tag'), /short: the tag/);
    assert.throws(() => cursor([1]).take(2, 'the key'), /short: the key/);
    assert.throws(() => cursor([1]).take(-1, 'a size'), /short: a size/);
  });
});
