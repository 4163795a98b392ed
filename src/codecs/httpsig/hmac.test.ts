/**
 * The HMAC commitment and the unsigned ID (codecs.md §3.3): HMAC-SHA256 with
 * the key `ao` over the signature base of the message's httpsig encoding,
 * aggregating the signatures of the message's signers.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { toBytes } from '../../core/binary.ts';
import type { Tabm } from '../structured.ts';
import { HMAC_ALG, HTTPSIG, hmac, hmacBase, resetHmac, unsignedId } from './hmac.ts';

const hmacOf = (base: string) => createHmac('sha256', 'ao').update(base).digest('base64url');
const params = ';alg="hmac-sha256";keyid="ao"';

describe('hmacBase', () => {
  it('starts with a newline for the empty message', () => {
    assert.equal(hmacBase({}), `\n"@signature-params": ()${params}`);
  });

  it('covers every encoded key, sorted', () => {
    assert.equal(
      hmacBase({ b: '2', a: '1' }),
      `"a": 1\n"b": 2\n"@signature-params": ("a" "b")${params}`,
    );
  });

  it('puts derived components first, with @ in the list only', () => {
    assert.equal(
      hmacBase({ a: '1', path: '/x', status: '200' }),
      `"path": /x\n"status": 200\n"a": 1\n"@signature-params": ("@path" "@status" "a")${params}`,
    );
  });

  it('covers the body through content-digest', () => {
    assert.equal(
      hmacBase({ a: '1', body: 'hello' }),
      '"a": 1\n"content-digest": sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:\n' +
        `"@signature-params": ("a" "content-digest")${params}`,
    );
  });

  it('covers encoding keys: ao-types, ao-ids, inline-body-key, content-type', () => {
    const id = 'A'.repeat(43);
    const base = hmacBase({
      [id]: 'v',
      data: 'd',
      n: { x: '1' },
      'ao-types': 'z="integer"',
      z: '1',
    });
    const list = base.toString().split('\n').at(-1);
    assert.equal(
      list,
      `"@signature-params": ("ao-ids" "ao-types" "content-digest" "content-type" ` +
        `"inline-body-key" "z")${params}`,
    );
  });

  it('never covers body-keys or commitments', () => {
    assert.equal(
      hmacBase({ a: '1', 'body-keys': '"x"', commitments: { c: { alg: 'x' } } }),
      hmacBase({ a: '1' }),
    );
  });

  it('covers only the components of the first signature-input member when there is one', () => {
    const tabm: Tabm = { a: '1', b: '2', 'signature-input': 'x=("b");alg="y", w=("a")' };
    assert.equal(hmacBase(tabm), `"b": 2\n"@signature-params": ("b")${params}`);
  });

  it('refuses a signature-input naming a missing key', () => {
    assert.throws(() => hmacBase({ a: '1', 'signature-input': 'x=("b")' }), {
      name: 'CodecError',
      code: 'field_not_found',
    });
  });
});

describe('unsignedId', () => {
  it('is VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ for the empty message', () => {
    assert.equal(unsignedId({}), 'VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ');
    assert.equal(hmacOf(`\n"@signature-params": ()${params}`), unsignedId({}));
  });

  it('is the base64url HMAC-SHA256, key "ao", of the base', () => {
    assert.equal(unsignedId({ a: '1' }), 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s');
    assert.equal(
      unsignedId({ a: '1', b: 'x y' }),
      hmacOf(`"a": 1\n"b": x y\n"@signature-params": ("a" "b")${params}`),
    );
    assert.deepEqual(
      Buffer.from(hmac({ a: '1' })),
      createHmac('sha256', 'ao')
        .update(toBytes(hmacBase({ a: '1' })))
        .digest(),
    );
  });

  it('ignores commitments', () => {
    assert.equal(
      unsignedId({ a: '1', commitments: { x: { alg: 'hmac-sha256' } } }),
      unsignedId({ a: '1' }),
    );
  });

  it('reads a key named signature-input as data, not as a component list', () => {
    const id = unsignedId({ a: '1', 'signature-input': 'zz' });
    assert.notEqual(id, unsignedId({ a: '1' }));
    assert.equal(id, unsignedId({ a: '1', 'x-signature-input': 'zz' }));
  });

  it('changes with any value, key or type', () => {
    const ids = new Set([
      unsignedId({ a: '1' }),
      unsignedId({ a: '2' }),
      unsignedId({ b: '1' }),
      unsignedId({ a: '1', 'ao-types': 'a="integer"' }),
      unsignedId({ a: '1', body: 'x' }),
      unsignedId({ a: '1', body: 'y' }),
    ]);
    assert.equal(ids.size, 6);
  });
});

describe('resetHmac', () => {
  const rsa = (label: string, sig: string): Tabm => ({
    alg: 'rsa-pss-sha512',
    'commitment-device': HTTPSIG,
    signature: `${label}=:${sig}:`,
    'signature-input': `${label}=("a");alg="rsa-pss-sha512";keyid="k-${label}"`,
  });

  it('adds one HMAC commitment, keyed by the unsigned ID', () => {
    const out = resetHmac({ a: '1' });
    assert.deepEqual(out, {
      a: '1',
      commitments: {
        [unsignedId({ a: '1' })]: { 'commitment-device': HTTPSIG, alg: HMAC_ALG },
      },
    });
  });

  it('replaces a stale HMAC commitment and is idempotent', () => {
    const stale: Tabm = {
      a: '2',
      commitments: { old: { 'commitment-device': HTTPSIG, alg: HMAC_ALG } },
    };
    const once = resetHmac(stale);
    assert.deepEqual(Object.keys(once.commitments as Tabm), [unsignedId({ a: '2' })]);
    assert.deepEqual(resetHmac(once), once);
  });

  it('aggregates every signer, sorted by label, and keeps their commitments', () => {
    const out = resetHmac({
      a: '1',
      commitments: { id2: rsa('l2', 'AAAA'), id1: rsa('l1', 'AQID') },
    });
    const commitments = out.commitments as Record<string, Tabm>;
    assert.deepEqual(commitments.id1, rsa('l1', 'AQID'));
    assert.deepEqual(commitments.id2, rsa('l2', 'AAAA'));
    const hmacIds = Object.keys(commitments).filter((id) => commitments[id]?.alg === HMAC_ALG);
    assert.equal(hmacIds.length, 1);
    assert.deepEqual(commitments[hmacIds[0] as string], {
      signature: 'l1=:AQID:, l2=:AAAA:',
      'signature-input':
        'l1=("a");alg="rsa-pss-sha512";keyid="k-l1", l2=("a");alg="rsa-pss-sha512";keyid="k-l2"',
      'commitment-device': HTTPSIG,
      alg: HMAC_ALG,
    });
  });

  it('gives the unsigned ID as the HMAC ID when every key is signed', () => {
    const out = resetHmac({ a: '1', commitments: { id1: rsa('l1', 'AQID') } });
    assert.ok(unsignedId({ a: '1' }) in (out.commitments as Tabm));
  });

  it('covers only the signed components when a key is left unsigned', () => {
    const out = resetHmac({ a: '1', b: '2', commitments: { id1: rsa('l1', 'AQID') } });
    assert.ok(unsignedId({ a: '1' }) in (out.commitments as Tabm));
    assert.ok(!(unsignedId({ a: '1', b: '2' }) in (out.commitments as Tabm)));
  });

  it('ignores commitments of other devices when aggregating', () => {
    const other = { ...rsa('l9', 'AAAA'), 'commitment-device': 'ans104@1.0' };
    const out = resetHmac({ a: '1', commitments: { x: other } });
    const commitments = out.commitments as Record<string, Tabm>;
    assert.deepEqual(commitments.x, other);
    assert.deepEqual(commitments[unsignedId({ a: '1' })], {
      'commitment-device': HTTPSIG,
      alg: HMAC_ALG,
    });
  });
});
