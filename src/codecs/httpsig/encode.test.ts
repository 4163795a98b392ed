/**
 * httpsig@1.0 encoding, TABM -> HTTP (codecs.md §2.1): the 4096-byte header
 * limit, ID-shaped keys in `ao-ids`, the inline body key, multipart bodies and
 * the content digest.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { byteLength, toBytes } from '../../core/binary.ts';
import type { Message } from '../../core/message.ts';
import { messageId } from '../../engine/ids.ts';
import { messageToTabm, type Tabm } from '../structured.ts';
import { parseList } from '../structured-fields.ts';
import { inlineKeyOf, MAX_HEADER_LENGTH, tabmToHttp } from './encode.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';

const codec = (code: string) => ({ name: 'CodecError', code });
const digestOf = (body: string | Uint8Array) =>
  `sha-256=:${createHash('sha256').update(toBytes(body)).digest('base64')}:`;

/** The names listed in a body-keys header. */
const bodyKeys = (value: string | Uint8Array | undefined) =>
  parseList(value ?? '').map((m) => (m.kind === 'item' ? m.value.value : undefined));

/** The parts of an encoded multipart body. */
function partsOf(fields: Record<string, string | Uint8Array>, inlineKey = 'body') {
  const boundary = boundaryOf(fields['content-type']);
  assert.ok(boundary, 'a multipart content-type');
  return parseMultipart(fields.body as string, boundary, inlineKey).parts;
}

describe('inlineKeyOf', () => {
  it('prefers inline-body-key, then body, then data (adding a header), else body', () => {
    assert.deepEqual(inlineKeyOf({ 'inline-body-key': 'k', body: 'x', data: 'y' }), [{}, 'k']);
    assert.deepEqual(inlineKeyOf({ body: 'x', data: 'y' }), [{}, 'body']);
    assert.deepEqual(inlineKeyOf({ data: 'y' }), [{ 'inline-body-key': 'data' }, 'data']);
    assert.deepEqual(inlineKeyOf({ a: '1' }), [{}, 'body']);
  });
});

describe('header size limit', () => {
  it('is 4096 bytes', () => {
    assert.equal(MAX_HEADER_LENGTH, 4096);
  });

  it('keeps a 4096-byte value as a header', () => {
    const value = 'x'.repeat(4096);
    const fields = tabmToHttp({ a: value });
    assert.deepEqual(fields, { a: value });
  });

  it('moves a 4097-byte value to the body', () => {
    const value = 'y'.repeat(4097);
    const fields = tabmToHttp({ a: '1', b: value });
    assert.equal(fields.b, undefined);
    assert.equal(fields.a, '1');
    assert.deepEqual(bodyKeys(fields['body-keys']), ['b']);
    assert.deepEqual(partsOf(fields), { b: value });
  });

  it('counts bytes, not characters', () => {
    const fits = 'é'.repeat(2048);
    const over = 'é'.repeat(2049);
    assert.equal(byteLength(over), 4098);
    assert.equal(tabmToHttp({ a: fits }).a, fits);
    const fields = tabmToHttp({ a: over });
    assert.equal(fields.a, undefined);
    assert.deepEqual(partsOf(fields), { a: over });
  });

  it('applies inside nested maps: large values get their own part', () => {
    const big = 'z'.repeat(5000);
    const fields = tabmToHttp({ n: { big, small: 's' } });
    assert.deepEqual(bodyKeys(fields['body-keys']), ['n', 'n/big']);
    assert.deepEqual(partsOf(fields), { n: { small: 's' }, 'n/big': big });
  });
});

describe('ID-shaped keys (ao-ids)', () => {
  const id43 = 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4';
  const id42 = 'A'.repeat(42);
  const id32 = 'Bb'.repeat(16);

  it('collects 32, 42 and 43-byte keys into ao-ids, sorted, keeping their case', () => {
    const fields = tabmToHttp({ [id43]: 'v43', [id42]: 'v42', [id32]: 'v32', a: '1' });
    assert.deepEqual(fields, {
      a: '1',
      'ao-ids': `${id42}="v42", ${id32}="v32", ${id43}="v43"`,
    });
  });

  it('treats keys of other lengths as ordinary, lower-cased headers', () => {
    const fields = tabmToHttp({
      ['C'.repeat(31)]: '1',
      ['D'.repeat(33)]: '2',
      ['E'.repeat(44)]: '3',
    });
    assert.deepEqual(Object.keys(fields).sort(), ['c'.repeat(31), 'd'.repeat(33), 'e'.repeat(44)]);
  });

  it('quotes and escapes ao-ids values as SF strings', () => {
    assert.equal(tabmToHttp({ [id43]: 'a"b\\c' })['ao-ids'], `${id43}="a\\"b\\\\c"`);
  });

  it('sends an ao-ids dictionary over 4096 bytes in the body, like any value', () => {
    const big = 'v'.repeat(5000);
    const fields = tabmToHttp({ [id43]: big, a: '1' });
    assert.equal(fields['ao-ids'], undefined);
    assert.equal(fields.a, '1');
    assert.deepEqual(bodyKeys(fields['body-keys']), ['ao-ids']);
    assert.ok(partsOf(fields)['ao-ids'] === `${id43}="${big}"`);
  });

  it('leaves ID-shaped keys holding maps to the body, keeping their case', () => {
    const fields = tabmToHttp({ [id43]: { a: '1' } });
    assert.equal(fields['ao-ids'], undefined);
    assert.deepEqual(partsOf(fields), { [id43]: { a: '1' } });
  });
});

describe('the inline body key', () => {
  it('sends a lone body as the raw HTTP body, with its content digest', () => {
    const fields = tabmToHttp({ a: '1', body: 'hello' });
    assert.deepEqual(fields, { a: '1', body: 'hello', 'content-digest': digestOf('hello') });
  });

  it('sends `data` as the body, naming it with inline-body-key', () => {
    const fields = tabmToHttp({ a: '1', data: 'payload' });
    assert.deepEqual(fields, {
      'inline-body-key': 'data',
      a: '1',
      body: 'payload',
      'content-digest': digestOf('payload'),
    });
  });

  it('keeps `data` as a header when there is a body', () => {
    const fields = tabmToHttp({ body: 'b', data: 'd' });
    assert.deepEqual(fields, { data: 'd', body: 'b', 'content-digest': digestOf('b') });
  });

  it('sends the key named by inline-body-key as the body', () => {
    const fields = tabmToHttp({ 'inline-body-key': 'x', x: 'payload', body: 'other' });
    assert.equal(fields['inline-body-key'], 'x');
    const parts = partsOf(fields, 'x');
    assert.deepEqual(parts, { x: 'payload', body: 'other' });
    assert.match(fields.body as string, /content-disposition: inline\r\n\r\npayload/);
  });

  it('sends a large inline value raw, not as multipart', () => {
    const big = 'b'.repeat(10_000);
    const fields = tabmToHttp({ body: big });
    assert.deepEqual(fields, { body: big, 'content-digest': digestOf(big) });
  });

  it('keeps raw bytes in the body and digests them', () => {
    const raw = Uint8Array.from([0, 0xff, 0x0d, 0x0a]);
    const fields = tabmToHttp({ body: raw });
    assert.deepEqual(fields.body, raw);
    assert.equal(fields['content-digest'], digestOf(raw));
  });
});

describe('multipart bodies', () => {
  it('names a nested map holding only `body` as <key>/body', () => {
    const fields = tabmToHttp({ n: { body: 'x' } });
    const boundary = boundaryOf(fields['content-type']) as string;
    assert.equal(
      fields.body,
      `--${boundary}\r\ncontent-disposition: form-data;name="n/body"\r\n\r\nx\r\n--${boundary}--`,
    );
    assert.deepEqual(bodyKeys(fields['body-keys']), ['n']);
    assert.deepEqual(partsOf(fields), { 'n/body': 'x' });
  });

  it('uses an inline part for body when other parts exist', () => {
    const fields = tabmToHttp({ a: '1', body: 'b', n: { c: '2' } });
    assert.equal(fields.a, '1');
    assert.deepEqual(bodyKeys(fields['body-keys']), ['body', 'n']);
    assert.deepEqual(partsOf(fields), { body: 'b', n: { c: '2' } });
    assert.match(fields.body as string, /content-disposition: inline\r\n\r\nb\r\n/);
  });

  it('writes a quoted boundary and a digest of the whole body', () => {
    const fields = tabmToHttp({ n: { c: '2' } });
    assert.match(fields['content-type'] as string, /^multipart\/form-data; boundary="[\w-]{43}"$/);
    assert.equal(fields['content-digest'], digestOf(fields.body as string));
  });

  it('numbers lists of maps as parts', () => {
    const fields = tabmToHttp(messageToTabm({ items: [{ a: '1' }, { b: '2' }] }));
    assert.equal(fields['ao-types'], 'items="list"');
    assert.deepEqual(bodyKeys(fields['body-keys']), ['items/1', 'items/2']);
  });

  it('gives the same bytes whatever the key order of the TABM', () => {
    const a = tabmToHttp({ x: { p: '1', q: '2' }, y: { r: '3' }, z: 'w'.repeat(5000) });
    const b = tabmToHttp({ z: 'w'.repeat(5000), y: { r: '3' }, x: { q: '2', p: '1' } });
    assert.deepEqual(a, b);
  });

  it('changes the boundary when any part changes', () => {
    const a = tabmToHttp({ n: { c: '2' } });
    const b = tabmToHttp({ n: { c: '3' } });
    assert.notEqual(a['content-type'], b['content-type']);
  });
});

describe('what tabmToHttp leaves out or refuses', () => {
  it('encodes an empty message as no fields at all', () => {
    assert.deepEqual(tabmToHttp({}), {});
  });

  it('drops commitments, signature, signature-input and priv', () => {
    const tabm = {
      a: '1',
      commitments: { x: { alg: 'rsa-pss-sha512' } },
      signature: 's',
      'signature-input': 'i',
      priv: { p: '1' },
    } as Tabm;
    assert.deepEqual(tabmToHttp(tabm), { a: '1' });
  });

  it('sends signature headers taken from the HMAC commitment, with hashpaths', () => {
    const tabm: Tabm = {
      a: '1',
      commitments: {
        rsa: { alg: 'rsa-pss-sha512', 'hashpath-x': 'hp', signature: 'ignored' },
        hmac: {
          alg: 'hmac-sha256',
          'commitment-device': 'httpsig@1.0',
          signature: 'l=:AQID:',
          'signature-input': 'l=("a");alg="rsa-pss-sha512";keyid="k"',
        },
      },
    };
    assert.deepEqual(tabmToHttp(tabm), {
      a: '1',
      'hashpath-x': 'hp',
      signature: 'l=:AQID:',
      'signature-input': 'l=("a");alg="rsa-pss-sha512";keyid="k"',
    });
  });

  it('sends no signature headers for an unsigned HMAC commitment', () => {
    const tabm: Tabm = { a: '1', commitments: { h: { alg: 'hmac-sha256' } } };
    assert.deepEqual(tabmToHttp(tabm), { a: '1' });
  });

  it('lower-cases keys that are not ID-shaped', () => {
    assert.deepEqual(tabmToHttp({ MiXed: 'v' }), { mixed: 'v' });
  });

  it('refuses values that are neither binaries nor maps', () => {
    assert.throws(() => tabmToHttp({ r: 42 } as unknown as Tabm), codec('unsupported_value'));
    assert.throws(
      () => tabmToHttp({ n: { r: 42 } } as unknown as Tabm),
      codec('unsupported_value'),
    );
  });

  // BUG (src/codecs/httpsig/encode.ts groupMaps): `top[parent] = flattened`
  // and `top[flatKey] = value` are plain assignments, so a nested map (or a
  // value over 4096 bytes) under the key `__proto__` sets the prototype of the
  // part map instead of adding a part: it is silently left out of the HTTP
  // message, and so out of the message ID. Two different messages then share
  // one ID. (json@1.0 and multipart bodies can produce such keys.)
  it('does not drop a nested map under the key __proto__ from the ID', () => {
    const withProto = JSON.parse('{"__proto__": {"a": "1"}, "b": "2"}') as Message;
    assert.notEqual(messageId(withProto), messageId({ b: '2' }));
  });
});
