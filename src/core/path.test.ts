import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defineDevice } from '../engine/device.ts';
import { As, Atom, Float, Link, type Value } from './message.ts';
import { firstKey, pathParts } from './path.ts';

describe('pathParts', () => {
  it('splits a path on slashes', () => {
    assert.deepEqual(pathParts('a/b/c'), ['a', 'b', 'c']);
    assert.deepEqual(pathParts('/a/b'), ['a', 'b']);
    assert.deepEqual(pathParts('key'), ['key']);
  });

  it('drops empty segments', () => {
    assert.deepEqual(pathParts('//a///b/'), ['a', 'b']);
    assert.deepEqual(pathParts('//'), []);
  });

  it('gives no keys for "/" and nothing to resolve for "" or undefined', () => {
    assert.deepEqual(pathParts('/'), []);
    assert.equal(pathParts(''), undefined);
    assert.equal(pathParts(undefined), undefined);
  });

  it('keeps the case and characters of keys', () => {
    assert.deepEqual(pathParts('/Key/with-Dash/x+y&z=1'), ['Key', 'with-Dash', 'x+y&z=1']);
  });

  it('flattens lists', () => {
    assert.deepEqual(pathParts(['a/b', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(pathParts(['a', ['b', ['c/d']]]), ['a', 'b', 'c', 'd']);
    assert.deepEqual(pathParts(['', '/', 'x']), ['x']);
    assert.deepEqual(pathParts([1, 'x']), ['1', 'x']);
  });

  it('gives nothing to resolve for an empty list', () => {
    assert.equal(pathParts([]), undefined);
  });

  it('turns numbers and atoms into keys', () => {
    assert.deepEqual(pathParts(3), ['3']);
    assert.deepEqual(pathParts(0), ['0']);
    assert.deepEqual(pathParts(Atom.of('Some_atom')), ['Some_atom']);
  });

  it('passes As through, normalising a named device', () => {
    const parts = pathParts(new As('Message@1.0', { path: 'x' }));
    assert.equal(parts?.length, 1);
    const [as] = parts as [As];
    assert.ok(as instanceof As);
    assert.equal(as.device, 'message@1.0');
    assert.deepEqual(as.msg, { path: 'x' });
  });

  it('keeps an inline device of an As as it is', () => {
    const device = defineDevice({ name: 'inline@1.0' });
    const [as] = pathParts(new As(device, 'key')) as [As];
    assert.equal(as.device, device);
    assert.equal(as.msg, 'key');
  });

  it('keeps As elements inside lists', () => {
    const parts = pathParts(['a', new As('Dev@1.0', 'b') as unknown as Value, 'c']) ?? [];
    assert.equal(parts.length, 3);
    const [first, as, last] = parts;
    assert.equal(first, 'a');
    assert.ok(as instanceof As);
    assert.equal(as.device, 'dev@1.0');
    assert.equal(last, 'c');
  });

  it('rejects values that are not paths', () => {
    for (const bad of [
      { a: 1 },
      true,
      new Uint8Array([0xff]),
      new Float(1),
      new Link('x'),
      ['a', { b: 1 }],
    ] as Value[]) {
      assert.throws(() => pathParts(bad), {
        name: 'BadRequestError',
        code: 'bad_path',
        status: 400,
      });
    }
  });

  it('returns the non-empty segments of any string', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[^/]{0,6}$/), { minLength: 1, maxLength: 6 }),
        (segments) => {
          const path = segments.join('/');
          const parts = pathParts(path);
          if (path === '') assert.equal(parts, undefined);
          else if (path === '/') assert.deepEqual(parts, []);
          else
            assert.deepEqual(
              parts,
              segments.filter((s) => s.length > 0),
            );
        },
      ),
    );
  });
});

describe('firstKey', () => {
  it('returns the first key of a path', () => {
    assert.equal(firstKey('/a/b'), 'a');
    assert.equal(firstKey(['x/y', 'z']), 'x');
    assert.equal(firstKey(7), '7');
  });

  it('is undefined when there is no key', () => {
    assert.equal(firstKey('/'), undefined);
    assert.equal(firstKey(''), undefined);
    assert.equal(firstKey(undefined), undefined);
    assert.equal(firstKey([]), undefined);
  });

  it('returns an As as the first key', () => {
    const key = firstKey(new As('X@1.0', 'k'));
    assert.ok(key instanceof As);
    assert.equal(key.device, 'x@1.0');
  });

  it('propagates bad paths', () => {
    assert.throws(() => firstKey({}), { name: 'BadRequestError', code: 'bad_path' });
  });
});
