/**
 * flat@1.0 (codecs.md §6): TABMs as one-level maps keyed by `/`-joined paths,
 * rebuilding nesting (path collisions are CodecError 'path_collision'), and
 * the `path: value\n` line serialisation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  deserializeFlat,
  type FlatMap,
  flatToTabm,
  pathParts,
  serializeFlat,
  tabmToFlat,
} from './flat.ts';
import type { Tabm } from './structured.ts';

const codec = (code: string) => ({ name: 'CodecError', code });

describe('pathParts', () => {
  it('splits on / and drops empty parts', () => {
    assert.deepEqual(pathParts('a/b/c'), ['a', 'b', 'c']);
    assert.deepEqual(pathParts('/a//b/'), ['a', 'b']);
    assert.deepEqual(pathParts(''), []);
    assert.deepEqual(pathParts('///'), []);
  });
});

describe('tabmToFlat', () => {
  it('joins nested keys with /', () => {
    assert.deepEqual(tabmToFlat({ a: '1', n: { b: '2', deep: { c: '3', 'ao-types': 'x' } } }), {
      a: '1',
      'n/b': '2',
      'n/deep/c': '3',
      'n/deep/ao-types': 'x',
    });
  });

  it('keeps raw bytes as they are', () => {
    const raw = Uint8Array.from([0, 0xff]);
    assert.equal(tabmToFlat({ n: { raw } })['n/raw'], raw);
  });

  it('produces nothing for empty nested maps', () => {
    assert.deepEqual(tabmToFlat({ a: {}, b: { c: {} } }), {});
  });

  it('refuses values that are neither binaries nor maps', () => {
    const tabm = { n: { r: 42 } } as unknown as Tabm;
    assert.throws(() => tabmToFlat(tabm), codec('unsupported_value'));
  });
});

describe('flatToTabm', () => {
  it('rebuilds nesting from paths', () => {
    assert.deepEqual(flatToTabm({ a: '1', 'n/b': '2', 'n/deep/c': '3' }), {
      a: '1',
      n: { b: '2', deep: { c: '3' } },
    });
  });

  it('ignores empty path segments', () => {
    assert.deepEqual(flatToTabm({ '/d//e/': '3' }), { d: { e: '3' } });
  });

  it('merges map values with paths below them, in either order', () => {
    assert.deepEqual(flatToTabm({ a: { x: '1' }, 'a/y': '2' }), { a: { x: '1', y: '2' } });
    assert.deepEqual(flatToTabm({ 'a/y': '2', a: { x: '1' } }), { a: { y: '2', x: '1' } });
  });

  it('refuses a value below a leaf (path_collision)', () => {
    assert.throws(() => flatToTabm({ a: '1', 'a/b': '2' }), codec('path_collision'));
    assert.throws(() => flatToTabm({ a: '1', 'a/b/c': '2' }), codec('path_collision'));
  });

  it('refuses a leaf over a map (path_collision)', () => {
    assert.throws(() => flatToTabm({ 'a/b': '2', a: '1' }), codec('path_collision'));
  });

  it('refuses the same path given twice (path_collision)', () => {
    assert.throws(() => flatToTabm({ 'a/b': '1', 'a//b': '2' }), codec('path_collision'));
    assert.throws(() => flatToTabm({ a: '1', '/a': '2' }), codec('path_collision'));
  });

  it('refuses keys that are only slashes', () => {
    assert.throws(() => flatToTabm({ '': '1' }), codec('bad_key'));
    assert.throws(() => flatToTabm({ '//': '1' }), codec('bad_key'));
  });

  it('inverts tabmToFlat', () => {
    const tabm: Tabm = { a: '1', n: { b: Uint8Array.from([0xff]), deep: { c: '3' } } };
    assert.deepEqual(flatToTabm(tabmToFlat(tabm)), tabm);
  });

  // BUG (src/codecs/flat.ts flatToTabm): `node[part]` reads inherited
  // properties of plain objects, so a key named after an Object.prototype
  // member looks like an existing value. HyperBEAM has no such keys' special
  // case: `constructor` is an ordinary key.
  it('accepts keys named like Object.prototype members', () => {
    assert.deepEqual(flatToTabm({ constructor: 'x' }), { constructor: 'x' });
    assert.deepEqual(flatToTabm({ 'constructor/a': 'x' }), { constructor: { a: 'x' } });
  });

  // BUG (src/codecs/flat.ts flatToTabm): `root['__proto__']` is
  // Object.prototype, which isMessage() accepts, so the path `__proto__/x`
  // writes `x` onto Object.prototype (prototype pollution). Multipart part
  // names from HTTP requests reach this function (see httpsig/decode.test.ts).
  it('never writes through a __proto__ path segment', () => {
    let outcome: Tabm | Error;
    try {
      outcome = flatToTabm({ '__proto__/polluted': 'yes' });
    } catch (error) {
      outcome = error as Error;
    }
    const polluted = Object.hasOwn(Object.prototype, 'polluted');
    delete (Object.prototype as Record<string, unknown>).polluted;
    assert.equal(polluted, false, 'Object.prototype.polluted was set');
    // Either an own `__proto__` key or a typed refusal is acceptable.
    if (outcome instanceof Error) assert.equal(outcome.name, 'CodecError');
    else assert.equal(Object.hasOwn(outcome, '__proto__'), true);
  });

  // BUG (src/codecs/flat.ts tabmToFlat): `out[path] = value` on a plain object
  // drops a key named `__proto__` (assigning a string to __proto__ is a no-op).
  it('keeps a key named __proto__ when flattening', () => {
    const tabm = JSON.parse('{"__proto__": "x", "b": "2"}') as Tabm;
    assert.deepEqual(Object.keys(tabmToFlat(tabm)).sort(), ['__proto__', 'b']);
  });
});

describe('serializeFlat', () => {
  it('writes `path: value` lines in byte order, each ending with a newline', () => {
    assert.equal(
      serializeFlat({ b: '2', 'a/c': '3', a: '1', B: '0' }),
      'B: 0\na: 1\na/c: 3\nb: 2\n',
    );
  });

  it('writes empty values and empty maps', () => {
    assert.equal(serializeFlat({ a: '' }), 'a: \n');
    assert.equal(serializeFlat({}), '');
  });

  it('keeps raw bytes, returning bytes when the result is not UTF-8', () => {
    const out = serializeFlat({ a: Uint8Array.from([0xff]) });
    assert.deepEqual(out, Uint8Array.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
  });

  it('refuses values holding a newline', () => {
    assert.throws(() => serializeFlat({ a: 'x\ny' }), codec('bad_value'));
    assert.throws(() => serializeFlat({ a: Uint8Array.from([0xff, 0x0a]) }), codec('bad_value'));
  });

  it("refuses keys holding a newline or ': '", () => {
    assert.throws(() => serializeFlat({ 'a\nb': 'x' }), codec('bad_key'));
    assert.throws(() => serializeFlat({ 'a: b': 'x' }), codec('bad_key'));
  });
});

describe('deserializeFlat', () => {
  it('splits each line at its first ": "', () => {
    assert.deepEqual(deserializeFlat('a: 1\nn/b: x: y\n'), { a: '1', 'n/b': 'x: y' });
  });

  it('skips lines without ": " and reads empty values', () => {
    assert.deepEqual(deserializeFlat('nocolon\n\nx:y\nz: \n'), { z: '' });
  });

  it('reads text keys and values from bytes', () => {
    assert.deepEqual(deserializeFlat(Buffer.from('é: ü\n')), { é: 'ü' });
  });

  it('keeps non-UTF-8 values as bytes', () => {
    assert.deepEqual(deserializeFlat(Uint8Array.from([0x61, 0x3a, 0x20, 0xff, 0x0a])), {
      a: Uint8Array.from([0xff]),
    });
  });

  it('refuses non-UTF-8 keys', () => {
    assert.throws(
      () => deserializeFlat(Uint8Array.from([0xff, 0x3a, 0x20, 0x31])),
      codec('bad_key'),
    );
  });

  it('stores a __proto__ key as an own key', () => {
    const flat = deserializeFlat('__proto__: x\n');
    assert.equal(Object.hasOwn(flat, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(flat), Object.prototype);
  });

  it('inverts serializeFlat', () => {
    const key = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((k) => !k.includes('\n') && !k.includes(': '));
    const value = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 20 }).filter((v) => !v.includes('\n')),
      fc.uint8Array({ maxLength: 12 }).filter((b) => !b.includes(0x0a)),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (flat) => {
        const back = deserializeFlat(serializeFlat(flat as FlatMap));
        assert.deepEqual(
          Object.keys(back).sort(),
          Object.keys(flat).sort(),
          JSON.stringify(Object.keys(flat)),
        );
        for (const [k, v] of Object.entries(flat)) {
          assert.deepEqual(Buffer.from(back[k] as string), Buffer.from(v as string));
        }
      }),
      { numRuns: 200, seed: 6 },
    );
  });
});
