import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import fc from 'fast-check';
import { message as messageArb } from '../../test/support/arbitraries.ts';
import { defineDevice } from '../engine/device.ts';
import {
  As,
  Atom,
  DEVICE_BRAND,
  deepMerge,
  describe,
  Float,
  fromEntries,
  isDevice,
  isEmptyMessage,
  isFloat,
  isId,
  isInteger,
  isMessage,
  isPrivateKey,
  Link,
  listToMessage,
  type Message,
  messageToList,
  NOT_FOUND,
  normalizeKey,
  normalizeKeys,
  OK,
  Opaque,
  omit,
  privateOf,
  put,
  Resolve,
  sortedKeys,
  UNDEFINED,
  UNSET,
  type Value,
  valueEquals,
  withoutPrivate,
  withPrivate,
} from './message.ts';

const ID43 = 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s';
const device = defineDevice({ name: 'test@1.0' });

/** A deep copy sharing no objects with its input (atoms are interned, so shared). */
function clone(value: Value): Value {
  if (Array.isArray(value)) return value.map(clone);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value instanceof Float) return new Float(value.value);
  if (value instanceof Link) return new Link(value.id);
  if (isMessage(value)) return fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

suite('Atom', () => {
  it('interns atoms by name', () => {
    assert.equal(Atom.of('hello'), Atom.of('hello'));
    assert.notEqual(Atom.of('hello'), Atom.of('Hello'));
  });

  it('prints as its name', () => {
    assert.equal(Atom.of('xyz').name, 'xyz');
    assert.equal(String(Atom.of('xyz')), 'xyz');
  });

  it('provides the well-known atoms', () => {
    assert.equal(NOT_FOUND, Atom.of('not_found'));
    assert.equal(UNSET, Atom.of('unset'));
    assert.equal(UNDEFINED, Atom.of('undefined'));
    assert.equal(OK, Atom.of('ok'));
  });
});

suite('value wrappers', () => {
  it('hold what they were given', () => {
    assert.equal(new Float(2).value, 2);
    assert.equal(new Link(ID43).id, ID43);
    const payload = { socket: true };
    assert.equal(new Opaque(payload).value, payload);
    const items: Value[] = [{ path: 'a' }];
    assert.equal(new Resolve(items, '/a').messages, items);
    const as = new As('dev@1.0', { path: 'x' });
    assert.equal(as.device, 'dev@1.0');
    assert.deepEqual(as.msg, { path: 'x' });
  });
});

suite('isDevice and isMessage', () => {
  it('recognise devices by their brand', () => {
    assert.equal(isDevice(device), true);
    assert.equal(DEVICE_BRAND in device, true);
    assert.equal(isDevice({ name: 'test@1.0' }), false);
    assert.equal(isDevice(null), false);
    assert.equal(isDevice('test@1.0'), false);
  });

  it('accepts plain and null-prototype objects as messages', () => {
    assert.equal(isMessage({}), true);
    assert.equal(isMessage({ a: 1 }), true);
    assert.equal(isMessage(Object.create(null)), true);
  });

  it('rejects devices, arrays, class instances and primitives', () => {
    for (const value of [
      device,
      [],
      null,
      undefined,
      'x',
      1,
      true,
      new Uint8Array(1),
      Atom.of('ok'),
      new Float(1),
      new Link(ID43),
      new Map(),
    ]) {
      assert.equal(isMessage(value), false, describe(value));
    }
  });
});

suite('isId', () => {
  it('accepts binaries of 32, 42 and 43 bytes', () => {
    assert.equal(isId(ID43), true);
    assert.equal(isId('x'.repeat(42)), true);
    assert.equal(isId('x'.repeat(32)), true);
    assert.equal(isId(new Uint8Array(32)), true);
    assert.equal(isId(new Uint8Array(43)), true);
  });

  it('rejects other lengths and non-binaries', () => {
    for (const n of [0, 31, 33, 41, 44, 64]) assert.equal(isId('x'.repeat(n)), false, String(n));
    assert.equal(isId(new Uint8Array(31)), false);
    assert.equal(isId(42), false);
    assert.equal(isId(undefined), false);
  });

  it('counts bytes, not characters', () => {
    const text = `${'é'.repeat(21)}a`; // 22 characters, 43 bytes
    assert.equal(text.length, 22);
    assert.equal(isId(text), true);
    assert.equal(isId('é'.repeat(32)), false); // 32 characters, 64 bytes
  });
});

suite('isInteger and isFloat', () => {
  it('classify numbers', () => {
    assert.equal(isInteger(2), true);
    assert.equal(isInteger(-7), true);
    assert.equal(isInteger(2.5), false);
    assert.equal(isInteger('2'), false);
    assert.equal(isInteger(new Float(2)), false);
    assert.equal(isFloat(2.5), true);
    assert.equal(isFloat(new Float(2)), true);
    assert.equal(isFloat(2), false);
    assert.equal(isFloat('2.5'), false);
  });
});

suite('normalizeKey', () => {
  it('lower-cases ordinary keys', () => {
    assert.equal(normalizeKey('Content-Type'), 'content-type');
    assert.equal(normalizeKey('already'), 'already');
    assert.equal(normalizeKey(''), '');
  });

  it('keeps the case of ID-length keys', () => {
    assert.equal(normalizeKey(ID43), ID43);
    assert.equal(normalizeKey('A'.repeat(32)), 'A'.repeat(32));
    assert.equal(normalizeKey('A'.repeat(42)), 'A'.repeat(42));
    assert.equal(normalizeKey('A'.repeat(44)), 'a'.repeat(44));
  });

  it('turns numbers, booleans and atoms into text', () => {
    assert.equal(normalizeKey(42), '42');
    assert.equal(normalizeKey(-1), '-1');
    assert.equal(normalizeKey(true), 'true');
    assert.equal(normalizeKey(false), 'false');
    assert.equal(normalizeKey(Atom.of('some_atom')), 'some_atom');
  });

  it('is idempotent on strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (key) => {
        const once = normalizeKey(key);
        assert.equal(normalizeKey(once), once);
      }),
    );
  });
});

suite('isPrivateKey', () => {
  it('is true for keys starting with priv, in any case', () => {
    for (const key of ['priv', 'private', 'privacy', 'Priv', 'PRIV-x']) {
      assert.equal(isPrivateKey(key), true, key);
    }
  });

  it('is false otherwise', () => {
    for (const key of ['pri', 'apriv', 'x-priv', '', 'body']) {
      assert.equal(isPrivateKey(key), false, key);
    }
  });
});

suite('put and fromEntries', () => {
  it('set ordinary keys', () => {
    const target: Message = {};
    put(target, 'a', 1);
    assert.deepEqual(target, { a: 1 });
  });

  it('store __proto__ as an own key without changing the prototype', () => {
    const target: Message = {};
    put(target, '__proto__', { polluted: true });
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.deepEqual(Object.keys(target), ['__proto__']);
    assert.equal(Object.hasOwn(target, '__proto__'), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    const built = fromEntries([
      ['__proto__', 'x'],
      ['b', 2],
    ]);
    assert.equal(Object.getPrototypeOf(built), Object.prototype);
    assert.deepEqual(Object.keys(built), ['__proto__', 'b']);
    assert.equal(JSON.stringify(built), '{"__proto__":"x","b":2}');
  });

  it('fromEntries keeps the last value of a repeated key', () => {
    assert.deepEqual(
      fromEntries([
        ['a', 1],
        ['a', 2],
      ]),
      { a: 2 },
    );
  });
});

suite('sortedKeys', () => {
  it('sorts keys in byte order', () => {
    assert.deepEqual(sortedKeys({ b: 1, a: 2, B: 3, '\u{10000}': 4, '\uffff': 5 }), [
      'B',
      'a',
      'b',
      '\uffff',
      '\u{10000}',
    ]);
    assert.deepEqual(sortedKeys({}), []);
  });
});

suite('listToMessage', () => {
  it('numbers elements from 1', () => {
    assert.deepEqual(listToMessage(['a', 'b', 3]), { '1': 'a', '2': 'b', '3': 3 });
    assert.deepEqual(listToMessage([]), {});
  });
});

suite('normalizeKeys', () => {
  it('returns the same object when the keys are already normal', () => {
    const msg = { a: 1, [ID43]: 2 };
    assert.equal(normalizeKeys(msg), msg);
  });

  it('lower-cases keys without mutating its input', () => {
    const msg = { 'Content-Type': 'x', b: 2 };
    const out = normalizeKeys(msg);
    assert.deepEqual(out, { 'content-type': 'x', b: 2 });
    assert.deepEqual(msg, { 'Content-Type': 'x', b: 2 });
  });

  it('only touches the top level', () => {
    assert.deepEqual(normalizeKeys({ A: { B: 1 } }), { a: { B: 1 } });
  });

  it('lets the byte-greater original key win a clash, whatever the insertion order', () => {
    assert.deepEqual(normalizeKeys({ A: 1, a: 2 }), { a: 2 });
    assert.deepEqual(normalizeKeys({ a: 2, A: 1 }), { a: 2 });
  });

  it('turns lists into numbered messages', () => {
    assert.deepEqual(normalizeKeys(['x', 'y']), { '1': 'x', '2': 'y' });
  });

  it('passes non-messages through', () => {
    assert.equal(normalizeKeys('Text'), 'Text');
    assert.equal(normalizeKeys(5), 5);
    assert.equal(normalizeKeys(OK), OK);
  });

  it('keeps a __proto__ key as data', () => {
    const msg = fromEntries([
      ['X', 1],
      ['__proto__', 2],
    ]);
    const out = normalizeKeys(msg) as Message;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'x']);
  });

  it('is idempotent', () => {
    const mixedKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,6}$/);
    fc.assert(
      fc.property(fc.dictionary(mixedKey, fc.integer()), (raw) => {
        const msg = raw as Message;
        const once = normalizeKeys(msg);
        assert.equal(normalizeKeys(once), once);
        for (const key of Object.keys(once as Message)) assert.equal(key, key.toLowerCase());
      }),
    );
  });
});

suite('private parts', () => {
  it('privateOf returns priv, or an empty message', () => {
    assert.deepEqual(privateOf({ priv: { hashpath: 'x' } }), { hashpath: 'x' });
    assert.deepEqual(privateOf({ a: 1 }), {});
    assert.deepEqual(privateOf({ priv: 'not a message' }), {});
    assert.deepEqual(privateOf('binary'), {});
    assert.deepEqual(privateOf([{ priv: { a: 1 } }]), {});
  });

  it('withPrivate sets priv without mutating', () => {
    const msg = { a: 1 };
    const out = withPrivate(msg, { k: 'v' });
    assert.deepEqual(out, { a: 1, priv: { k: 'v' } });
    assert.deepEqual(msg, { a: 1 });
  });

  it('withPrivate does not add an empty priv, but replaces an existing one', () => {
    const msg = { a: 1 };
    assert.equal(withPrivate(msg, {}), msg);
    assert.deepEqual(withPrivate({ a: 1, priv: { old: 1 } }, {}), { a: 1, priv: {} });
  });

  it('withoutPrivate removes every private key', () => {
    const msg = { a: 1, priv: {}, private: 'x', Privacy: 'y', 'x-priv': 'kept' };
    assert.deepEqual(withoutPrivate(msg), { a: 1, 'x-priv': 'kept' });
    assert.equal(Object.keys(msg).length, 5, 'input untouched');
  });

  it('withoutPrivate returns the same object when there is nothing to remove', () => {
    const msg = { a: 1 };
    assert.equal(withoutPrivate(msg), msg);
  });
});

suite('omit', () => {
  it('removes the given keys without mutating', () => {
    const msg = { a: 1, b: 2, c: 3 };
    assert.deepEqual(omit(msg, ['a', 'c']), { b: 2 });
    assert.deepEqual(msg, { a: 1, b: 2, c: 3 });
  });

  it('returns the same object when no key is present', () => {
    const msg = { a: 1 };
    assert.equal(omit(msg, ['x', 'toString']), msg);
    assert.equal(omit(msg, []), msg);
  });

  it('matches keys exactly', () => {
    assert.deepEqual(omit({ A: 1, a: 2 }, ['a']), { A: 1 });
  });
});

suite('isEmptyMessage', () => {
  it('is true for {} and for a message holding only priv', () => {
    assert.equal(isEmptyMessage({}), true);
    assert.equal(isEmptyMessage({ priv: { hashpath: 'x' } }), true);
  });

  it('is false otherwise', () => {
    assert.equal(isEmptyMessage({ a: 1 }), false);
    assert.equal(isEmptyMessage({ a: 1, priv: {} }), false);
    assert.equal(isEmptyMessage([]), false);
    assert.equal(isEmptyMessage(''), false);
  });
});

suite('messageToList', () => {
  it('passes lists through', () => {
    const list: Value[] = [1, 2];
    assert.equal(messageToList(list), list);
  });

  it('orders numbered keys numerically', () => {
    const msg: Message = {};
    for (let i = 12; i >= 1; i--) msg[String(i)] = i * 10;
    assert.deepEqual(
      messageToList(msg),
      Array.from({ length: 12 }, (_, i) => (i + 1) * 10),
    );
  });

  it('starts from the smallest index', () => {
    assert.deepEqual(messageToList({ '3': 'c', '2': 'b' }), ['b', 'c']);
    assert.deepEqual(messageToList({ '0': 'a', '1': 'b' }), ['a', 'b']);
    assert.deepEqual(messageToList({ '1': 'b', '-1': 'z', '0': 'a' }), ['z', 'a', 'b']);
  });

  it('ignores private keys', () => {
    assert.deepEqual(messageToList({ '1': 'a', priv: { x: 1 } }), ['a']);
  });

  it('gives [] for empty messages and non-messages', () => {
    assert.deepEqual(messageToList({}), []);
    assert.deepEqual(messageToList({ priv: {} }), []);
    assert.deepEqual(messageToList('text'), []);
    assert.deepEqual(messageToList(3), []);
  });

  it('rejects non-numeric keys', () => {
    assert.throws(() => messageToList({ '1': 'a', b: 'x' }), {
      name: 'BadRequestError',
      code: 'not_a_list',
      status: 400,
    });
    assert.throws(() => messageToList({ '1.5': 'a' }), { code: 'not_a_list' });
  });

  it('rejects gaps', () => {
    assert.throws(() => messageToList({ '1': 'a', '3': 'c' }), {
      name: 'BadRequestError',
      code: 'not_a_list',
      message: /index 2 is missing/,
    });
  });

  it('inverts listToMessage', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 15 }), (list) => {
        assert.deepEqual(messageToList(listToMessage(list)), list);
      }),
    );
  });
});

suite('valueEquals', () => {
  it('compares binaries as bytes', () => {
    assert.equal(valueEquals('é', new Uint8Array([0xc3, 0xa9])), true);
    assert.equal(valueEquals(new Uint8Array([1]), new Uint8Array([1])), true);
    assert.equal(valueEquals(new Uint8Array([1]), new Uint8Array([2])), false);
    assert.equal(valueEquals('a', 'b'), false);
    assert.equal(valueEquals('a', 'a'), true);
  });

  it('tells floats from integers', () => {
    assert.equal(valueEquals(new Float(2), new Float(2)), true);
    assert.equal(valueEquals(new Float(2), 2), false);
    assert.equal(valueEquals(2, new Float(2)), false);
    assert.equal(valueEquals(new Float(2.5), 2.5), true);
    assert.equal(valueEquals(new Float(2), new Float(3)), false);
    assert.equal(valueEquals(new Float(2), '2'), false);
  });

  it('compares links by ID and atoms by identity', () => {
    assert.equal(valueEquals(new Link(ID43), new Link(ID43)), true);
    assert.equal(valueEquals(new Link(ID43), new Link('other')), false);
    assert.equal(valueEquals(Atom.of('a'), Atom.of('a')), true);
    assert.equal(valueEquals(Atom.of('a'), 'a'), false);
    assert.equal(valueEquals(true, 'true'), false);
  });

  it('compares lists and messages deeply', () => {
    assert.equal(valueEquals([1, { a: 'x' }], [1, { a: 'x' }]), true);
    assert.equal(valueEquals([1, 2], [1]), false);
    assert.equal(valueEquals([1, 2], [2, 1]), false);
    assert.equal(valueEquals({ a: { b: [1] } }, { a: { b: [1] } }), true);
    assert.equal(valueEquals({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(valueEquals({ a: 1, b: 2 }, { a: 1, c: 2 }), false);
    assert.equal(valueEquals({ a: 1 }, { a: 2 }), false);
    assert.equal(valueEquals({ '1': 'x' }, ['x']), false);
  });

  it('handles undefined', () => {
    assert.equal(valueEquals(undefined, undefined), true);
    assert.equal(valueEquals(undefined, 'x'), false);
    assert.equal(valueEquals({}, undefined), false);
  });

  it('is reflexive and agrees with a structural copy', () => {
    fc.assert(
      fc.property(messageArb({ bytes: true }), (msg) => {
        assert.equal(valueEquals(msg, msg), true);
        assert.equal(valueEquals(msg, clone(msg)), true);
      }),
      { numRuns: 100 },
    );
  });
});

suite('deepMerge', () => {
  it('merges nested messages and replaces other values', () => {
    const base: Message = { a: { x: 1, y: 2 }, b: [1, 2], c: 'keep' };
    const update: Message = { a: { y: 3, z: 4 }, b: [9] };
    assert.deepEqual(deepMerge(base, update), { a: { x: 1, y: 3, z: 4 }, b: [9], c: 'keep' });
  });

  it('does not mutate its inputs', () => {
    const base: Message = { a: { x: 1 } };
    const update: Message = { a: { y: 2 } };
    deepMerge(base, update);
    assert.deepEqual(base, { a: { x: 1 } });
    assert.deepEqual(update, { a: { y: 2 } });
  });

  it('replaces a message with a non-message and vice versa', () => {
    assert.deepEqual(deepMerge({ a: { x: 1 } }, { a: 'flat' }), { a: 'flat' });
    assert.deepEqual(deepMerge({ a: 'flat' }, { a: { x: 1 } }), { a: { x: 1 } });
  });

  it('keeps __proto__ as data', () => {
    const update = JSON.parse('{"__proto__": {"polluted": 1}}') as Message;
    const out = deepMerge({}, update);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

suite('describe', () => {
  it('describes each kind of value', () => {
    assert.equal(describe('hi'), '"hi"');
    assert.equal(describe(new Uint8Array(3)), '<3 bytes>');
    assert.equal(describe(Atom.of('ok')), 'ok');
    assert.equal(describe(device), 'device test@1.0');
    assert.equal(describe(defineDevice({})), 'device (inline)');
    assert.equal(describe({ a: 1, b: 2 }), '{a, b}');
    assert.equal(describe(42), '42');
    assert.equal(describe(undefined), 'undefined');
  });

  it('truncates long descriptions', () => {
    const text = describe('x'.repeat(100));
    assert.equal(text.length, 83);
    assert.ok(text.endsWith('...'));
    assert.equal(describe('abcdef', 4), '"abc...');
    assert.equal(describe('ab', 4), '"ab"');
  });
});
