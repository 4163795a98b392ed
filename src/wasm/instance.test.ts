/** Unit tests for putting a WASM memory back as it was kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreChanged } from './instance.ts';

const PAGE = 65536;

describe('restoreChanged', () => {
  it('undoes changes on any page and clears memory grown since', () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 8 });
    const view = () => new Uint8Array(memory.buffer);
    view().fill(7, 0, PAGE * 2);
    view()[PAGE * 3 + 5] = 9;
    const kept = view().slice();
    view()[1] = 1; // first page
    view()[PAGE * 3 + 5] = 0; // last page
    view().fill(3, PAGE + 100, PAGE + 200);
    memory.grow(2);
    view()[PAGE * 5] = 42;
    restoreChanged(memory, kept);
    assert.equal(memory.buffer.byteLength, PAGE * 6, 'memory never shrinks');
    assert.deepEqual(view().subarray(0, kept.length), kept);
    assert.ok(
      view()
        .subarray(kept.length)
        .every((b) => b === 0),
    );
  });

  it('leaves unchanged memory as it is', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    new Uint8Array(memory.buffer).fill(5);
    const kept = new Uint8Array(memory.buffer).slice();
    restoreChanged(memory, kept);
    assert.deepEqual(new Uint8Array(memory.buffer), kept);
  });
});
