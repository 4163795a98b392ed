import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreSparse, sparseSnapshot } from './sparse-memory.ts';

const PAGE = 65536;

function memoryWith(pages: number, writes: [number, number][]): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 64 });
  const bytes = new Uint8Array(memory.buffer);
  for (const [at, value] of writes) bytes[at] = value;
  return memory;
}

describe('sparse memory snapshots', () => {
  it('keeps only the pages that are not all zeros', () => {
    const memory = memoryWith(8, [
      [10, 1],
      [3 * PAGE + PAGE - 1, 2],
    ]);
    const snapshot = sparseSnapshot(memory);
    assert.equal(snapshot.length, 12 + 2 * 4 + 2 * PAGE);
  });

  it('restores into a smaller memory, growing it, and into one holding other bytes', () => {
    const memory = memoryWith(8, [
      [10, 1],
      [5 * PAGE + 7, 9],
    ]);
    const snapshot = sparseSnapshot(memory);
    const small = memoryWith(2, []);
    restoreSparse(small, snapshot);
    assert.deepEqual(new Uint8Array(small.buffer), new Uint8Array(memory.buffer));
    const dirty = memoryWith(8, [
      [PAGE + 3, 4],
      [10, 7],
      [7 * PAGE, 1],
    ]);
    restoreSparse(dirty, snapshot);
    assert.deepEqual(new Uint8Array(dirty.buffer), new Uint8Array(memory.buffer));
  });

  it('refuses a truncated or malformed snapshot', () => {
    const memory = memoryWith(1, []);
    assert.throws(() => restoreSparse(memory, new Uint8Array(4)), /truncated/);
    const snapshot = sparseSnapshot(memoryWith(2, [[PAGE, 1]]));
    assert.throws(
      () => restoreSparse(memory, snapshot.subarray(0, snapshot.length - 1)),
      /malformed/,
    );
    const wrongPage = snapshot.slice();
    new DataView(wrongPage.buffer).setUint32(12, 5, true); // beyond the memory's 2 pages
    assert.throws(() => restoreSparse(memory, wrongPage), /malformed/);
  });
});
