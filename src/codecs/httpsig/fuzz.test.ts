/**
 * Robustness: whatever arrives over HTTP, decoding either succeeds or fails
 * with a typed error (CodecError / BadRequestError) that the HTTP layer can
 * answer with a 400, never with a TypeError, RangeError or the like.
 *
 * Inputs are random bytes and text, and text assembled from fragments of the
 * syntax the decoders look for (structured fields, signature inputs, ao-types
 * and ao-ids entries, multipart framing), so that parsing gets deep enough to
 * reach the later stages. Seeds are fixed, so runs are reproducible.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { message } from '../../../test/support/arbitraries.ts';
import { type Binary, fromByteString, toByteString } from '../../core/binary.ts';
import { BadRequestError, CodecError } from '../../core/errors.ts';
import { messageToTabm, tabmToMessage } from '../structured.ts';
import { httpToTabm } from './decode.ts';
import { tabmToHttp } from './encode.ts';
import type { HttpFields } from './signature-base.ts';

/** Decode an HTTP message all the way to a rich message, then encode it again. */
function decodeAll(http: HttpFields): void {
  const msg = tabmToMessage(httpToTabm(http));
  tabmToHttp(messageToTabm(msg));
}

/** Run `fn`; an error other than CodecError or BadRequestError fails the property. */
function onlyTypedErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof CodecError || error instanceof BadRequestError) return;
    assert.fail(`untyped error: ${error instanceof Error ? error.stack : String(error)}`);
  }
}

const FRAGMENTS = [
  // structured fields
  '=',
  ', ',
  ',',
  ';',
  ' ',
  '"',
  '\\',
  '\\"',
  ':',
  '(',
  ')',
  '?1',
  '?0',
  '1',
  '-7',
  '1.5',
  '1234567890123456',
  'tok',
  '*',
  '%41',
  '%ff',
  'Zz',
  // signatures
  'http-sig-1',
  'sig',
  '("a" "b")',
  '("a" "@path" "content-digest")',
  ';alg="rsa-pss-sha512"',
  ';alg="hmac-sha256"',
  ';keyid="',
  'AQAB',
  ':AQID:',
  ':AAAA:',
  '=:AQID:',
  'hashpath',
  // ao-types / ao-ids
  'a="integer"',
  'a="list"',
  'a="float"',
  'a="atom"',
  'a="empty-message"',
  'a="weird"',
  '"(ao-type-',
  'integer) ',
  'list) ',
  'float) ',
  'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4="v"',
  // multipart
  'multipart/form-data; boundary="',
  'B',
  '--B\r\n',
  '\r\n--B--',
  '\r\n--B\r\n',
  '\r\n',
  '\r\n\r\n',
  'content-disposition: ',
  'inline',
  'form-data;name="',
  'a/b',
  '/',
  'body',
  'data',
  '\xff',
  '\x00',
];

const fragmentText = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 14 })
  .map((parts) => parts.join(''));

/** A header or body value: syntax fragments, random text, or random bytes. */
const value: fc.Arbitrary<Binary> = fc.oneof(
  { weight: 3, arbitrary: fragmentText.map(fromByteString) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
);

const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'signature',
    'signature-input',
    'ao-types',
    'ao-ids',
    'inline-body-key',
    'body-keys',
    'content-digest',
    'hashpath',
    'commitments',
    'a',
    'b',
    'data',
    'path',
    'status',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
);

const headers = fc.dictionary(headerName, value, { maxKeys: 7, noNullPrototype: true });

describe('httpsig@1.0 decoding throws only typed errors', () => {
  it('on random headers and bodies', () => {
    fc.assert(
      fc.property(headers, fc.option(value, { nil: undefined }), (fields, body) => {
        const http: HttpFields = { ...fields };
        if (body !== undefined) http.body = body;
        onlyTypedErrors(() => decodeAll(http));
      }),
      { numRuns: 3000, seed: 4096 },
    );
  });

  it('on multipart bodies assembled from fragments', () => {
    const part = fc
      .tuple(
        fc.constantFrom('content-disposition: inline', 'content-disposition: form-data;name="', ''),
        fragmentText,
        fc.constantFrom('"', ''),
        fc.array(fc.tuple(fragmentText, fragmentText), { maxLength: 3 }),
        fc.option(fragmentText, { nil: undefined }),
      )
      .map(([disposition, name, close, lines, body]) => {
        const head = [`${disposition}${disposition.endsWith('"') ? name + close : ''}`];
        for (const [k, v] of lines) head.push(`${k}: ${v}`);
        return body === undefined ? head.join('\r\n') : `${head.join('\r\n')}\r\n\r\n${body}`;
      });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), headers, (parts, fields) => {
        const body = `${parts.map((p) => `--B\r\n${p}`).join('\r\n')}\r\n--B--`;
        const http: HttpFields = {
          ...fields,
          'content-type': 'multipart/form-data; boundary="B"',
          body: fromByteString(body),
        };
        onlyTypedErrors(() => decodeAll(http));
      }),
      { numRuns: 3000, seed: 2046 },
    );
  });

  it('on valid encodings with corrupted fields', () => {
    const target = fc.constantFrom('body', 'ao-types', 'ao-ids', 'body-keys', 'content-type');
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fragmentText);
    fc.assert(
      fc.property(
        message({ bytes: true }),
        target,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (msg, key, edits) => {
          const http = tabmToHttp(messageToTabm(msg));
          let text = toByteString(http[key] ?? '');
          for (const [at, cut, insert] of edits) {
            const i = text.length === 0 ? 0 : at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          http[key] = fromByteString(text);
          onlyTypedErrors(() => decodeAll(http));
        },
      ),
      { numRuns: 1000, seed: 8941 },
    );
  });

  it('on ao-types and ao-ids dictionaries with random entries', () => {
    const typeName = fc.constantFrom(
      'integer',
      'float',
      'atom',
      'list',
      'map',
      'binary',
      'empty-binary',
      'empty-list',
      'empty-message',
      'INTEGER',
      'weird',
    );
    const entryKey = fc.constantFrom('a', '1', 'b', 'n', 'A', '%41', '%ff', 'x.y');
    const dictionary = (entry: fc.Arbitrary<string>) =>
      fc.array(entry, { maxLength: 4 }).map((entries) => entries.join(', '));
    const aoTypes = dictionary(
      fc.oneof(
        fc.tuple(entryKey, typeName).map(([k, t]) => `${k}="${t}"`),
        fc.tuple(entryKey, fragmentText).map(([k, v]) => `${k}=${v}`),
      ),
    );
    const aoIds = dictionary(
      fc
        .tuple(fc.constantFrom('A'.repeat(43), 'b'.repeat(32), 'a'), fragmentText)
        .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`),
    );
    const typedValue = fc.oneof(
      value,
      fc.constantFrom('1', '-7', '1.5', '3.50000000000000000000e+00', '"ok"', 'ok', '?1', ''),
      fragmentText.map((t) => `"(ao-type-integer) 1", ${t}`),
    );
    const fields = fc.record({
      'ao-types': aoTypes.map(fromByteString),
      'ao-ids': aoIds.map(fromByteString),
      a: typedValue,
      '1': typedValue,
      b: typedValue,
    });
    fc.assert(
      fc.property(fields, fc.option(value, { nil: undefined }), (http, body) => {
        const request: HttpFields = { ...http };
        if (body !== undefined) request.body = body;
        onlyTypedErrors(() => decodeAll(request));
      }),
      { numRuns: 3000, seed: 9651 },
    );
  });

  it('on signature and signature-input pairs with random parts', () => {
    const label = fc.constantFrom('sig', 'http-sig-1', 'l', 'X', '1');
    const component = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'a',
          'b',
          '@path',
          'content-digest',
          'ao-types',
          'hashpath',
          'zz',
        ),
      },
      { weight: 1, arbitrary: fragmentText },
    );
    const param = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          ';alg="rsa-pss-sha512"',
          ';alg="hmac-sha256"',
          ';keyid="AQAB"',
          ';tag="t"',
          ';created=1',
        ),
      },
      { weight: 1, arbitrary: fragmentText.map((t) => `;keyid="${t.replace(/["\\]/g, '')}"`) },
      { weight: 1, arbitrary: fragmentText },
    );
    const sigValue = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(':AQID:', ':AAAA:', '::') },
      { weight: 1, arbitrary: fragmentText },
    );
    const signer = fc.record({
      label,
      value: sigValue,
      components: fc.array(component, { maxLength: 4 }),
      params: fc.array(param, { maxLength: 2 }),
      standard: fc.boolean(),
    });
    const pair = fc
      .uniqueArray(signer, { minLength: 1, maxLength: 3, selector: (x) => x.label })
      .map((signers) => {
        const quote = (c: string) => `"${c.replace(/["\\]/g, '')}"`;
        const signature = signers.map((x) => `${x.label}=${x.value}`).join(', ');
        const input = signers
          .map((x) => {
            const base = x.standard ? ';alg="rsa-pss-sha512";keyid="AQAB"' : '';
            return `${x.label}=(${x.components.map(quote).join(' ')})${base}${x.params.join('')}`;
          })
          .join(', ');
        return [signature, input] as const;
      });
    const plain = fc.dictionary(fc.constantFrom('b', 'hashpath', 'content-digest', 'c'), value, {
      maxKeys: 3,
      noNullPrototype: true,
    });
    fc.assert(
      fc.property(pair, plain, ([sigs, inputs], fields) => {
        const http: HttpFields = {
          a: '1',
          path: '/x',
          ...fields,
          signature: fromByteString(sigs),
          'signature-input': fromByteString(inputs),
        };
        onlyTypedErrors(() => decodeAll(http));
      }),
      { numRuns: 3000, seed: 9421 },
    );
  });

  it('leaves Object.prototype alone', () => {
    assert.deepEqual(Object.keys(Object.prototype), []);
  });
});
