/**
 * httpsig multipart bodies (codecs.md §2.1 "Multipart layout", §2.2 step 3):
 * the exact bytes and deterministic boundary HyperBEAM writes, and parsing,
 * including the errors on malformed bodies.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Binary, tryUtf8Decode } from '../../core/binary.ts';
import { boundaryOf, encodeMultipart, type PartValue, parseMultipart } from './multipart.ts';

const codec = (code: string) => ({ name: 'CodecError', code });
const b64url = (text: string | Buffer) => createHash('sha256').update(text).digest('base64url');

/** A multipart body from raw part texts, with HyperBEAM's framing. */
const frame = (boundary: string, parts: string[]) =>
  `${parts.map((p) => `--${boundary}\r\n${p}`).join('\r\n')}\r\n--${boundary}--`;

describe('encodeMultipart', () => {
  it('writes sorted parts, sorted part headers and a SHA-256 boundary', () => {
    const partA = 'content-disposition: form-data;name="a"\r\nx: 1\r\ny: 2';
    const partB = 'content-disposition: form-data;name="b"\r\n\r\ntwo';
    const boundary = b64url(`${partA}\r\n${partB}`);
    const out = encodeMultipart({ b: 'two', a: { y: '2', x: '1' } }, 'body');
    assert.equal(out.boundary, boundary);
    assert.deepEqual(out.partNames, ['a', 'b']);
    assert.equal(out.body, frame(boundary, [partA, partB]));
  });

  it('sorts header lines by bytes, so ao-types comes before content-disposition', () => {
    const out = encodeMultipart({ n: { c: '3', 'ao-types': 'c="integer"', b: '2' } }, 'body');
    const part = 'ao-types: c="integer"\r\nb: 2\r\nc: 3\r\ncontent-disposition: form-data;name="n"';
    assert.equal(out.body, frame(b64url(part), [part]));
  });

  it('marks the inline key part as inline', () => {
    const out = encodeMultipart({ body: 'payload', x: 'y' }, 'body');
    assert.match(out.body as string, /\r\ncontent-disposition: inline\r\n\r\npayload\r\n/);
    const other = encodeMultipart({ data: 'payload', x: 'y' }, 'data');
    assert.match(other.body as string, /\r\ncontent-disposition: inline\r\n\r\npayload\r\n/);
  });

  it('writes a map part with a body as headers, a blank line and the body', () => {
    const out = encodeMultipart({ body: { inner: '2', body: 'payload' } }, 'body');
    const part = 'content-disposition: inline\r\ninner: 2\r\n\r\npayload';
    assert.equal(out.body, frame(b64url(part), [part]));
  });

  it('writes no blank line for a map part with an empty body', () => {
    const out = encodeMultipart({ n: { a: '1', body: '' } }, 'body');
    const part = 'a: 1\r\ncontent-disposition: form-data;name="n"';
    assert.equal(out.body, frame(b64url(part), [part]));
  });

  it('names a part whose map is only {body} <key>/body', () => {
    const out = encodeMultipart({ n: { body: 'x' } }, 'body');
    const part = 'content-disposition: form-data;name="n/body"\r\n\r\nx';
    assert.equal(out.body, frame(b64url(part), [part]));
    assert.deepEqual(out.partNames, ['n']);
  });

  it('keeps raw bytes and returns bytes when the body is not UTF-8', () => {
    const out = encodeMultipart({ r: Uint8Array.from([0xff, 0x00]) }, 'body');
    assert.ok(out.body instanceof Uint8Array);
    const head = Buffer.from(`content-disposition: form-data;name="r"\r\n\r\n`);
    const part = Buffer.concat([head, Buffer.from([0xff, 0x00])]);
    assert.equal(out.boundary, b64url(part));
  });

  it('is deterministic and depends on every byte of every part', () => {
    const parts = { a: { x: '1' }, b: 'two' };
    assert.deepEqual(encodeMultipart(parts, 'body'), encodeMultipart({ ...parts }, 'body'));
    assert.notEqual(
      encodeMultipart({ a: { x: '1' }, b: 'twp' }, 'body').boundary,
      encodeMultipart(parts, 'body').boundary,
    );
  });
});

describe('boundaryOf', () => {
  it('reads a quoted or token boundary parameter', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary="abc-_1"'), 'abc-_1');
    assert.equal(boundaryOf('multipart/form-data;boundary=abc'), 'abc');
  });

  it('gives undefined when there is no usable boundary', () => {
    assert.equal(boundaryOf(undefined), undefined);
    assert.equal(boundaryOf('text/plain'), undefined);
    assert.equal(boundaryOf('multipart/form-data'), undefined);
    assert.equal(boundaryOf('multipart/form-data; boundary=1'), undefined);
    assert.equal(boundaryOf('not a structured field ("'), undefined);
    assert.equal(
      boundaryOf(Uint8Array.from([0x61, 0x3b, 0x62, 0x3d, 0x22, 0xff, 0x22])),
      undefined,
    );
  });
});

describe('parseMultipart', () => {
  const B = 'BOUNDARY';

  it('reads binary parts, map parts and the inline part', () => {
    const body = frame(B, [
      'content-disposition: form-data;name="a"\r\n\r\nvalue',
      'content-disposition: form-data;name="n/deep"\r\nX-Header: 1\r\nb: 2\r\n\r\npayload',
      'content-disposition: inline\r\n\r\ninline value',
    ]);
    assert.deepEqual(parseMultipart(body, B, 'data'), {
      parts: {
        a: 'value',
        'n/deep': { 'x-header': '1', b: '2', body: 'payload' },
        data: 'inline value',
      },
      bodyKeys: ['a', 'n', 'data'],
    });
  });

  it('reads a part with only its disposition as an empty value', () => {
    const body = frame(B, ['content-disposition: form-data;name="e"']);
    assert.deepEqual(parseMultipart(body, B, 'body').parts, { e: '' });
  });

  it('ignores a preamble, an epilogue and header lines without ": "', () => {
    const body = `preamble\r\n${frame(B, ['junk\r\ncontent-disposition: form-data;name="a"\r\n\r\nv'])}\r\nafter`;
    assert.deepEqual(parseMultipart(body, B, 'body').parts, { a: 'v' });
  });

  it('keeps CRLFs and raw bytes inside part bodies', () => {
    const head = Buffer.from(`--${B}\r\ncontent-disposition: form-data;name="r"\r\n\r\n`);
    const raw = Buffer.from([0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x00]);
    const body = Buffer.concat([head, raw, Buffer.from(`\r\n--${B}--`)]);
    assert.deepEqual(parseMultipart(body, B, 'body').parts, { r: Uint8Array.from(raw) });
  });

  it('accepts a token part name', () => {
    const body = frame(B, ['content-disposition: form-data;name=tok\r\n\r\nv']);
    assert.deepEqual(parseMultipart(body, B, 'body').parts, { tok: 'v' });
  });

  it('refuses a body that does not use the boundary (bad_multipart)', () => {
    const body = frame('OTHER', ['content-disposition: form-data;name="a"\r\n\r\nv']);
    assert.throws(() => parseMultipart(body, B, 'body'), codec('bad_multipart'));
    assert.throws(() => parseMultipart('', B, 'body'), codec('bad_multipart'));
    assert.throws(() => parseMultipart(`--${B}\r\nno end`, B, 'body'), codec('bad_multipart'));
    assert.throws(
      () => parseMultipart(`\r\n--${B}--\r\n--${B}\r\n`, B, 'body'),
      codec('bad_multipart'),
    );
  });

  it('refuses a part without content-disposition (bad_multipart)', () => {
    assert.throws(
      () => parseMultipart(frame(B, ['x: 1\r\n\r\nbody']), B, 'body'),
      codec('bad_multipart'),
    );
    assert.throws(() => parseMultipart(frame(B, ['']), B, 'body'), codec('bad_multipart'));
  });

  it('refuses a disposition without a usable name (bad_multipart)', () => {
    for (const disposition of [
      'form-data',
      'form-data;name=?1',
      'form-data;name=1',
      'attachment',
    ]) {
      const body = frame(B, [`content-disposition: ${disposition}\r\n\r\nv`]);
      assert.throws(() => parseMultipart(body, B, 'body'), codec('bad_multipart'), disposition);
    }
  });

  it('refuses a malformed disposition (bad_structured_field)', () => {
    const body = frame(B, ['content-disposition: form-data;name="unterminated\r\n\r\nv']);
    assert.throws(() => parseMultipart(body, B, 'body'), codec('bad_structured_field'));
  });

  it('refuses non-UTF-8 part names and header names (bad_key)', () => {
    const name = Buffer.concat([
      Buffer.from(`--${B}\r\ncontent-disposition: form-data;name="`),
      Buffer.from([0xff]),
      Buffer.from(`"\r\n\r\nv\r\n--${B}--`),
    ]);
    assert.throws(() => parseMultipart(name, B, 'body'), codec('bad_key'));
    const header = Buffer.concat([
      Buffer.from(`--${B}\r\ncontent-disposition: form-data;name="a"\r\n`),
      Buffer.from([0xfe]),
      Buffer.from(`: 1\r\n\r\nv\r\n--${B}--`),
    ]);
    assert.throws(() => parseMultipart(header, B, 'body'), codec('bad_key'));
  });
});

describe('encode then parse', () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}(\/[a-z0-9_-]{1,6})?$/);
  const headerKey = fc
    .stringMatching(/^[a-z][a-z0-9-]{0,8}$/)
    .filter((k) => k !== 'body' && k !== 'content-disposition');
  const headerValue = fc
    .string({ unit: 'grapheme', maxLength: 12 })
    .filter((v) => !/[\r\n]/.test(v));
  const binary: fc.Arbitrary<Binary> = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => tryUtf8Decode(b) ?? b),
  );
  const part: fc.Arbitrary<PartValue> = fc.oneof(
    binary,
    fc.dictionary(headerKey, headerValue, { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
  );

  it('gives back every set of parts', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, part, { minKeys: 1, maxKeys: 5, noNullPrototype: true }),
        (parts) => {
          const out = encodeMultipart(parts, 'body');
          const parsed = parseMultipart(out.body, out.boundary, 'body');
          assert.deepEqual(parsed.parts, parts);
          assert.deepEqual(
            parsed.bodyKeys,
            out.partNames.map((n) => n.split('/')[0]),
          );
        },
      ),
      { numRuns: 200, seed: 2046 },
    );
  });
});
