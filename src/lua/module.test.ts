/** The Lua module's own exports, caught as wasmoon instantiates it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { luaModule } from './module.ts';

describe('luaModule', () => {
  it("gives each module its own exports, over its memory, and puts WebAssembly's back", async () => {
    const instantiate = WebAssembly.instantiate;
    const [a, b] = await Promise.all([luaModule(), luaModule()]);
    assert.equal(WebAssembly.instantiate, instantiate);
    for (const { wasm, exports } of [a, b]) {
      const memory = exports?.memory as WebAssembly.Memory;
      assert.equal(memory.buffer, wasm.module.HEAPU8.buffer);
      assert.equal(typeof exports?.lua_pushlstring, 'function');
    }
    assert.notEqual(a.exports?.memory, b.exports?.memory);
    // The export is the function wasmoon's wrapper calls: a fresh state has an empty stack.
    const L = a.wasm.luaL_newstate();
    const gettop = a.exports?.lua_gettop as (L: number) => number;
    assert.equal(gettop(L), 0);
    a.wasm.lua_close(L);
  });
});
