/**
 * ANS-104 bundles (codecs.md §4.5): `count | (size, id)* | items` with 256-bit
 * numbers, little-endian in the standard (arbundles), big-endian in
 * HyperBEAM. Both are written and read; the format is detected; anything
 * that is neither is a CodecError 'bad_bundle'.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sharedPath } from '../../../test/support/shared.ts';
import { sha256 } from '../../core/binary.ts';
import { loadWallet } from '../../crypto/wallet.ts';
import { type BundleEntry, type BundleFormat, readBundle, writeBundle } from './bundle.ts';
import { itemId, newItem, parseItem, serializeItem, signItem, verifyItem } from './data-item.ts';

const id = (n: number) => new Uint8Array(32).fill(n);
const bytes = (...b: number[]) => Uint8Array.from(b);
const FORMATS: BundleFormat[] = ['standard', 'hyperbeam'];

/** A 32-byte number with `value` in its lowest byte, in the format's byte order. */
function u256(value: number, format: BundleFormat): number[] {
  const out = new Array<number>(32).fill(0);
  out[format === 'standard' ? 0 : 31] = value;
  return out;
}

const plain = (entries: BundleEntry[]) =>
  entries.map((e) => ({ id: [...e.id], bytes: [...e.bytes] }));

const badBundle = { name: 'CodecError', code: 'bad_bundle' };

describe('writeBundle', () => {
  const entries: BundleEntry[] = [
    { id: id(1), bytes: bytes(0xaa, 0xbb, 0xcc) },
    { id: id(2), bytes: bytes(0xdd) },
  ];

  for (const format of FORMATS) {
    it(`lays out a ${format} bundle: count, (size, id) pairs, then the items`, () => {
      const out = writeBundle(entries, format);
      assert.deepEqual(
        [...out],
        [
          ...u256(2, format),
          ...u256(3, format),
          ...id(1),
          ...u256(1, format),
          ...id(2),
          0xaa,
          0xbb,
          0xcc,
          0xdd,
        ],
      );
    });
  }

  it('writes the standard (little-endian) format by default', () => {
    assert.deepEqual([...writeBundle(entries)], [...writeBundle(entries, 'standard')]);
  });

  it('writes multi-byte sizes in the right byte order', () => {
    const big = { id: id(3), bytes: new Uint8Array(0x1234) };
    const le = writeBundle([big], 'standard');
    const be = writeBundle([big], 'hyperbeam');
    assert.deepEqual([...le.subarray(32, 35)], [0x34, 0x12, 0]);
    assert.deepEqual([...be.subarray(61, 64)], [0, 0x12, 0x34]);
    assert.equal(le.length, 32 + 64 + 0x1234);
  });

  it('writes an empty bundle as a zero count in both formats', () => {
    for (const format of FORMATS) {
      assert.deepEqual([...writeBundle([], format)], new Array(32).fill(0));
    }
  });

  it('refuses IDs that are not 32 bytes', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      assert.throws(() => writeBundle([{ id: bad, bytes: bytes(1) }]), badBundle);
    }
  });
});

describe('readBundle', () => {
  for (const format of FORMATS) {
    it(`reads back a ${format} bundle and detects its format`, () => {
      const entries: BundleEntry[] = [
        { id: id(1), bytes: bytes(1, 2, 3) },
        { id: id(2), bytes: new Uint8Array(0) },
        { id: id(3), bytes: new Uint8Array(300).fill(5) },
      ];
      const read = readBundle(writeBundle(entries, format));
      assert.equal(read.format, format);
      assert.deepEqual(plain(read.entries), plain(entries));
    });

    it(`reads a one-item ${format} bundle`, () => {
      const read = readBundle(writeBundle([{ id: id(9), bytes: bytes(7) }], format));
      assert.equal(read.format, format);
      assert.deepEqual(plain(read.entries), [{ id: [...id(9)], bytes: [7] }]);
    });
  }

  it('reads an empty bundle (the same bytes in both formats)', () => {
    const read = readBundle(new Uint8Array(32));
    assert.deepEqual(read.entries, []);
    assert.ok(FORMATS.includes(read.format));
  });

  it('carries signed data items that still verify', () => {
    const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
    const items = ['one', 'two', 'three'].map((d) =>
      signItem(
        newItem({ tags: [{ name: 'n', value: d }], data: new TextEncoder().encode(d) }),
        wallet,
      ),
    );
    for (const format of FORMATS) {
      const read = readBundle(
        writeBundle(
          items.map((item) => ({ id: itemId(item), bytes: serializeItem(item) })),
          format,
        ),
      );
      assert.equal(read.format, format);
      assert.equal(read.entries.length, 3);
      read.entries.forEach((entry, i) => {
        const item = parseItem(entry.bytes);
        assert.ok(verifyItem(item));
        assert.deepEqual([...entry.id], [...itemId(items[i]!)]);
      });
    }
  });

  it('round-trips any entries in either format', () => {
    const entry = fc.record({
      id: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      bytes: fc.uint8Array({ maxLength: 80 }),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        fc.constantFrom(...FORMATS),
        (entries, format) => {
          const read = readBundle(writeBundle(entries, format));
          assert.deepEqual(plain(read.entries), plain(entries));
          if (entries.length > 0) assert.equal(read.format, format);
        },
      ),
      { seed: 256, numRuns: 200 },
    );
  });

  describe('refuses garbage with bad_bundle', () => {
    const good = writeBundle(
      [
        { id: id(1), bytes: bytes(1, 2, 3) },
        { id: id(2), bytes: bytes(4) },
      ],
      'hyperbeam',
    );

    it('shorter than a count', () => {
      for (const n of [0, 1, 31]) assert.throws(() => readBundle(new Uint8Array(n)), badBundle);
    });

    it('a count larger than the header room', () => {
      for (const format of FORMATS) {
        const count = u256(1, format);
        assert.throws(() => readBundle(Uint8Array.from(count)), badBundle);
        assert.throws(
          () => readBundle(Uint8Array.from([...count, ...new Array(63).fill(0)])),
          badBundle,
        );
      }
    });

    it('a count beyond 2^53 in either byte order', () => {
      assert.throws(() => readBundle(new Uint8Array(96).fill(0xff)), badBundle);
    });

    it('truncated bundles and trailing bytes', () => {
      for (let n = 32; n < good.length; n++) {
        assert.throws(() => readBundle(good.subarray(0, n)), badBundle, `length ${n}`);
      }
      assert.throws(() => readBundle(Uint8Array.from([...good, 0])), badBundle);
    });

    it('an item size past the end', () => {
      const bad = new Uint8Array(good);
      bad[32 + 31] = 200; // first size, big-endian: 200 bytes
      assert.throws(() => readBundle(bad), badBundle);
    });

    it('text and random bytes', () => {
      assert.throws(
        () => readBundle(new TextEncoder().encode('not a bundle at all, really not')),
        badBundle,
      );
      assert.throws(() => readBundle(sha256('x')), badBundle);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (random) => {
          try {
            const { entries } = readBundle(random);
            // Whatever is accepted accounts for every byte.
            const total =
              32 + entries.length * 64 + entries.reduce((n, e) => n + e.bytes.length, 0);
            assert.equal(total, random.length);
          } catch (error) {
            assert.equal((error as Error).name, 'CodecError');
            assert.equal((error as { code?: string }).code, 'bad_bundle');
          }
        }),
        { seed: 5, numRuns: 500 },
      );
    });
  });
});
