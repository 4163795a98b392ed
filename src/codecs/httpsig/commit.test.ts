/**
 * The httpsig@1.0 commitment scheme: committing adds the HMAC commitment (and,
 * with a wallet, an RSA-PSS-SHA512 signature), verifying recomputes the HMAC or
 * checks the signature, and committed keys are read from a commitment's
 * signature-input (codecs.md §3.1–§3.4, §3.7).
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { sharedPath } from '../../../test/support/shared.ts';
import { base64url, sha256 } from '../../core/binary.ts';
import { Atom, type Message } from '../../core/message.ts';
import { createWallet, loadWallet } from '../../crypto/wallet.ts';
import { messageId } from '../../engine/ids.ts';
import { createCodecRegistry } from '../index.ts';
import { messageToTabm, tabmToMessage } from '../structured.ts';
import { parseDictionary } from '../structured-fields.ts';
import { committedKeys, RSA_ALG, signatureLabel, signHttpsig, signHttpsigAsync } from './commit.ts';
import { HMAC_ALG, HTTPSIG, knownUnsignedId, resetHmac, unsignedId } from './hmac.ts';
import { readReceived } from './received.ts';

const httpsig = createCodecRegistry().committer('httpsig@1.0');

function committed(msg: Message): [Message, string] {
  const out = httpsig.commit(msg, {}, {}) as Message;
  const ids = Object.keys(out.commitments as Message);
  assert.equal(ids.length, 1);
  return [out, ids[0] as string];
}

const verify = (msg: Message, id: string) => httpsig.verify(msg, id) as boolean;

describe('httpsig.commit', () => {
  it('is the httpsig@1.0 committer', () => {
    assert.equal(httpsig.name, 'httpsig@1.0');
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

describe('httpsig.verify (HMAC)', () => {
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

  it('an HMAC with no signature beside it covers every key, while it matches', () => {
    const tabm = resetHmac({ a: '1', b: '2' });
    const msg = tabmToMessage(tabm);
    const [id] = Object.keys(msg.commitments as Message);
    assert.deepEqual(committedKeys(msg, id as string), ['a', 'b']);
    assert.deepEqual(committedKeys({ ...msg, b: 'changed' }, id as string), []);
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

// RSA signatures (codecs.md §3.1–§3.4, §3.7) -----------------------------------------------

const key1 = loadWallet(sharedPath('fixtures', 'key-1.json'));
const key2 = loadWallet(sharedPath('fixtures', 'key-2.json'));
const LABEL_1 = 'http-sig-c68f7b82569eb48e';
const LABEL_2 = 'http-sig-e8f48f267561684c';
const key1Private = crypto.createPrivateKey({ key: key1.jwk, format: 'jwk' });

const commitmentsOf = (msg: Message) => msg.commitments as Record<string, Message>;
const rsaIds = (msg: Message) =>
  Object.keys(commitmentsOf(msg)).filter((id) => commitmentsOf(msg)[id]?.alg === RSA_ALG);
const hmacIdOf = (msg: Message) => {
  const ids = Object.keys(commitmentsOf(msg)).filter(
    (id) => commitmentsOf(msg)[id]?.alg === HMAC_ALG,
  );
  assert.equal(ids.length, 1);
  return ids[0] as string;
};
const rsaIdOf = (msg: Message) => {
  const ids = rsaIds(msg);
  assert.equal(ids.length, 1);
  return ids[0] as string;
};
/** The raw signature bytes of an RSA commitment. */
const signatureBytes = (c: Message): Uint8Array => {
  const [entry] = parseDictionary(c.signature as string);
  const member = entry?.[1];
  assert.ok(member?.kind === 'item' && member.value.type === 'binary');
  return member.value.value as Uint8Array;
};
const sfSignature = (label: string, sig: Uint8Array) =>
  `${label}=:${Buffer.from(sig).toString('base64')}:`;
/** The message with one commitment's fields replaced. */
const withCommitment = (msg: Message, id: string, fields: Message): Message => ({
  ...msg,
  commitments: { ...commitmentsOf(msg), [id]: { ...commitmentsOf(msg)[id], ...fields } },
});

describe('signHttpsig', () => {
  const msg: Message = { a: '1' };
  const signed = signHttpsig(msg, key1);
  const id = rsaIdOf(signed);
  const commitment = commitmentsOf(signed)[id] as Message;
  const keyid = base64url(key1.publicKey);

  it('labels signatures with bytes 1..8 of the signer’s address', () => {
    assert.equal(signatureLabel(key1.address), LABEL_1);
    assert.equal(signatureLabel(key2.address), LABEL_2);
  });

  it('adds an RSA commitment keyed by SHA-256 of the signature, plus the HMAC', () => {
    assert.equal(Object.keys(commitmentsOf(signed)).length, 2);
    const sig = signatureBytes(commitment);
    assert.equal(sig.length, 512);
    assert.equal(id, base64url(sha256(sig)));
    assert.deepEqual(Object.keys(commitment).sort(), [
      'alg',
      'commitment-device',
      'committer',
      'signature',
      'signature-input',
    ]);
    assert.equal(commitment['commitment-device'], HTTPSIG);
    assert.equal(commitment.alg, RSA_ALG);
    assert.equal(commitment.committer, key1.address);
    assert.equal(commitment.signature, sfSignature(LABEL_1, sig));
    assert.equal(
      commitment['signature-input'],
      `${LABEL_1}=("a");alg="rsa-pss-sha512";keyid="${keyid}"`,
    );
    const { commitments: _c, ...rest } = signed;
    assert.deepEqual(rest, msg);
  });

  it('signs the HyperBEAM signature base with PSS, SHA-512 and a 64-byte salt', () => {
    const base = `"a": 1\n"@signature-params": ("a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    const publicKey = crypto.createPublicKey({ key: key1.jwk, format: 'jwk' });
    const sig = signatureBytes(commitment);
    const check = (saltLength: number) =>
      crypto.verify(
        'sha512',
        Buffer.from(base),
        { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength },
        sig,
      );
    assert.equal(check(64), true);
    assert.equal(check(32), false);
  });

  it('gives the HMAC commitment the unsigned ID and the signer’s signature fields', () => {
    const hmacId = hmacIdOf(signed);
    assert.equal(hmacId, unsignedId(messageToTabm(msg)));
    assert.equal(hmacId, 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s');
    const hmacCommitment = commitmentsOf(signed)[hmacId] as Message;
    assert.equal(hmacCommitment.signature, commitment.signature);
    assert.equal(hmacCommitment['signature-input'], commitment['signature-input']);
  });

  it('sorts components and marks derived ones with @', () => {
    const out = signHttpsig({ z: '1', path: '/p', status: 200, a: 'x' }, key1);
    const input = commitmentsOf(out)[rsaIdOf(out)]?.['signature-input'] as string;
    assert.ok(
      input.startsWith(`${LABEL_1}=("a" "ao-types" "@path" "@status" "z");alg="rsa-pss-sha512"`),
      input,
    );
  });

  it('puts the hashpath in the tag parameter', () => {
    const out = signHttpsig({ a: '1', priv: { hashpath: 'abc/def' } }, key1);
    const rsaId = rsaIdOf(out);
    assert.equal(
      commitmentsOf(out)[rsaId]?.['signature-input'],
      `${LABEL_1}=("a");alg="rsa-pss-sha512";keyid="${keyid}";tag="abc/def"`,
    );
    assert.equal(httpsig.verify(out, rsaId), true);
    // The tag is signed.
    const input = String(commitmentsOf(out)[rsaId]?.['signature-input']);
    const retagged = withCommitment(out, rsaId, {
      'signature-input': input.replace('tag="abc/def"', 'tag="abc/xyz"'),
    });
    assert.equal(httpsig.verify(retagged, rsaId), false);
  });

  it('signs with RSA wallets only', () => {
    for (const type of ['ed25519', 'secp256k1'] as const) {
      assert.throws(() => signHttpsig({ a: '1' }, createWallet(type)), {
        name: 'BadRequestError',
        code: 'unsupported_key',
      });
    }
  });

  it('is what the httpsig@1.0 committer does with a wallet', async () => {
    const out = (await httpsig.commit({ a: '1' }, {}, { wallet: key1 })) as Message;
    const rsaId = rsaIdOf(out);
    assert.equal(commitmentsOf(out)[rsaId]?.committer, key1.address);
    assert.equal(httpsig.verify(out, rsaId), true);
    assert.equal(hmacIdOf(out), 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s');
  });

  it('commits to the signed keys, plus body keys when content-digest is signed', () => {
    const out = signHttpsig({ a: '1', n: 5, body: 'payload', path: '/x' }, key1);
    assert.deepEqual(committedKeys(out, rsaIdOf(out)), [
      'a',
      'ao-types',
      'body',
      'content-digest',
      'inline-body-key',
      'n',
      'path',
      'signature',
      'signature-input',
    ]);
  });
});

describe('signHttpsigAsync', () => {
  it('adds the HMAC commitment a fresh computation over the signed message gives', async () => {
    // Its ID is worked out while the signature is being made: it must be the one
    // resetHmac finds once the signature is there (large, nested and typed values too).
    const messages: Message[] = [
      { a: '1' },
      { n: 7, list: [1, 'two'], nested: { deep: { x: 'y' } }, body: 'x'.repeat(5000) },
      { data: 'short', target: 'T', 'content-type': 'text/plain' },
      // Values no header line carries: signed in the transport form.
      { a: 'line1\nline2', b: ' edge ', c: 'plain' },
    ];
    for (const wallet of [key1, key2]) {
      for (const msg of messages) {
        const signed = await signHttpsigAsync(msg, wallet);
        const again = tabmToMessage(resetHmac(messageToTabm(signed)));
        assert.deepEqual(signed.commitments, again.commitments);
      }
    }
  });

  it('learns the unsigned ID of what it signs where the HMAC is that ID, and only there', async () => {
    const covered: Message[] = [
      { a: '1' },
      { n: 7, nested: { deep: { x: 'y' } }, body: 'x'.repeat(5000) },
      { path: '/x/schedule', slot: 3, body: { inner: 'message' } },
    ];
    for (const msg of covered) {
      await signHttpsigAsync(msg, key1);
      assert.equal(knownUnsignedId(msg), unsignedId(messageToTabm(msg)));
    }
    // Signed in the transport form, or with a key of its own named signature-input.
    const other: Message[] = [
      { a: 'line1\nline2', b: ' edge ' },
      { 'signature-input': 'a key of its own', a: '1' },
    ];
    for (const msg of other) {
      await signHttpsigAsync(msg, key1);
      assert.equal(knownUnsignedId(msg), undefined);
    }
  });
});

describe('httpsig.verify (RSA)', () => {
  const messages: [string, Message][] = [
    ['one key', { a: '1' }],
    ['typed values', { n: 5, f: 1.5, t: Atom.of('ok'), l: [1, 'two'], e: '', m: {} }],
    ['derived components', { path: '/~message@1.0/a', status: 200, method: 'GET', a: '1' }],
    ['a body', { a: '1', body: 'payload\nwith lines' }],
    ['nested messages', { a: '1', sub: { b: '2', deep: { c: 3 } } }],
    ['a value too large for a header', { big: 'x'.repeat(5000), a: '1' }],
    ['raw bytes', { raw: Uint8Array.of(0, 0xff, 0x0a), a: '1' }],
    ['data', { data: 'some data' }],
    ['the empty message', {}],
  ];

  for (const [name, msg] of messages) {
    it(`verifies every commitment of a message with ${name}`, () => {
      const signed = signHttpsig(msg, key1);
      for (const id of Object.keys(commitmentsOf(signed))) {
        assert.equal(httpsig.verify(signed, id), true, id);
      }
    });
  }

  it('accepts components in any order and any salt length', () => {
    // hbsig sorts `@path` first and Node signers use the maximum salt (§8.2, §8.3).
    const msg: Message = { a: '1', path: '/x' };
    const keyid = base64url(key1.publicKey);
    const params = `("@path" "a");alg="rsa-pss-sha512";keyid="${keyid}"`;
    const base = `"path": /x\n"a": 1\n"@signature-params": ${params}`;
    const sig = new Uint8Array(
      crypto.sign('sha512', Buffer.from(base), {
        key: key1Private,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: crypto.constants.RSA_PSS_SALTLEN_MAX_SIGN,
      }),
    );
    const id = base64url(sha256(sig));
    const signed: Message = {
      ...msg,
      commitments: {
        [id]: {
          'commitment-device': HTTPSIG,
          alg: RSA_ALG,
          committer: key1.address,
          signature: sfSignature(LABEL_1, sig),
          'signature-input': `${LABEL_1}=${params}`,
        },
      },
    };
    assert.equal(httpsig.verify(signed, id), true);
    assert.equal(httpsig.verify({ ...signed, a: '2' }, id), false);
  });

  describe('rejects', () => {
    const msg: Message = { a: '1', b: 'two', n: 3, body: 'payload', path: '/x' };
    const signed = signHttpsig(msg, key1);
    const id = rsaIdOf(signed);
    const commitment = commitmentsOf(signed)[id] as Message;
    const sig = signatureBytes(commitment);
    const forgeWith = (fields: Message) => httpsig.verify(withCommitment(signed, id, fields), id);

    it('a FORGED signature: the signature bytes of another message', () => {
      const other = signHttpsig({ ...msg, a: '2' }, key1);
      const otherSig = signatureBytes(commitmentsOf(other)[rsaIdOf(other)] as Message);
      assert.equal(forgeWith({ signature: sfSignature(LABEL_1, otherSig) }), false);
      // Nor does another message's whole commitment verify this one.
      const transplanted: Message = { ...signed, commitments: commitmentsOf(other) };
      assert.equal(httpsig.verify(transplanted, rsaIdOf(other)), false);
    });

    it('a TRUNCATED signature', () => {
      for (const short of [
        sig.subarray(0, 511),
        sig.subarray(1),
        sig.subarray(0, 256),
        new Uint8Array(0),
      ]) {
        assert.equal(
          forgeWith({ signature: sfSignature(LABEL_1, short) }),
          false,
          `${short.length}`,
        );
      }
    });

    it('an ALTERED signature: one byte flipped', () => {
      for (const at of [0, 100, 511]) {
        const flipped = new Uint8Array(sig);
        flipped[at] = (flipped[at] as number) ^ 0x01;
        assert.equal(forgeWith({ signature: sfSignature(LABEL_1, flipped) }), false, `@${at}`);
      }
    });

    it('an ALTERED message: any one value changed', () => {
      assert.equal(httpsig.verify(signed, id), true);
      const changes: Message = { a: '2', b: 'twO', n: 4, body: 'payloaD', path: '/y' };
      for (const [key, value] of Object.entries(changes)) {
        assert.equal(httpsig.verify({ ...signed, [key]: value }, id), false, key);
      }
      assert.equal(httpsig.verify({ ...signed, n: '3' }, id), false, 'type');
    });

    it('a message missing a signed key, without throwing', () => {
      for (const key of Object.keys(msg)) {
        const { [key]: _gone, ...without } = signed;
        assert.equal(httpsig.verify(without, id), false, key);
      }
    });

    it('a committer that does not match the keyid', () => {
      assert.equal(forgeWith({ committer: key2.address }), false);
      assert.equal(forgeWith({ committer: 'x'.repeat(43) }), false);
    });

    it('a keyid of another key', () => {
      const input = String(commitment['signature-input']);
      const swapped = input.replace(base64url(key1.publicKey), base64url(key2.publicKey));
      assert.notEqual(swapped, input);
      assert.equal(forgeWith({ 'signature-input': swapped }), false);
      assert.equal(forgeWith({ 'signature-input': swapped, committer: key2.address }), false);
      assert.equal(
        forgeWith({ 'signature-input': input.replace(/keyid="[^"]*"/, 'keyid="@@"') }),
        false,
      );
      assert.equal(forgeWith({ 'signature-input': input.replace(/;keyid="[^"]*"/, '') }), false);
    });

    it('a signature-input whose alg is not rsa-pss-sha512', () => {
      const input = String(commitment['signature-input']);
      for (const alg of ['rsa-pss-sha256', 'rsa-v1_5-sha256', 'hmac-sha256', 'RSA-PSS-SHA512']) {
        const changed = input.replace('alg="rsa-pss-sha512"', `alg="${alg}"`);
        assert.notEqual(changed, input);
        assert.equal(forgeWith({ 'signature-input': changed }), false, alg);
      }
      assert.equal(
        forgeWith({ 'signature-input': input.replace('alg="rsa-pss-sha512";', '') }),
        false,
      );
      // The commitment's own alg must agree too.
      assert.equal(forgeWith({ alg: 'rsa-pss-sha256' }), false);
    });

    it('a signature or signature-input of the wrong shape', () => {
      assert.equal(forgeWith({ signature: `${LABEL_1}="not bytes"` }), false);
      assert.equal(forgeWith({ 'signature-input': `${LABEL_1}="a"` }), false);
      assert.equal(forgeWith({ signature: 42 }), false);
    });
  });
});

describe('two signers', () => {
  const msg: Message = { a: '1', n: 2, body: 'both sign this' };
  const signed = signHttpsig(signHttpsig(msg, key1), key2);
  const ids = rsaIds(signed);
  const hmacId = hmacIdOf(signed);

  it('keeps one commitment per signer and one HMAC, and all verify', () => {
    assert.equal(ids.length, 2);
    assert.deepEqual(
      ids.map((id) => commitmentsOf(signed)[id]?.committer).sort(),
      [key1.address, key2.address].sort(),
    );
    for (const id of [...ids, hmacId]) assert.equal(httpsig.verify(signed, id), true, id);
  });

  it('aggregates both signers’ members, sorted by label, in the HMAC commitment', () => {
    const hmacCommitment = commitmentsOf(signed)[hmacId] as Message;
    const byLabel = (field: 'signature' | 'signature-input') =>
      parseDictionary(hmacCommitment[field] as string).map(([label]) => label);
    assert.deepEqual(byLabel('signature-input'), [LABEL_1, LABEL_2]);
    assert.deepEqual(byLabel('signature'), [LABEL_1, LABEL_2]);
    const expected = (field: 'signature' | 'signature-input') =>
      [LABEL_1, LABEL_2]
        .map((label) => {
          const id = ids.find((i) => String(commitmentsOf(signed)[i]?.[field]).startsWith(label));
          return String(commitmentsOf(signed)[id as string]?.[field]);
        })
        .join(', ');
    assert.equal(hmacCommitment['signature-input'], expected('signature-input'));
    assert.equal(hmacCommitment.signature, expected('signature'));
  });

  it('aggregates in label order whoever signs first', () => {
    const reversed = signHttpsig(signHttpsig(msg, key2), key1);
    const input = String(commitmentsOf(reversed)[hmacIdOf(reversed)]?.['signature-input']);
    assert.ok(input.startsWith(`${LABEL_1}=`), input);
    assert.ok(input.includes(`, ${LABEL_2}=`), input);
    assert.equal(hmacIdOf(reversed), hmacId);
  });

  it('keeps the unsigned ID as the HMAC ID', () => {
    assert.equal(hmacId, unsignedId(messageToTabm(msg)));
    assert.equal(messageId(signed, { committers: [] }), messageId(msg));
  });

  it('has as signed ID the SHA-256 of the two sorted IDs joined by ", "', () => {
    const expected = base64url(sha256([...ids].sort().join(', ')));
    assert.equal(messageId(signed, { committers: 'all' }), expected);
    // Every commitment, HMAC included, by default.
    assert.equal(messageId(signed), base64url(sha256([...ids, hmacId].sort().join(', '))));
  });

  it('each signer’s commitment is rejected when the message changes', () => {
    for (const id of ids) assert.equal(httpsig.verify({ ...signed, a: '2' }, id), false);
  });

  it('lists each signer’s committed keys', () => {
    for (const id of ids) {
      assert.deepEqual(committedKeys(signed, id), [
        'a',
        'ao-types',
        'body',
        'content-digest',
        'inline-body-key',
        'n',
        'signature',
        'signature-input',
      ]);
    }
  });
});

describe('signing values no header line carries (a newline, edge spaces)', () => {
  const registry = createCodecRegistry();
  const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
  const pem = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';
  const cases: [string, Message][] = [
    ['a top-level value', { pem, a: '1' }],
    ['a top-level value beside a body', { pem, body: 'payload' }],
    ['a nested value', { nested: { pem, b: '2' }, a: '1' }],
  ];
  for (const [what, msg] of cases) {
    it(`signs ${what} as it is sent, so it verifies over the bytes received`, () => {
      const signed = signHttpsig(msg, wallet);
      const received = readReceived({
        ...registry.toHttp('httpsig@1.0', signed),
        method: 'POST',
        path: '/',
      });
      assert.equal(received.verified.length, 1, 'the signature verified over the received bytes');
      assert.deepEqual(
        Object.keys(received.message)
          .filter((k) => k !== 'commitments')
          .sort(),
        Object.keys(msg).sort(),
      );
      // In memory too, and its keys are all committed.
      const rsa = Object.keys(signed.commitments as Message).find(
        (c) => (signed.commitments as Record<string, Message>)[c]?.alg === RSA_ALG,
      ) as string;
      assert.ok(verify(signed, rsa));
      for (const key of Object.keys(msg)) assert.ok(committedKeys(signed, rsa).includes(key), key);
    });
  }
});
