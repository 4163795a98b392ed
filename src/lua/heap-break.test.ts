/** The Lua build's heap break is found, and lies above everything the heap has handed out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LuaFactory } from 'wasmoon';
import { heapBreakAddress } from './heap-break.ts';

describe('heapBreakAddress', () => {
  it('finds the word that holds the break of a fresh module, which moves up as the heap grows', async () => {
    const address = await heapBreakAddress();
    assert.equal(typeof address, 'number', 'the break is found for this build');
    const m = (await new LuaFactory().getLuaModule()).module;
    const breakNow = () => new DataView(m.HEAPU8.buffer).getUint32(address as number, true);
    for (const size of [100, 70_000, 3_000_000]) {
      const at = m._malloc(size);
      assert.ok(breakNow() >= at + size, `a block of ${size} bytes lies below the break`);
    }
    const grown = breakNow();
    // Everything above the break is untouched memory.
    assert.ok(m.HEAPU8.subarray(grown).every((b: number) => b === 0));
    assert.equal(await heapBreakAddress(), address, 'found once');
  });
});
