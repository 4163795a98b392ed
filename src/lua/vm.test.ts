/**
 * The Lua VM's value path and snapshots: strings go in through a scratch
 * area (or an allocation when larger), and a snapshot restores to a VM that
 * carries on as the original would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LuaVM } from './vm.ts';

const limits = { instructions: 1e8, memory: 2 ** 26 };
const host = async () => [];
const source = new TextEncoder().encode(`
  Count = 0
  function echo(v) return v end
  function bump(n) Count = Count + n; return Count end
  function size(s) return #s end`);

async function loaded(): Promise<LuaVM> {
  const vm = await LuaVM.create(limits);
  await vm.load(source, 'test', host);
  vm.sandbox(false);
  return vm;
}

/** `check` with `vm` and a VM restored from its snapshot now; both closed after. */
async function besideRestored(vm: LuaVM, check: (restored: LuaVM) => Promise<void>): Promise<void> {
  const restored = await LuaVM.restore(vm.snapshot(), limits);
  try {
    assert.ok(restored);
    await check(restored);
  } finally {
    vm.close();
    restored?.close();
  }
}

describe('LuaVM', () => {
  it('takes text, bytes and long strings in unchanged', async () => {
    const vm = await loaded();
    try {
      assert.deepEqual(await vm.call('echo', ['héllo ✓'], host), ['héllo ✓']);
      const bytes = new Uint8Array([0, 255, 1, 128]);
      assert.deepEqual(await vm.call('echo', [bytes], host), [bytes]);
      // Beyond the scratch area: allocated for the call instead.
      const long = 'x'.repeat(200_000);
      assert.deepEqual(await vm.call('size', [long], host), [200_000]);
      assert.deepEqual(await vm.call('echo', [{ key: 'v', n: 3 }], host), [{ key: 'v', n: 3 }]);
    } finally {
      vm.close();
    }
  });

  it('restores a snapshot that carries on as the original does', async () => {
    const vm = await loaded();
    await vm.call('bump', [5], host);
    await besideRestored(vm, async (restored) => {
      for (const n of [1, 2, 3]) {
        assert.deepEqual(await restored.call('bump', [n], host), await vm.call('bump', [n], host));
      }
      assert.deepEqual(await restored.call('echo', ['after ✓'], host), ['after ✓']);
    });
  });

  it('restores a snapshot from before the scratch area, without using it', async () => {
    const vm = await loaded();
    await vm.call('bump', [2], host);
    const restored = await LuaVM.restore(vm.snapshot(), limits, { scratchKept: false });
    vm.close();
    assert.ok(restored);
    try {
      assert.deepEqual(await restored.call('bump', [1], host), [3]);
      assert.deepEqual(await restored.call('echo', ['text'], host), ['text']);
    } finally {
      restored.close();
    }
  });

  it('refuses a snapshot that is not one', async () => {
    assert.equal(await LuaVM.restore(new Uint8Array(4), limits), undefined);
  });
});

describe('LuaVM snapshots and the heap break', () => {
  it('keep a large heap (beyond the fresh one) and clear nothing the restored VM needs', async () => {
    const vm = await loaded();
    // Grow the heap well past a fresh VM's: a table of long distinct strings.
    await vm.call(
      'echo',
      [Array.from({ length: 2000 }, (_, i) => `${i}:${'y'.repeat(1000)}`)],
      host,
    );
    const grown = new TextEncoder().encode(`
      Kept = {}
      for i = 1, 3000 do Kept[i] = string.rep(tostring(i), 300) end
      function kept(i) return Kept[i] end`);
    await vm.load(grown, 'grown', host);
    await besideRestored(vm, async (restored) => {
      for (const i of [1, 1500, 3000]) {
        assert.deepEqual(await restored.call('kept', [i], host), await vm.call('kept', [i], host));
      }
    });
  });
});
