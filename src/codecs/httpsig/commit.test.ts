/**
 * The httpsig@1.0 commitment scheme: committing adds the HMAC commitment,
 * verifying recomputes it, and committed keys are read from a commitment's
 * signature-input (codecs.md §3.3, §3.7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageId } from '../../core/ids.ts';
import { Atom, type Message } from '../../core/message.ts';
import type { Opts } from '../../core/opts.ts';
import { messageToTabm } from '../structured.ts';
import { committedKeys, httpsigScheme } from './commit.ts';
import { HMAC_ALG, HTTPSIG, unsignedId } from './hmac.ts';

const opts = {} as Opts;

function committed(msg: Message): [Message, string] {
  const out = httpsigScheme.commit(msg, {}, opts) as Message;
  const ids = Object.keys(out.commitments as Message);
  assert.equal(ids.length, 1);
  return [out, ids[0] as string];
}

const verify = (msg: Message, id: string) => httpsigScheme.verify(msg, id, opts) as boolean;

describe('httpsigScheme.commit', () => {
  it('is the httpsig@1.0 scheme', () => {
    assert.equal(httpsigScheme.device, 'httpsig@1.0');
  });

  it('adds an HMAC commitment keyed by the unsigned ID', () => {
    const msg: Message = { a: '1', n: 5, list: [1, 'x'], nested: { b: true } };
    const [out, id] = committed(msg);
    assert.equal(id, unsignedId(messageToTabm(msg)));
    assert.equal(id, messageId(msg));
    assert.deepEqual((out.commitments as Message)[id], {
      'commitment-device': HTTPSIG,
      alg: HMAC_ALG,
    });
    const { commitments: _c, ...rest } = out;
    assert.deepEqual(rest, msg);
  });

  it('gives the empty message its known ID', () => {
    const [, id] = committed({});
    assert.equal(id, 'VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ');
  });

  it('replaces an earlier HMAC commitment', () => {
    const [first] = committed({ a: '1' });
    const [second, id] = committed({ ...first, a: '2' });
    assert.equal(id, unsignedId({ a: '2' }));
    assert.deepEqual(Object.keys(second.commitments as Message), [id]);
  });
});

describe('httpsigScheme.verify (HMAC)', () => {
  const msg: Message = { a: '1', n: 5, f: 1.5, t: Atom.of('ok'), body: 'payload', sub: { x: 'y' } };
  const [signed, id] = committed(msg);

  it('is true for an untouched message', () => {
    assert.equal(verify(signed, id), true);
  });

  it('is false after a value is changed', () => {
    assert.equal(verify({ ...signed, a: '2' }, id), false);
    assert.equal(verify({ ...signed, body: 'other' }, id), false);
    assert.equal(verify({ ...signed, sub: { x: 'z' } }, id), false);
  });

  it('is false after a type is changed, even with the same text', () => {
    assert.equal(verify({ ...signed, n: '5' }, id), false);
  });

  it('is false after a key is added or removed', () => {
    assert.equal(verify({ ...signed, extra: 'x' }, id), false);
    const { a: _a, ...without } = signed;
    assert.equal(verify(without, id), false);
  });

  it('ignores private keys', () => {
    assert.equal(verify({ ...signed, priv: { secret: 'x' } }, id), true);
  });

  it('refuses an unknown commitment ID', () => {
    assert.throws(() => verify(signed, 'nope'), {
      name: 'BadRequestError',
      code: 'commitment_not_found',
    });
    assert.throws(() => verify({ a: '1' }, id), {
      name: 'BadRequestError',
      code: 'commitment_not_found',
    });
  });

  it('never accepts a non-HMAC commitment that carries no signature', () => {
    const unsigned = { ...signed, commitments: { r: { alg: 'rsa-pss-sha512' } } };
    let accepted: boolean | undefined;
    try {
      accepted = verify(unsigned, 'r');
    } catch (error) {
      assert.ok(['BadRequestError', 'CodecError'].includes((error as Error).name), String(error));
    }
    assert.notEqual(accepted, true);
  });
});

describe('committedKeys', () => {
  const withInput = (msg: Message, input: string): Message => ({
    ...msg,
    commitments: { s: { 'commitment-device': HTTPSIG, 'signature-input': input } },
  });

  it('lists the signed components without @, plus signature and signature-input', () => {
    const msg = withInput(
      { a: '1', path: '/x', unsigned: 'u' },
      'l=("a" "@path");alg="rsa-pss-sha512";keyid="k"',
    );
    assert.deepEqual(committedKeys(msg, 's'), ['a', 'path', 'signature', 'signature-input']);
  });

  it('reads only the first signature-input member', () => {
    const msg = withInput({ a: '1', b: '2' }, 'l=("a");alg="x", m=("b");alg="x"');
    assert.deepEqual(committedKeys(msg, 's'), ['a', 'signature', 'signature-input']);
  });

  it('adds keys typed empty-* when ao-types is signed', () => {
    const msg = withInput({ a: 1, e: '', l: [], m: {} }, 'l=("a" "ao-types");alg="x"');
    assert.deepEqual(committedKeys(msg, 's'), [
      'a',
      'ao-types',
      'e',
      'l',
      'm',
      'signature',
      'signature-input',
    ]);
  });

  it('adds no empty keys when ao-types is not signed', () => {
    const msg = withInput({ a: '1', e: '' }, 'l=("a");alg="x"');
    assert.deepEqual(committedKeys(msg, 's'), ['a', 'signature', 'signature-input']);
  });

  it('adds body, inline-body-key and the body parts when content-digest is signed', () => {
    const msg = withInput(
      { a: '1', body: 'b', n: { c: '2' }, big: 'x'.repeat(5000) },
      'l=("a" "content-digest" "content-type");alg="x"',
    );
    assert.deepEqual(committedKeys(msg, 's'), [
      'a',
      'big',
      'body',
      'content-digest',
      'content-type',
      'inline-body-key',
      'n',
      'signature',
      'signature-input',
    ]);
  });

  it('adds the key named by inline-body-key when content-digest is signed', () => {
    const msg = withInput(
      { a: '1', data: 'payload' },
      'l=("a" "content-digest" "inline-body-key")',
    );
    assert.deepEqual(committedKeys(msg, 's'), [
      'a',
      'body',
      'content-digest',
      'data',
      'inline-body-key',
      'signature',
      'signature-input',
    ]);
  });

  it('adds no body keys when content-digest is not signed', () => {
    const msg = withInput({ a: '1', body: 'b' }, 'l=("a")');
    assert.deepEqual(committedKeys(msg, 's'), ['a', 'signature', 'signature-input']);
  });

  it('refuses an unknown commitment', () => {
    assert.throws(() => committedKeys({ a: '1' }, 'x'), {
      name: 'BadRequestError',
      code: 'commitment_not_found',
    });
  });

  it('refuses a malformed signature-input', () => {
    assert.throws(() => committedKeys(withInput({ a: '1' }, 'l=1'), 's'), {
      name: 'CodecError',
      code: 'bad_signature_input',
    });
  });
});
