import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Atom, type Message, type Value } from '../core/message.ts';
import { createContext } from '../defaults.ts';
import { type Directives, internal } from './context.ts';
import { ok, type Result } from './device.ts';
import { cacheSettings, MemoryResultCache } from './result-cache.ts';

const result = (body: string): Result => ok(body);

describe('MemoryResultCache', () => {
  it('reads back what was written', () => {
    const cache = new MemoryResultCache();
    const stored = result('x');
    cache.write('k', stored);
    assert.equal(cache.read('k'), stored);
    assert.equal(cache.size, 1);
  });

  it('misses unknown keys', () => {
    const cache = new MemoryResultCache();
    assert.equal(cache.read('missing'), undefined);
    assert.equal(cache.size, 0);
  });

  it('replaces the result of a key written twice', () => {
    const cache = new MemoryResultCache();
    cache.write('k', result('first'));
    cache.write('k', result('second'));
    assert.deepEqual(cache.read('k'), result('second'));
    assert.equal(cache.size, 1);
  });

  it('evicts the least recently written result when full', () => {
    const cache = new MemoryResultCache(2);
    cache.write('a', result('a'));
    cache.write('b', result('b'));
    cache.write('c', result('c'));
    assert.equal(cache.size, 2);
    assert.equal(cache.read('a'), undefined);
    assert.deepEqual(cache.read('b'), result('b'));
    assert.deepEqual(cache.read('c'), result('c'));
  });

  it('counts a read as a use', () => {
    const cache = new MemoryResultCache(2);
    cache.write('a', result('a'));
    cache.write('b', result('b'));
    cache.read('a');
    cache.write('c', result('c'));
    assert.deepEqual(cache.read('a'), result('a'));
    assert.equal(cache.read('b'), undefined);
  });

  it('counts a rewrite as a use', () => {
    const cache = new MemoryResultCache(2);
    cache.write('a', result('a'));
    cache.write('b', result('b'));
    cache.write('a', result('a2'));
    cache.write('c', result('c'));
    assert.deepEqual(cache.read('a'), result('a2'));
    assert.equal(cache.read('b'), undefined);
  });

  it('does not count a miss as a use', () => {
    const cache = new MemoryResultCache(2);
    cache.write('a', result('a'));
    cache.write('b', result('b'));
    cache.read('zzz');
    cache.write('c', result('c'));
    assert.equal(cache.read('a'), undefined);
    assert.equal(cache.size, 2);
  });

  it('holds 10,000 results by default', () => {
    const cache = new MemoryResultCache();
    for (let i = 0; i <= 10_000; i++) cache.write(`k${i}`, result(String(i)));
    assert.equal(cache.size, 10_000);
    assert.equal(cache.read('k0'), undefined);
    assert.deepEqual(cache.read('k1'), result('1'));
    assert.deepEqual(cache.read('k10000'), result('10000'));
  });

  it('with a limit of 1 keeps only the latest result', () => {
    const cache = new MemoryResultCache(1);
    cache.write('a', result('a'));
    cache.write('b', result('b'));
    assert.equal(cache.size, 1);
    assert.equal(cache.read('a'), undefined);
    assert.deepEqual(cache.read('b'), result('b'));
  });

  it('behaves like a reference LRU model', () => {
    type Op = { kind: 'read' | 'write'; key: string; value: string };
    const op: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom('read' as const, 'write' as const),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      value: fc.string({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 40 }), (limit, ops) => {
        const cache = new MemoryResultCache(limit);
        // Model: most recently used last.
        let model: [string, Result][] = [];
        for (const { kind, key, value } of ops) {
          const index = model.findIndex(([k]) => k === key);
          if (kind === 'read') {
            const expected = index === -1 ? undefined : model[index]?.[1];
            assert.equal(cache.read(key), expected);
            if (index !== -1) model = [...model.filter(([k]) => k !== key), [key, expected!]];
          } else {
            const stored = result(value);
            cache.write(key, stored);
            model = [...model.filter(([k]) => k !== key), [key, stored]];
            if (model.length > limit) model = model.slice(1);
          }
          assert.equal(cache.size, model.length);
        }
      }),
    );
  });
});

describe('cacheSettings', () => {
  const none = { store: false, lookup: false, onlyIfCached: false };
  const cc = (value: Value): Message => ({ 'cache-control': value });

  it('defaults to neither storing nor looking up', () => {
    assert.deepEqual(cacheSettings({}, undefined, undefined), none);
    assert.deepEqual(cacheSettings({}, { a: 1 }, { path: 'a' }), none);
  });

  it('reads each directive', () => {
    assert.deepEqual(cacheSettings({ cacheControl: ['always'] }, undefined, undefined), {
      store: true,
      lookup: true,
      onlyIfCached: false,
    });
    assert.deepEqual(cacheSettings({ cacheControl: ['store'] }, undefined, undefined), {
      ...none,
      store: true,
    });
    assert.deepEqual(cacheSettings({ cacheControl: ['cache'] }, undefined, undefined), {
      ...none,
      lookup: true,
    });
    assert.deepEqual(cacheSettings({ cacheControl: ['only-if-cached'] }, undefined, undefined), {
      ...none,
      onlyIfCached: true,
    });
    assert.deepEqual(
      cacheSettings({ cacheControl: ['no-store', 'no-cache'] }, undefined, undefined),
      none,
    );
  });

  it('gives always priority over no-store and no-cache', () => {
    assert.deepEqual(
      cacheSettings({ cacheControl: ['no-store', 'no-cache', 'always'] }, undefined, undefined),
      { store: true, lookup: true, onlyIfCached: false },
    );
  });

  it('gives no-store and no-cache priority over store and cache', () => {
    assert.deepEqual(
      cacheSettings({ cacheControl: ['store', 'no-store', 'cache', 'no-cache'] }, undefined, {
        'cache-control': 'always',
      }),
      none,
      'the negatives are decided in the options, so the request cannot override them',
    );
  });

  it('ignores unknown directives and normalises case', () => {
    assert.deepEqual(cacheSettings({ cacheControl: ['max-age=5', 'bogus'] }, undefined, {}), none);
    assert.deepEqual(cacheSettings({ cacheControl: ['ALWAYS'] }, undefined, undefined), {
      store: true,
      lookup: true,
      onlyIfCached: false,
    });
    assert.deepEqual(cacheSettings({}, cc('No-Store'), cc('store')), none);
  });

  it('accepts atoms as directives', () => {
    assert.deepEqual(cacheSettings({}, cc([Atom.of('cache')]), undefined), {
      ...none,
      lookup: true,
    });
  });

  describe('precedence: options, then the first message, then the second', () => {
    it('options win over both messages', () => {
      assert.deepEqual(
        cacheSettings({ cacheControl: ['no-store', 'no-cache'] }, cc('always'), cc('always')),
        none,
      );
      assert.deepEqual(
        cacheSettings({ cacheControl: ['always'] }, cc(['no-store', 'no-cache']), cc('no-store')),
        { store: true, lookup: true, onlyIfCached: false },
      );
    });

    it('the first message wins over the second', () => {
      assert.deepEqual(cacheSettings({}, cc(['no-store', 'no-cache']), cc('always')), none);
      assert.deepEqual(cacheSettings({}, cc('always'), cc(['no-store', 'no-cache'])), {
        store: true,
        lookup: true,
        onlyIfCached: false,
      });
    });

    it('is decided field by field', () => {
      // Options decide store only; lookup falls through to the first message.
      assert.deepEqual(cacheSettings({ cacheControl: ['no-store'] }, cc('cache'), undefined), {
        ...none,
        lookup: true,
      });
      // The first message decides lookup only; store falls through to the second.
      assert.deepEqual(cacheSettings({}, cc('no-cache'), cc('always')), {
        store: true,
        lookup: false,
        onlyIfCached: false,
      });
      // only-if-cached can come from any source.
      assert.deepEqual(cacheSettings({ cacheControl: ['cache'] }, {}, cc('only-if-cached')), {
        ...none,
        lookup: true,
        onlyIfCached: true,
      });
    });

    it('the second message applies when nothing else decides', () => {
      assert.deepEqual(cacheSettings({}, {}, cc('store')), { ...none, store: true });
      assert.deepEqual(cacheSettings({}, undefined, cc(['cache', 'store'])), {
        ...none,
        store: true,
        lookup: true,
      });
    });
  });

  it('ignores messages without cache-control and values that are not messages', () => {
    assert.deepEqual(
      cacheSettings({}, 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s', cc('always')),
      {
        store: true,
        lookup: true,
        onlyIfCached: false,
      },
    );
    assert.deepEqual(cacheSettings({}, ['always'], undefined), none);
    assert.deepEqual(cacheSettings({}, { 'cache-control-x': 'always' }, undefined), none);
  });

  describe("hashpath: 'ignore'", () => {
    it('forces store off, even against always', () => {
      assert.deepEqual(cacheSettings({ hashpath: 'ignore', cacheControl: ['always'] }, {}, {}), {
        store: false,
        lookup: true,
        onlyIfCached: false,
      });
    });

    it('wins over the messages', () => {
      assert.deepEqual(cacheSettings({ hashpath: 'ignore' }, cc('always'), cc('store')), {
        store: false,
        lookup: true,
        onlyIfCached: false,
      });
    });

    it('does not apply to other hashpath modes', () => {
      for (const hashpath of ['update', 'reset'] as const) {
        assert.equal(cacheSettings({ hashpath }, cc('store'), undefined).store, true);
      }
    });
  });

  it('turns caching off for internal calls', () => {
    const ctx = internal(createContext({ directives: { cacheControl: ['always'] } }));
    assert.deepEqual(cacheSettings(ctx.directives, cc('always'), cc('always')), none);
  });

  it('does not modify the directives', () => {
    const directives: Directives = { hashpath: 'ignore', cacheControl: ['always'] };
    cacheSettings(directives, undefined, undefined);
    assert.deepEqual(directives, { hashpath: 'ignore', cacheControl: ['always'] });
  });
});
