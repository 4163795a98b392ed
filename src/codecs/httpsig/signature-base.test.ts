/**
 * RFC 9421 signature bases as HyperBEAM builds them (codecs.md §3.1 step 5,
 * §3.3, §8.1): derived components read from the message's own keys and
 * written without `@`, values space-trimmed with `\n` folded, parameters
 * sorted, and the content digest standing in for the body.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Item, serializeMember } from '../structured-fields.ts';
import {
  addDerived,
  componentsOf,
  contentDigest,
  DERIVED_COMPONENTS,
  itemText,
  normalizeComponents,
  signatureBase,
  signatureInput,
  stripAt,
  withContentDigest,
} from './signature-base.ts';

const codec = (code: string) => ({ name: 'CodecError', code });

describe('component names', () => {
  it('lists the RFC 9421 derived components HyperBEAM knows, status included', () => {
    assert.deepEqual([...DERIVED_COMPONENTS].sort(), [
      'authority',
      'method',
      'path',
      'query',
      'query-param',
      'request-target',
      'scheme',
      'status',
      'target-uri',
    ]);
  });

  it('strips and adds @', () => {
    assert.equal(stripAt('@path'), 'path');
    assert.equal(stripAt('a'), 'a');
    assert.equal(addDerived('path'), '@path');
    assert.equal(addDerived('status'), '@status');
    assert.equal(addDerived('a'), 'a');
    assert.equal(addDerived('paths'), 'paths');
  });

  it('normalises by stripping @, re-adding it to derived names, then sorting', () => {
    assert.deepEqual(normalizeComponents(['b', 'path', '@a', 'a-b', 'method', '@status']), [
      '@method',
      '@path',
      '@status',
      'a',
      'a-b',
      'b',
    ]);
  });
});

describe('content digest', () => {
  it('is an SF dictionary with one sha-256 byte sequence in standard base64', () => {
    assert.equal(contentDigest(''), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
    const raw = Uint8Array.from([0xff, 0x00, 0x7f]);
    assert.equal(
      contentDigest(raw),
      `sha-256=:${createHash('sha256').update(raw).digest('base64')}:`,
    );
  });

  it('replaces the body, and only when there is one', () => {
    assert.deepEqual(withContentDigest({ a: '1', body: 'hello' }), {
      a: '1',
      'content-digest': 'sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:',
    });
    const fields = { a: '1' };
    assert.equal(withContentDigest(fields), fields);
  });
});

describe('signatureInput', () => {
  it('writes components lower-cased and known parameters sorted by name', () => {
    const input = signatureInput(['A', '@path'], {
      tag: 't',
      keyid: 'k',
      alg: 'rsa-pss-sha512',
      created: 5,
      nonce: 'n',
      expires: 9,
    });
    assert.equal(
      serializeMember(input),
      '("a" "@path");alg="rsa-pss-sha512";created=5;expires=9;keyid="k";nonce="n";tag="t"',
    );
  });

  it('leaves out parameters RFC 9421 does not define', () => {
    const input = signatureInput([], { alg: 'hmac-sha256', keyid: 'ao', other: 'x' });
    assert.equal(serializeMember(input), '();alg="hmac-sha256";keyid="ao"');
  });
});

describe('signatureBase', () => {
  const input = (components: string[]) => signatureInput(components, { alg: 'x', keyid: 'k' });

  it('writes one "name": value line per component, then the parameters line', () => {
    const components = ['a', '@path'];
    const base = signatureBase(components, input(components), { a: '1', path: '/p' });
    assert.equal(base, '"a": 1\n"path": /p\n"@signature-params": ("a" "@path");alg="x";keyid="k"');
  });

  it('reads derived components from the message key of the same name', () => {
    const base = signatureBase(['@status'], input(['@status']), { status: '200' });
    assert.equal(base, '"status": 200\n"@signature-params": ("@status");alg="x";keyid="k"');
  });

  it('starts with a newline when there are no components', () => {
    assert.equal(
      signatureBase([], signatureInput([], { alg: 'hmac-sha256', keyid: 'ao' }), { a: '1' }),
      '\n"@signature-params": ();alg="hmac-sha256";keyid="ao"',
    );
  });

  it('trims spaces at both ends and folds newlines, keeping tabs', () => {
    const base = signatureBase(['a'], input(['a']), { a: '  x\ny\t ' });
    assert.equal(base, '"a": x y\t\n"@signature-params": ("a");alg="x";keyid="k"');
  });

  it('keeps raw bytes, trimming and folding them the same way', () => {
    const base = signatureBase(['a'], input(['a']), {
      a: Uint8Array.from([0x20, 0xff, 0x0a, 0x09, 0x20]),
    });
    const expected = Buffer.concat([
      Buffer.from('"a": '),
      Buffer.from([0xff, 0x20, 0x09]),
      Buffer.from('\n"@signature-params": ("a");alg="x";keyid="k"'),
    ]);
    assert.ok(base instanceof Uint8Array);
    assert.deepEqual(Buffer.from(base), expected);
  });

  it('does not change the fields it reads', () => {
    const raw = Uint8Array.from([0x20, 0x0a, 0x41]);
    signatureBase(['a'], input(['a']), { a: raw });
    assert.deepEqual(raw, Uint8Array.from([0x20, 0x0a, 0x41]));
  });

  it('lower-cases component names before looking them up', () => {
    const base = signatureBase(['A'], input(['A']), { a: 'v' });
    assert.equal(base, '"a": v\n"@signature-params": ("a");alg="x";keyid="k"');
  });

  it('refuses components the message does not have (field_not_found)', () => {
    assert.throws(() => signatureBase(['b'], input(['b']), { a: '1' }), codec('field_not_found'));
  });
});

describe('componentsOf', () => {
  it('lists the components of the first signature-input member', () => {
    assert.deepEqual(componentsOf('s=("a" "@path" tok);alg="x", t=("b")'), ['a', '@path', 'tok']);
    assert.deepEqual(componentsOf('s=();alg="x"'), []);
  });

  it('refuses a member that is not an inner list (bad_signature_input)', () => {
    assert.throws(() => componentsOf('s=1'), codec('bad_signature_input'));
    assert.throws(() => componentsOf(''), codec('bad_signature_input'));
  });

  it('refuses component names that are not strings (bad_signature_input)', () => {
    assert.throws(() => componentsOf('s=(1)'), codec('bad_signature_input'));
    assert.throws(() => componentsOf('s=(:AA==:)'), codec('bad_signature_input'));
    assert.throws(() => componentsOf('s=(?1)'), codec('bad_signature_input'));
  });

  it('refuses a malformed dictionary (bad_structured_field)', () => {
    assert.throws(() => componentsOf('s=("a"'), codec('bad_structured_field'));
  });
});

describe('itemText', () => {
  it('gives the text of strings and tokens, as a byte string', () => {
    assert.equal(
      itemText({ kind: 'item', value: { type: 'string', value: 'a' }, params: [] }),
      'a',
    );
    assert.equal(itemText({ kind: 'item', value: { type: 'token', value: 'b' }, params: [] }), 'b');
    const raw: Item = {
      kind: 'item',
      value: { type: 'string', value: Uint8Array.from([0xff]) },
      params: [],
    };
    assert.equal(itemText(raw), '\xff');
  });

  it('refuses other items (bad_signature_input)', () => {
    assert.throws(
      () => itemText({ kind: 'item', value: { type: 'integer', value: 1 }, params: [] }),
      codec('bad_signature_input'),
    );
  });
});
