/**
 * Packed message records: what is encoded decodes the same, names and all,
 * and a damaged record is refused rather than misread.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTree, encodeTree, type PackedTree } from './packed.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('packed records', () => {
  it('round-trips nested maps, empty values, binary and odd names', () => {
    const tree: PackedTree = {
      a: bytes('1'),
      empty: new Uint8Array(),
      raw: Uint8Array.of(0, 255, 10),
      'naïve key': bytes('é'),
      nested: { deeper: { x: bytes('y') }, none: {} },
    };
    Object.defineProperty(tree, '__proto__', {
      value: bytes('p'),
      enumerable: true,
      configurable: true,
      writable: true,
    });
    const decoded = decodeTree(encodeTree(tree));
    assert.deepEqual(Object.keys(decoded), Object.keys(tree));
    assert.deepEqual({ ...decoded }, { ...tree });
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype, 'no prototype was set');
  });

  it('leaves room for a tag before the record', () => {
    const out = encodeTree({ k: bytes('v') }, 1);
    out[0] = 3;
    assert.deepEqual(decodeTree(out.subarray(1)), { k: bytes('v') });
  });

  it('refuses a record cut short', () => {
    const whole = encodeTree({ key: bytes('value'), map: { x: bytes('y') } });
    for (const cut of [1, 5, whole.length - 1]) {
      assert.throws(() => decodeTree(whole.subarray(0, cut)), RangeError);
    }
  });
});
