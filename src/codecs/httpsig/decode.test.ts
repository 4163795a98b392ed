/**
 * httpsig@1.0 decoding, HTTP -> TABM (codecs.md §2.2, §3.5): bodies under the
 * inline key, multipart parts un-flattened, `ao-ids` expanded with case kept,
 * signatures turned into commitments, and typed errors on garbage.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Tabm } from '../structured.ts';
import { httpToTabm, keyidToAddress } from './decode.ts';
import { tabmToHttp } from './encode.ts';
import { HMAC_ALG, HTTPSIG, unsignedId } from './hmac.ts';
import { encodeMultipart } from './multipart.ts';
import type { HttpFields } from './signature-base.ts';

const codec = (code: string) => ({ name: 'CodecError', code });
const sha256url = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64url');

/** A multipart request from raw part texts. */
function multipart(parts: string[], headers: HttpFields = {}, boundary = 'B0UND'): HttpFields {
  const body = `${parts.map((p) => `--${boundary}\r\n${p}`).join('\r\n')}\r\n--${boundary}--`;
  return { ...headers, 'content-type': `multipart/form-data; boundary="${boundary}"`, body };
}

describe('round trips of the encoder', () => {
  for (const [what, tabm] of [
    ['a 4096-byte header', { a: 'x'.repeat(4096) }],
    ['a 4097-byte body part', { a: '1', b: 'y'.repeat(4097) }],
    ['a raw body', { a: '1', body: 'hello' }],
    ['a binary body', { body: Uint8Array.from([0, 0xff, 0x0d, 0x0a]) }],
    ['nested maps', { n: { b: '2', deep: { c: '3' } }, m: { x: 'y' } }],
    ['a nested map holding only body', { n: { body: 'x' } }],
    ['a body map', { body: { inner: '2', body: 'payload' } }],
    ['a large value in a nested map', { n: { big: 'z'.repeat(5000), small: 's' } }],
    ['an explicit inline-body-key', { 'inline-body-key': 'x', x: 'payload' }],
    ['an ID key with a large value', { ['V'.repeat(43)]: 'v'.repeat(5000) }],
  ] as [string, Tabm][]) {
    it(`gives back ${what}`, () => {
      assert.deepEqual(httpToTabm(tabmToHttp(tabm)), tabm);
    });
  }

  it('gives back ID-shaped keys with their case', () => {
    const tabm: Tabm = {
      vcaPe4JWnrSOCktDHBgXge_zWUb6JRkqbom5w9t7i_4: 'v43',
      ['Ab'.repeat(21)]: 'v42',
      ['Cd'.repeat(16)]: 'v32',
      a: '1',
    };
    const http = tabmToHttp(tabm);
    assert.ok(http['ao-ids']);
    assert.deepEqual(httpToTabm(http), tabm);
  });

  it('gives back data without the inline-body-key header it implied', () => {
    const http = tabmToHttp({ a: '1', data: 'payload' });
    assert.equal(http['inline-body-key'], 'data');
    assert.deepEqual(httpToTabm(http), { a: '1', data: 'payload' });
  });
});

describe('httpToTabm: bodies', () => {
  it('stores a non-multipart body under body', () => {
    assert.deepEqual(httpToTabm({ a: '1', 'content-type': 'text/plain', body: 'hi' }), {
      a: '1',
      'content-type': 'text/plain',
      body: 'hi',
    });
  });

  it('stores the body under the key named by inline-body-key, keeping the header', () => {
    assert.deepEqual(httpToTabm({ 'inline-body-key': 'x', body: 'hi' }), {
      'inline-body-key': 'x',
      x: 'hi',
    });
  });

  it('drops `inline-body-key: data` once the body is stored under data', () => {
    assert.deepEqual(httpToTabm({ 'inline-body-key': 'data', body: 'hi' }), { data: 'hi' });
    // The body replaces a header of the same name.
    assert.deepEqual(httpToTabm({ 'inline-body-key': 'data', data: 'h', body: 'hi' }), {
      data: 'hi',
    });
  });

  it('ignores an empty body', () => {
    assert.deepEqual(httpToTabm({ a: '1', body: '' }), { a: '1' });
    assert.deepEqual(httpToTabm({ a: '1', body: new Uint8Array() }), { a: '1' });
  });

  it('drops body-keys, content-digest and hashpath headers', () => {
    assert.deepEqual(
      httpToTabm({
        a: '1',
        'body-keys': '"x"',
        'content-digest': 'sha-256=:AA==:',
        hashpath: 'h',
        'hashpath-2': 'h2',
      }),
      { a: '1' },
    );
  });

  it('un-flattens part names and keeps the other headers', () => {
    const http = multipart(
      [
        'content-disposition: form-data;name="n/deep"\r\nx: 1\r\n\r\npayload',
        'content-disposition: form-data;name="n/leaf"\r\n\r\nv',
        'content-disposition: inline\r\n\r\ninline body',
      ],
      { a: '1' },
    );
    assert.deepEqual(httpToTabm(http), {
      a: '1',
      n: { deep: { x: '1', body: 'payload' }, leaf: 'v' },
      body: 'inline body',
    });
  });

  it('puts the inline part under the inline-body-key', () => {
    const http = multipart(['content-disposition: inline\r\n\r\nv'], { 'inline-body-key': 'data' });
    assert.deepEqual(httpToTabm(http), { data: 'v' });
  });

  it('reads part bodies that are not UTF-8 as bytes', () => {
    const head = Buffer.from('--B\r\ncontent-disposition: form-data;name="r"\r\n\r\n');
    const body = Buffer.concat([head, Buffer.from([0xff, 0xfe]), Buffer.from('\r\n--B--')]);
    const tabm = httpToTabm({ 'content-type': 'multipart/form-data; boundary=B', body });
    assert.deepEqual(tabm, { r: Uint8Array.from([0xff, 0xfe]) });
  });
});

describe('httpToTabm: garbage', () => {
  it('refuses a multipart body that does not match its boundary', () => {
    const http = multipart(['content-disposition: form-data;name="a"\r\n\r\nv']);
    http['content-type'] = 'multipart/form-data; boundary="OTHER"';
    assert.throws(() => httpToTabm(http), codec('bad_multipart'));
    assert.throws(
      () => httpToTabm({ 'content-type': 'multipart/form-data; boundary="x"', body: 'junk' }),
      codec('bad_multipart'),
    );
  });

  it('refuses a part without content-disposition', () => {
    assert.throws(() => httpToTabm(multipart(['x: 1\r\n\r\nv'])), codec('bad_multipart'));
  });

  it('refuses a part without a name', () => {
    assert.throws(
      () => httpToTabm(multipart(['content-disposition: form-data\r\n\r\nv'])),
      codec('bad_multipart'),
    );
  });

  it('refuses non-UTF-8 part names', () => {
    const http = multipart(['content-disposition: form-data;name="\xff"\r\n\r\nv']);
    http.body = Buffer.from(http.body as string, 'latin1');
    assert.throws(() => httpToTabm(http), codec('bad_key'));
  });

  it('refuses part names that collide with headers or each other', () => {
    assert.throws(
      () =>
        httpToTabm(multipart(['content-disposition: form-data;name="a/b"\r\n\r\nv'], { a: '1' })),
      codec('path_collision'),
    );
    assert.throws(
      () =>
        httpToTabm(
          multipart([
            'content-disposition: form-data;name="a"\r\n\r\nv',
            'content-disposition: form-data;name="a/b"\r\n\r\nw',
          ]),
        ),
      codec('path_collision'),
    );
  });

  it('refuses empty part names', () => {
    assert.throws(
      () => httpToTabm(multipart(['content-disposition: form-data;name=""\r\n\r\nv'])),
      codec('bad_key'),
    );
  });

  it('refuses malformed ao-ids', () => {
    assert.throws(() => httpToTabm({ 'ao-ids': 'a=1' }), codec('bad_ao_ids'));
    assert.throws(() => httpToTabm({ 'ao-ids': 'a=("x")' }), codec('bad_ao_ids'));
    assert.throws(() => httpToTabm({ 'ao-ids': 'a b' }), codec('bad_structured_field'));
    assert.throws(
      () => httpToTabm(multipart(['content-disposition: form-data;name="ao-ids"\r\nx: 1'])),
      codec('bad_ao_ids'),
    );
  });

  // BUG (src/codecs/flat.ts flatToTabm, reached from httpToTabm): a part named
  // `__proto__/<key>` walks into Object.prototype and writes <key> there, so
  // any HTTP request can pollute every object of the process.
  it('does not let a part name write to Object.prototype', () => {
    const http = multipart(['content-disposition: form-data;name="__proto__/polluted"\r\nx: 1']);
    let outcome: Tabm | Error;
    try {
      outcome = httpToTabm(http);
    } catch (error) {
      outcome = error as Error;
    }
    const polluted = Object.hasOwn(Object.prototype, 'polluted');
    delete (Object.prototype as Record<string, unknown>).polluted;
    assert.equal(polluted, false, 'Object.prototype.polluted was set');
    if (outcome instanceof Error) assert.equal(outcome.name, 'CodecError');
  });
});

describe('httpToTabm: signatures', () => {
  const keyid = 'AQAB';
  const sig = Uint8Array.from([1, 2, 3]);
  const signed = (input: string, extra: HttpFields = {}): HttpFields => ({
    a: '1',
    signature: 'http-sig-x=:AQID:',
    'signature-input': input,
    ...extra,
  });

  it('turns signature and signature-input into a commitment plus an HMAC', () => {
    const input = `http-sig-x=("a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    const tabm = httpToTabm(signed(input));
    const commitments = tabm.commitments as Record<string, Tabm>;
    const id = sha256url(sig);
    assert.deepEqual(Object.keys(tabm).sort(), ['a', 'commitments']);
    assert.deepEqual(commitments[id], {
      'commitment-device': HTTPSIG,
      committer: sha256url(Uint8Array.from([1, 0, 1])),
      alg: 'rsa-pss-sha512',
      signature: 'http-sig-x=:AQID:',
      'signature-input': input,
    });
    // Every key is signed, so the HMAC ID is the unsigned ID.
    assert.deepEqual(commitments[unsignedId({ a: '1' })], {
      signature: 'http-sig-x=:AQID:',
      'signature-input': input,
      'commitment-device': HTTPSIG,
      alg: HMAC_ALG,
    });
  });

  it('derives the committer from the keyid', () => {
    assert.equal(keyidToAddress('AQAB'), sha256url(Uint8Array.from([1, 0, 1])));
    assert.throws(() => keyidToAddress('not base64url!'), TypeError);
  });

  it('drops hashpath headers of a signed request from the message', () => {
    const input = `l=("a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    const tabm = httpToTabm({ ...signed(input), signature: 'l=:AQID:', 'hashpath-1': 'hp' });
    assert.deepEqual(Object.keys(tabm).sort(), ['a', 'commitments']);
    const commitment = (tabm.commitments as Record<string, Tabm>)[sha256url(sig)] as Tabm;
    assert.equal(commitment['hashpath-1'], undefined);
  });

  it('keeps one commitment per signer', () => {
    const input = `a=("a");alg="rsa-pss-sha512";keyid="${keyid}", b=("a");alg="rsa-pss-sha512";keyid="AAAA"`;
    const tabm = httpToTabm({ a: '1', signature: 'a=:AQID:, b=:BAUG:', 'signature-input': input });
    const commitments = tabm.commitments as Record<string, Tabm>;
    assert.equal(Object.keys(commitments).length, 3);
    assert.ok(commitments[sha256url(Uint8Array.from([1, 2, 3]))]);
    assert.ok(commitments[sha256url(Uint8Array.from([4, 5, 6]))]);
  });

  it('does not add a second HMAC commitment when the signature is one', () => {
    const input = 'l=("a");alg="hmac-sha256";keyid="AAAA"';
    const tabm = httpToTabm({ a: '1', signature: 'l=:AQID:', 'signature-input': input });
    const commitments = Object.values(tabm.commitments as Record<string, Tabm>);
    assert.deepEqual(
      commitments.map((c) => c.alg),
      [HMAC_ALG],
    );
  });

  it('refuses a signature without a signature-input', () => {
    assert.throws(() => httpToTabm({ a: '1', signature: 'l=:AQID:' }), codec('bad_signature'));
  });

  it('refuses a signature whose label has no signature-input', () => {
    const input = `other=("a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    assert.throws(() => httpToTabm(signed(input)), codec('bad_signature_input'));
  });

  it('refuses a signature that is not a byte sequence', () => {
    const input = `l=("a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    assert.throws(
      () => httpToTabm({ ...signed(input), signature: 'l="text"' }),
      codec('bad_signature'),
    );
  });

  it('refuses a signature-input member that is not an inner list', () => {
    assert.throws(
      () => httpToTabm({ ...signed('x'), signature: 'x=:AQID:' }),
      codec('bad_signature_input'),
    );
  });

  it('refuses a missing or malformed keyid, or a missing alg', () => {
    for (const input of [
      'http-sig-x=("a");alg="rsa-pss-sha512"',
      'http-sig-x=("a");alg="rsa-pss-sha512";keyid=1',
      'http-sig-x=("a");alg="rsa-pss-sha512";keyid="not base64url!"',
      `http-sig-x=("a");keyid="${keyid}"`,
    ]) {
      assert.throws(() => httpToTabm(signed(input)), codec('bad_signature_input'), input);
    }
  });

  it('refuses a signature naming a component the message lacks', () => {
    const input = `http-sig-x=("zz");alg="rsa-pss-sha512";keyid="${keyid}"`;
    assert.throws(() => httpToTabm(signed(input)), codec('field_not_found'));
  });

  // BUG (src/codecs/httpsig/signature-base.ts signatureBase): `fields[name]`
  // reads inherited properties, so a component named `constructor` or
  // `__proto__` finds Object / Object.prototype instead of undefined, and
  // trimAndFold then throws a TypeError ("value.slice is not a function")
  // rather than CodecError('field_not_found'). Reachable from any request
  // carrying signature headers.
  for (const component of ['constructor', '__proto__']) {
    it(`refuses a signature naming "${component}" with a CodecError`, () => {
      const input = `http-sig-x=("${component}");alg="rsa-pss-sha512";keyid="${keyid}"`;
      assert.throws(() => httpToTabm(signed(input)), codec('field_not_found'));
    });
  }

  it('decodes signature headers that come with a multipart body', () => {
    const parts = encodeMultipart({ n: { x: '1' } }, 'body');
    const input = `l=("a" "content-digest");alg="rsa-pss-sha512";keyid="${keyid}"`;
    const tabm = httpToTabm({
      a: '1',
      'content-type': `multipart/form-data; boundary="${parts.boundary}"`,
      body: parts.body,
      signature: 'l=:AQID:',
      'signature-input': input,
    });
    assert.deepEqual(tabm.n, { x: '1' });
    assert.equal(Object.keys(tabm.commitments as Tabm).length, 2);
  });
});
