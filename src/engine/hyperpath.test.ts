/**
 * Unit tests for the HyperPATH parser (hb_singleton:from/1 and to/1, core.md section 4).
 * The reference `parse` vectors run in test/vectors/core.vectors.test.ts; these cover
 * the `seg=value` shorthand, every rejected input and the `toHyperpath` inverse.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../core/errors.ts';
import { As, Atom, type Message, type PathItem } from '../core/message.ts';
import { defineDevice } from './device.ts';
import {
  MAX_SEGMENT_LENGTH,
  parseHyperpath,
  percentDecode,
  subPath,
  toHyperpath,
} from './hyperpath.ts';

const ID = 'IYkkrqlZNW_J-4T-5eFApZOMRl5P4VjvrcOXWvIqB1Q';

/** Assert that parsing fails with a BadRequestError carrying `code` (and status 400). */
function rejects(input: Message | string, code: string, mentions?: string): void {
  assert.throws(
    () => parseHyperpath(input),
    (error: unknown) => {
      assert.ok(error instanceof BadRequestError, `expected a BadRequestError, got ${error}`);
      assert.equal(error.code, code);
      assert.equal(error.status, 400);
      assert.ok(error.message.length > 0);
      if (mentions !== undefined) {
        assert.ok(error.message.includes(mentions), `message ${error.message} names ${mentions}`);
      }
      return true;
    },
  );
}

describe('parseHyperpath: the seg=value shorthand', () => {
  it('/compute/results=5 gives a step with path and the key set to the value', () => {
    assert.deepEqual(parseHyperpath('/compute/results=5'), [
      {},
      { path: 'compute' },
      { path: 'results', results: '5' },
    ]);
  });

  it('/a/b+integer=4 casts the value of the shorthand key', () => {
    assert.deepEqual(parseHyperpath('/a/b+integer=4'), [{}, { path: 'a' }, { path: 'b', b: 4 }]);
  });

  it('the shorthand takes other casts (list)', () => {
    assert.deepEqual(parseHyperpath('/a+list=1,2'), [{}, { path: 'a', a: [1, 2] }]);
  });

  it('the shorthand can be followed by more inline keys', () => {
    assert.deepEqual(parseHyperpath('/a=x&k=v'), [{}, { path: 'a', a: 'x', k: 'v' }]);
  });

  it('keeps everything after the first = as the value', () => {
    assert.deepEqual(parseHyperpath('/a=b=c'), [{}, { path: 'a', a: 'b=c' }]);
  });

  it('an empty value gives the empty binary', () => {
    assert.deepEqual(parseHyperpath('/a='), [{}, { path: 'a', a: '' }]);
  });

  it('a (...) value becomes a sub-resolution', () => {
    assert.deepEqual(parseHyperpath('/a=(/x/y)'), [
      {},
      { path: 'a', a: subPath([{}, { path: 'x' }, { path: 'y' }]) },
    ]);
  });

  it('a ~ after the = is part of the value and switches no device', () => {
    assert.deepEqual(parseHyperpath('/a=v~message@1.0'), [{}, { path: 'a', a: 'v~message@1.0' }]);
  });

  it('the key is lower-cased by the structured round trip, the path is not', () => {
    assert.deepEqual(parseHyperpath('/Res=V'), [{}, { path: 'Res', res: 'V' }]);
  });

  it('a scoped query key overrides the shorthand value', () => {
    assert.deepEqual(parseHyperpath('/a=1?1.a=2'), [{}, { path: 'a', a: '2' }]);
  });

  it('works on a later segment and leaves the others alone', () => {
    assert.deepEqual(parseHyperpath('/a/b=1/c'), [
      {},
      { path: 'a' },
      { path: 'b', b: '1' },
      { path: 'c' },
    ]);
  });

  it('a bad cast in the shorthand is a bad_cast', () => {
    rejects('/a+integer=x', 'bad_cast', 'integer');
  });
});

describe('parseHyperpath: precedence and scopes', () => {
  it('query keys override inline keys of the same name', () => {
    assert.deepEqual(parseHyperpath('/a&k=1?k=2'), [{ k: '2' }, { path: 'a', k: '2' }]);
  });

  it('a scoped key overrides a global key for its message only', () => {
    assert.deepEqual(parseHyperpath('/a/b?k=1&1.k=2'), [
      { k: '1' },
      { path: 'a', k: '2' },
      { path: 'b', k: '1' },
    ]);
  });

  it('0. scopes the base', () => {
    assert.deepEqual(parseHyperpath({ path: '/a', '0.k': 'v' }), [{ k: 'v' }, { path: 'a' }]);
  });

  it('0. scopes reach a ~device base with an empty key', () => {
    assert.deepEqual(parseHyperpath('/~message@1.0&k=1?0.j=2'), [
      new As('message@1.0', { path: '', j: '2', k: '1' }),
    ]);
  });

  it('keys with two or more dots are global', () => {
    assert.deepEqual(parseHyperpath('/a?x.y.z=1'), [{ 'x.y.z': '1' }, { path: 'a', 'x.y.z': '1' }]);
  });

  it('an ID base gets no global keys', () => {
    assert.deepEqual(parseHyperpath({ path: `/${ID}/a`, k: 'v' }), [ID, { path: 'a', k: 'v' }]);
  });

  it('an empty or bare-slash path gives no messages', () => {
    assert.deepEqual(parseHyperpath(''), []);
    assert.deepEqual(parseHyperpath('/'), []);
  });

  it('type names are case-insensitive', () => {
    assert.deepEqual(parseHyperpath('/a&k+INTEGER=3'), [{}, { path: 'a', k: 3 }]);
  });

  it('+float needs a decimal point and gives a float', () => {
    assert.deepEqual(parseHyperpath('/a&k+float=1.5'), [{}, { path: 'a', k: 1.5 }]);
    rejects('/a&k+float=1', 'bad_cast', 'float');
  });

  it('+atom gives an atom', () => {
    assert.deepEqual(parseHyperpath('/a&k+atom=ok'), [{}, { path: 'a', k: Atom.of('ok') }]);
  });
});

describe('parseHyperpath: parentheses', () => {
  it('a ? inside (...) does not start the query', () => {
    assert.deepEqual(parseHyperpath('/a&k=(/x?y=1)'), [
      {},
      { path: 'a', k: subPath([{ y: '1' }, { path: 'x', y: '1' }]) },
    ]);
  });

  it('a sub-path segment may omit its leading /', () => {
    assert.deepEqual(parseHyperpath('/a/(x/y)'), [
      {},
      { path: 'a' },
      subPath([{}, { path: 'x' }, { path: 'y' }]),
    ]);
  });

  it('unbalanced parentheses stay literal', () => {
    assert.deepEqual(parseHyperpath('/(x'), [{}, { path: '(x' }]);
    assert.deepEqual(parseHyperpath('/a)b'), [{}, { path: 'a)b' }]);
  });

  it('query values in parentheses are sub-resolutions, for every message', () => {
    const sub = subPath([{}, { path: 'x' }, { path: 'y' }]);
    assert.deepEqual(parseHyperpath('/a?k=(/x/y)&j=1'), [
      { j: '1', k: sub },
      { path: 'a', j: '1', k: sub },
    ]);
  });
});

describe('parseHyperpath: percent-decoding', () => {
  it('decodes a segment, then decodes and splits again', () => {
    assert.deepEqual(parseHyperpath('/a%C3%A9'), [{}, { path: 'aé' }]);
    assert.deepEqual(parseHyperpath('/a%2Fb'), [{}, { path: 'a' }, { path: 'b' }]);
    assert.deepEqual(parseHyperpath('/a%2525zz'), [{}, { path: 'a%zz' }]);
  });

  it('decoded & and = act as inline-key separators', () => {
    assert.deepEqual(parseHyperpath('/a%26k%3D1'), [{}, { path: 'a', k: '1' }]);
  });

  it('query keys and values are never decoded', () => {
    assert.deepEqual(parseHyperpath('/a?k%41=x%zz'), [
      { 'k%41': 'x%zz' },
      { path: 'a', 'k%41': 'x%zz' },
    ]);
  });

  it('percentDecode leaves + alone and returns text without % unchanged', () => {
    assert.equal(percentDecode('a+b'), 'a+b');
    assert.equal(percentDecode('%2B%20'), '+ ');
  });
});

describe('parseHyperpath: bad input is a BadRequestError with a code', () => {
  it('malformed percent-encoding: %zz, a truncated %2, or a bare %', () => {
    rejects('/a%zz', 'cannot_decode', 'a%zz');
    rejects('/a%2', 'cannot_decode');
    rejects('/a%', 'cannot_decode');
    rejects('/a&k=%zz', 'cannot_decode');
  });

  it('malformed percent-encoding revealed by the second decoding', () => {
    rejects('/a%25zz', 'cannot_decode');
  });

  it('bytes that are not UTF-8 after percent-decoding', () => {
    rejects('/a%FF', 'cannot_decode', 'UTF-8');
    rejects('/%C3%28', 'cannot_decode', 'UTF-8');
    // Only the second decoding reveals the bad byte.
    rejects('/a%25FF', 'cannot_decode', 'UTF-8');
  });

  it('percentDecode rejects the same inputs directly', () => {
    assert.throws(() => percentDecode('%G0'), { name: 'BadRequestError', code: 'cannot_decode' });
    assert.throws(() => percentDecode('%80'), { name: 'BadRequestError', code: 'cannot_decode' });
  });

  it(`segments over ${MAX_SEGMENT_LENGTH} bytes, counted in bytes`, () => {
    assert.equal(MAX_SEGMENT_LENGTH, 512);
    assert.deepEqual(parseHyperpath(`/${'a'.repeat(512)}`), [{}, { path: 'a'.repeat(512) }]);
    rejects(`/${'a'.repeat(513)}`, 'segment_too_long', '512');
    // 256 two-byte characters are exactly 512 bytes; one more byte is too many.
    assert.equal(parseHyperpath(`/${'é'.repeat(256)}`).length, 2);
    rejects(`/${'é'.repeat(256)}a`, 'segment_too_long');
  });

  it('the length limit applies to the raw (still encoded) segment', () => {
    assert.equal(parseHyperpath(`/${'%41'.repeat(170)}`).length, 2);
    rejects(`/${'%41'.repeat(171)}`, 'segment_too_long');
  });

  it('a too-long segment fails even when other segments are fine', () => {
    rejects(`/a/${'b'.repeat(600)}/c`, 'segment_too_long');
  });

  it('query pairs over 512 bytes', () => {
    assert.equal(parseHyperpath(`/a?${'k'.repeat(511)}=`).length, 2);
    rejects(`/a?${'k'.repeat(512)}=`, 'segment_too_long');
  });

  it('a + directly in a path key: /a+b, /a+, /a+integer', () => {
    rejects('/a+b', 'bad_path', 'a+b');
    rejects('/a+', 'bad_path');
    rejects('/a+integer', 'bad_path');
  });

  it('a percent-encoded + is still a + in a key', () => {
    rejects('/a%2Bb', 'bad_path');
  });

  it('a scope that is not a number: x.y (query or header)', () => {
    rejects('/a?x.y=1', 'invalid_scope', 'x.y');
    rejects({ path: '/a', 'x.y': '1' }, 'invalid_scope', 'x.y');
  });

  it('a negative scope: -1.k (query or header)', () => {
    rejects('/a?-1.k=1', 'invalid_scope', '-1.k');
    rejects({ path: '/a/b/c', '-1.k': 'v' }, 'invalid_scope');
  });

  it('unknown casts: +int, +INT, +res, and unknown ones in the query and headers', () => {
    rejects('/a&k+int=1', 'bad_cast', 'int');
    rejects('/a&k+INT=1', 'bad_cast', 'INT');
    rejects('/a&k+res=(/x)', 'bad_cast');
    rejects('/a&k+nope=1', 'bad_cast', 'nope');
    rejects('/a?k+int=1', 'bad_cast');
    rejects({ path: '/a', 'k+int': '1' }, 'bad_cast');
  });

  it('k+resolve=(...) inline: the value is already a sub-path', () => {
    rejects('/a&k+resolve=(/x/y)', 'bad_cast', 'k+resolve');
  });

  it('a cast on a flag: &k+integer has no value to cast', () => {
    rejects('/a&k+integer', 'bad_cast', 'k+integer');
    rejects('/a?k+integer', 'bad_cast');
    rejects({ path: '/a', 'k+integer': true }, 'bad_cast');
  });

  it('casts of values that do not parse', () => {
    rejects('/a&k+integer=abc', 'bad_cast', 'integer');
    rejects('/a&k+list=(1 2)', 'bad_cast');
  });

  it('a path that is not text', () => {
    rejects({ path: 5 }, 'bad_path');
  });

  it('errors are plain BadRequestErrors, not crashes (RangeError, TypeError)', () => {
    for (const bad of ['/a+b', '/a%zz', '/a&k+int=1', '/a?x.y=1']) {
      assert.throws(() => parseHyperpath(bad), BadRequestError);
    }
  });
});

describe('toHyperpath', () => {
  const roundTrips: [string, PathItem[]][] = [
    ['a bare path', [{}, { path: 'a' }, { path: 'b' }]],
    ['a key on one step', [{}, { path: 'a', k: 'v' }, { path: 'b' }]],
    ['a key on the base', [{ k: 'v' }, { path: 'a' }]],
    ['an integer on one step', [{}, { path: 'a' }, { path: 'b', n: 42 }]],
    ['a key on every message', [{ x: '1' }, { path: 'a', x: '1' }, { path: 'b', x: '1' }]],
    ['an ID base', [ID, { path: 'a', k: 'v' }]],
    ['an ID later in the path', [{}, { path: 'a' }, ID, { path: 'b' }]],
    [
      'a sub-path step',
      [{}, { path: 'a' }, subPath([{}, { path: 'x' }, { path: 'y' }]), { path: 'z' }],
    ],
    ['a resolve value', [{}, { path: 'a', k: subPath([{}, { path: 'x' }, { path: 'y' }]) }]],
    ['different keys on different steps', [{}, { path: 'a', j: '1' }, { path: 'b', k: '2' }]],
  ];
  for (const [name, list] of roundTrips) {
    it(`from(to(L)) = L: ${name}`, () => {
      assert.deepEqual(parseHyperpath(toHyperpath(list)), list);
    });
  }

  it('scopes keys found in one message with its index, typing integers', () => {
    assert.deepEqual(toHyperpath([{}, { path: 'a', k: 5 }, { path: 'b', s: 'x' }]), {
      path: '/a/b',
      '1.k+integer': '5',
      '2.s': 'x',
    });
  });

  it('emits keys found in several messages once, unscoped, with the last value', () => {
    assert.deepEqual(toHyperpath([{}, { path: 'a', k: '1' }, { path: 'b', k: '2' }]), {
      path: '/a/b',
      k: '2',
    });
  });

  it('copies method unscoped', () => {
    assert.deepEqual(toHyperpath([{}, { path: 'a', method: 'GET' }]), {
      path: '/a',
      method: 'GET',
    });
  });

  it('writes resolve values as k+resolve with the sub-path', () => {
    assert.deepEqual(toHyperpath([{}, { path: 'a', k: subPath([{}, { path: 'x' }]) }]), {
      path: '/a',
      '1.k+resolve': '/x',
    });
  });

  it('writes a sub-path step in parentheses and IDs raw', () => {
    assert.deepEqual(toHyperpath([ID, subPath([{}, { path: 'x' }]), { path: 'b' }]), {
      path: `/${ID}/(x)/b`,
    });
  });

  it('writes an As step as key~device with its inline keys, and parses back', () => {
    const steps = [new As('message@1.0', { path: '', a: '1', n: 2 }), { path: 'a' }];
    const folded = toHyperpath(steps);
    assert.equal(folded.path, '/~message@1.0&a=1&n+integer=2/a');
    const [first] = parseHyperpath(folded);
    assert.ok(first instanceof As);
    assert.deepEqual(first.msg, { path: '', a: '1', n: 2 });
  });

  it('refuses an As step with an inline device', () => {
    const inline = defineDevice({ keys: {} });
    assert.throws(() => toHyperpath([new As(inline, { path: 'a' })]), {
      name: 'BadRequestError',
      code: 'bad_path',
    });
  });
});
