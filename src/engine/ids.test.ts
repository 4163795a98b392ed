import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { commitmentsOf, committersOf, selectCommitments } from '../codecs/commitments.ts';
import { resetHmac } from '../codecs/httpsig/hmac.ts';
import { messageToTabm } from '../codecs/structured.ts';
import { Atom, type Message, type Value } from '../core/message.ts';
import {
  accumulate256,
  combineIds,
  currentHashpath,
  extendHashpath,
  type HashpathAlg,
  hashpathAlg,
  messageId,
  nextHashpath,
  requestContribution,
  sha256Chain,
  signedId,
  unsignedMessageId,
} from './ids.ts';

// Known values, from running HyperBEAM (shared/spec/core.md section 3.3).
const ID_A_TEXT = 'N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s'; // {a: "1"}
const ID_A_INT = 'np3stvTlJELQLgarP2Iw5NuN6oFI_iMfrglyWWsK3ME'; // {a: 1}
const ID_EMPTY = 'VnYnaoOvankqXk13s502zpiq9PIaqFHDRcIrTNhyqKQ'; // {}
const ID_NESTED = 'jF8eac05NbHmym7AQH6a4r0lfEokw6g0Mp1ttXYg3Iw'; // {a: {b: {c: "d"}}}
const ID_PATH_A_X_Y = 'cC1_z0tLo1OguPd3e4nuy0eo-kVX3u6_-42Bjw9voLI'; // {path: "a", x: "y"}

// Independent reference implementations with node:crypto.
const sha = (...parts: (Uint8Array | string)[]) =>
  createHash('sha256')
    .update(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))))
    .digest();
const native = (id: string) => Buffer.from(id, 'base64url');
const human = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const toInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

// Fabricated commitment IDs: 43 base64url characters each.
const C1 = `c1${'A'.repeat(41)}`;
const C2 = `c2${'B'.repeat(41)}`;
const C3 = `c3${'C'.repeat(41)}`;
const HMAC_ID = `hm${'D'.repeat(41)}`;

/** A message with three signed commitments (two by addr-1) and an HMAC commitment. */
const signed: Message = {
  a: '1',
  commitments: {
    [C1]: { committer: 'addr-1', alg: 'rsa-pss-sha512', 'commitment-device': 'httpsig@1.0' },
    [C2]: { committer: 'addr-2', alg: 'rsa-pss-sha512', 'commitment-device': 'httpsig@1.0' },
    [C3]: { committer: 'addr-1', alg: 'rsa-pss-sha512', 'commitment-device': 'httpsig@1.0' },
    [HMAC_ID]: { alg: 'hmac-sha256', 'commitment-device': 'httpsig@1.0' },
  },
};

/** Resolve `key` on `base` the way the resolver records it: the value, with its new hashpath. */
function step(base: Message, key: string): Message {
  const value = base[key] as Message;
  return { ...value, priv: { hashpath: nextHashpath(base, { path: key }, key) } };
}

describe('commitmentsOf and committersOf', () => {
  it('read the commitments message', () => {
    assert.equal(commitmentsOf(signed), signed.commitments);
    assert.deepEqual(commitmentsOf({ a: 1 }), {});
    assert.deepEqual(commitmentsOf({ commitments: 'not a message' }), {});
  });

  it('list the committers of signed commitments only', () => {
    assert.deepEqual(committersOf(signed).sort(), ['addr-1', 'addr-1', 'addr-2']);
    assert.deepEqual(committersOf({ a: 1 }), []);
  });
});

describe('selectCommitments', () => {
  const sorted = (ids: string[]) => [...ids].sort();

  it('selects nothing from a message without commitments', () => {
    assert.deepEqual(selectCommitments({ a: 1 }, {}), []);
  });

  it('selects every commitment by default', () => {
    assert.deepEqual(sorted(selectCommitments(signed, {})), sorted([C1, C2, C3, HMAC_ID]));
    assert.deepEqual(
      sorted(selectCommitments(signed, { committers: 'none' })),
      sorted([C1, C2, C3, HMAC_ID]),
    );
    assert.deepEqual(
      sorted(selectCommitments(signed, { commitments: 'all' })),
      sorted([C1, C2, C3, HMAC_ID]),
    );
  });

  it('selects nothing with commitments: none', () => {
    assert.deepEqual(selectCommitments(signed, { commitments: 'none' }), []);
    assert.deepEqual(selectCommitments(signed, { commitments: 'none', committers: 'none' }), []);
  });

  it('selects the signed commitments with committers: all', () => {
    assert.deepEqual(
      sorted(selectCommitments(signed, { committers: 'all' })),
      sorted([C1, C2, C3]),
    );
  });

  it('selects by committer address (a string, a list or a numbered message)', () => {
    assert.deepEqual(sorted(selectCommitments(signed, { committers: 'addr-1' })), sorted([C1, C3]));
    assert.deepEqual(selectCommitments(signed, { committers: ['addr-2'] }), [C2]);
    assert.deepEqual(selectCommitments(signed, { committers: { '1': 'addr-2' } }), [C2]);
  });

  it('selects by commitment ID (a string or a list)', () => {
    assert.deepEqual(selectCommitments(signed, { commitments: C2 }), [C2]);
    assert.deepEqual(selectCommitments(signed, { commitments: [C1, HMAC_ID] }), [C1, HMAC_ID]);
  });

  it('combines committers with explicit IDs', () => {
    assert.deepEqual(
      selectCommitments(signed, { committers: ['addr-2'], commitments: [HMAC_ID] }),
      [C2, HMAC_ID],
    );
  });

  it('reads all and none case-insensitively, and as atoms', () => {
    assert.deepEqual(selectCommitments(signed, { commitments: 'NONE' }), []);
    assert.deepEqual(
      sorted(selectCommitments(signed, { committers: 'All' })),
      sorted([C1, C2, C3]),
    );
    assert.deepEqual(selectCommitments(signed, { commitments: Atom.of('none') }), []);
    assert.deepEqual(
      sorted(selectCommitments(signed, { committers: Atom.of('all') })),
      sorted([C1, C2, C3]),
    );
  });

  it('selects nothing with committers: all when nothing is signed', () => {
    const hmacOnly: Message = { a: 1, commitments: { [HMAC_ID]: { alg: 'hmac-sha256' } } };
    assert.deepEqual(selectCommitments(hmacOnly, { committers: 'all' }), []);
  });

  it('rejects unknown commitment IDs', () => {
    assert.throws(() => selectCommitments(signed, { commitments: ['missing'] }), {
      name: 'BadRequestError',
      code: 'commitment_not_found',
      status: 400,
    });
    assert.throws(() => selectCommitments({ a: 1 }, { commitments: C1 }), {
      code: 'commitment_not_found',
    });
  });

  it('rejects unknown committers', () => {
    assert.throws(() => selectCommitments(signed, { committers: ['addr-9'] }), {
      name: 'BadRequestError',
      code: 'committer_not_found',
      status: 400,
    });
    assert.throws(() => selectCommitments(signed, { committers: ['addr-1', 'addr-9'] }), {
      code: 'committer_not_found',
    });
  });

  // Bug: the existence check uses `id in commitments`, which also sees
  // Object.prototype members, so `toString`, `constructor`... are accepted as
  // commitment IDs and end up in the message ID.
  it('rejects IDs that are Object.prototype members', () => {
    for (const id of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      assert.throws(() => selectCommitments(signed, { commitments: [id] }), {
        code: 'commitment_not_found',
      });
      assert.throws(() => messageId({ a: '1' }, { commitments: id }), {
        code: 'commitment_not_found',
      });
    }
  });
});

describe('combineIds', () => {
  it('returns a single ID unchanged', () => {
    assert.equal(combineIds([C1]), C1);
  });

  it('hashes several IDs sorted and joined by ", "', () => {
    assert.equal(combineIds([C2, C1]), human(sha(`${C1}, ${C2}`)));
    assert.equal(combineIds([C3, C1, C2]), human(sha(`${C1}, ${C2}, ${C3}`)));
  });

  it('sorts by bytes', () => {
    // 'B' < '_' < 'a' in byte order.
    assert.equal(combineIds(['a', '_', 'B']), human(sha('B, _, a')));
  });

  it('does not depend on the order of its input, nor mutate it', () => {
    const ids = [C3, C1, C2];
    const combined = combineIds(ids);
    assert.deepEqual(ids, [C3, C1, C2]);
    fc.assert(
      fc.property(fc.shuffledSubarray(ids, { minLength: 3, maxLength: 3 }), (shuffled) => {
        assert.equal(combineIds(shuffled), combined);
      }),
    );
  });
});

describe('messageId', () => {
  it('matches HyperBEAM for unsigned messages', () => {
    assert.equal(messageId({ a: '1' }), ID_A_TEXT);
    assert.equal(messageId({ a: 1 }), ID_A_INT);
    assert.equal(messageId({}), ID_EMPTY);
    assert.equal(messageId({ a: { b: { c: 'd' } } }), ID_NESTED);
    assert.equal(messageId({ path: 'a', x: 'y' }), ID_PATH_A_X_Y);
  });

  it('does not depend on key order', () => {
    assert.equal(messageId({ b: '2', a: '1' }), messageId({ a: '1', b: '2' }));
  });

  it('changes with the content', () => {
    assert.notEqual(messageId({ a: '2' }), ID_A_TEXT);
    assert.notEqual(messageId({ b: '1' }), ID_A_TEXT);
  });

  it('ignores private keys', () => {
    assert.equal(messageId({ a: '1', priv: { hashpath: 'x/y' } }), ID_A_TEXT);
    assert.equal(messageId({ a: '1', private: 'secret' }), ID_A_TEXT);
  });

  it('hashes binaries with SHA-256', () => {
    assert.equal(messageId('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.equal(messageId(new Uint8Array([0x61, 0x62, 0x63])), messageId('abc'));
    assert.equal(messageId(new Uint8Array([0xff])), human(sha(Buffer.from([0xff]))));
    assert.equal(messageId(''), human(sha('')));
  });

  it('rejects values that are neither messages nor binaries', () => {
    for (const value of [42, true, Atom.of('ok'), ['a']] as Value[]) {
      assert.throws(() => messageId(value), {
        name: 'BadRequestError',
        code: 'no_id',
        status: 400,
      });
    }
  });

  it('is the commitment ID of a message with one commitment', () => {
    const one: Message = { a: '1', commitments: { [C1]: { committer: 'addr-1' } } };
    assert.equal(messageId(one), C1);
  });

  it('combines the IDs of several commitments', () => {
    assert.equal(messageId(signed), combineIds([C1, C2, C3, HMAC_ID]));
    assert.equal(messageId(signed, { committers: 'all' }), combineIds([C1, C2, C3]));
    assert.equal(messageId(signed, { committers: 'addr-2' }), C2);
  });

  it('falls back to the unsigned ID when nothing is selected', () => {
    assert.equal(messageId(signed, { commitments: 'none' }), ID_A_TEXT);
  });

  it('agrees with the HMAC commitment httpsig computes', () => {
    for (const msg of [{ a: '1' }, { a: 1 }, { x: { y: [1, 2] }, z: 'w' }] as Message[]) {
      const withHmac = resetHmac(messageToTabm(msg));
      const [hmacId] = Object.keys(withHmac.commitments as Message);
      assert.equal(messageId(msg), hmacId);
      assert.equal(messageId({ ...msg, commitments: withHmac.commitments as Message }), hmacId);
    }
  });

  it('accepts a literal signature-input key', () => {
    const id = messageId({ 'signature-input': 'sig1=("a")' });
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(id, ID_EMPTY);
    assert.notEqual(id, messageId({ 'signature-input': 'other' }));
  });

  it('is stable across calls on the same object', () => {
    const msg = { k: 'v' };
    assert.equal(messageId(msg), messageId(msg));
    assert.equal(messageId(msg), messageId({ k: 'v' }));
  });
});

describe('unsignedMessageId and signedId', () => {
  it('unsignedMessageId ignores commitments', () => {
    assert.equal(unsignedMessageId(signed), ID_A_TEXT);
    assert.equal(unsignedMessageId({ a: '1' }), ID_A_TEXT);
  });

  it('signedId covers signed commitments only', () => {
    assert.equal(signedId(signed), combineIds([C1, C2, C3]));
  });

  it('signedId is the unsigned ID when nothing is signed', () => {
    assert.equal(signedId({ a: '1' }), ID_A_TEXT);
    assert.equal(
      signedId({ a: '1', commitments: { [HMAC_ID]: { alg: 'hmac-sha256' } } }),
      ID_A_TEXT,
    );
  });
});

describe('hashpath algorithms', () => {
  const a = sha('left');
  const b = sha('right');

  it('sha-256-chain hashes the concatenation', () => {
    assert.deepEqual(Buffer.from(sha256Chain(a, b)), sha(a, b));
    assert.deepEqual(Buffer.from(sha256Chain(a, Buffer.from('key'))), sha(a, 'key'));
  });

  it('accumulate-256 adds the chain hash to the first ID, mod 2^256', () => {
    const out = accumulate256(a, b);
    assert.equal(out.length, 32);
    assert.equal(toInt(out), (toInt(a) + toInt(sha(a, b))) % 2n ** 256n);
  });

  it('accumulate-256 of a zero ID is the chain hash', () => {
    const zero = new Uint8Array(32);
    assert.deepEqual(Buffer.from(accumulate256(zero, b)), sha(zero, b));
  });

  it('accumulate-256 wraps around and keeps 32 bytes', () => {
    const max = new Uint8Array(32).fill(0xff);
    const out = accumulate256(max, b);
    assert.equal(out.length, 32);
    assert.equal(toInt(out), (toInt(sha(max, b)) - 1n + 2n ** 256n) % 2n ** 256n);
  });

  it('accumulate-256 keeps leading zero bytes', () => {
    // Find a second input whose sum with a small first ID starts with a zero byte.
    const small = new Uint8Array(32);
    small[31] = 1;
    let found = false;
    for (let i = 0; i < 2000 && !found; i++) {
      const second = Buffer.from(String(i));
      if (sha(small, second)[0] !== 0) continue;
      const out = accumulate256(small, second);
      assert.equal(out.length, 32);
      assert.equal(out[0], 0);
      found = true;
    }
    assert.ok(found, 'a hash with a leading zero byte exists among the first 2000');
  });

  it('hashpathAlg picks the algorithm from hashpath-alg', () => {
    assert.equal(hashpathAlg({}), sha256Chain);
    assert.equal(hashpathAlg({ 'hashpath-alg': 'sha-256-chain' }), sha256Chain);
    assert.equal(hashpathAlg({ 'hashpath-alg': 'accumulate-256' }), accumulate256);
  });

  it('hashpathAlg rejects unknown algorithms', () => {
    for (const name of [
      'sha-512-chain',
      'SHA-256-CHAIN',
      '',
      5,
      Atom.of('accumulate'),
    ] as Value[]) {
      assert.throws(() => hashpathAlg({ 'hashpath-alg': name }), {
        name: 'BadRequestError',
        code: 'bad_hashpath_alg',
        status: 400,
      });
    }
  });

  // HyperBEAM reads `hashpath-alg` through dev_message:get, case-insensitively
  // (shared/spec/core.md 3.2). hashpathAlg only looks at the lower-case key,
  // although currentHashpath normalises keys; the resolver normalises messages
  // first, so this only shows when ids.ts is called directly.
  it('hashpathAlg reads the key case-insensitively, as HyperBEAM does', () => {
    assert.equal(hashpathAlg({ 'Hashpath-Alg': 'accumulate-256' }), accumulate256);
  });
});

describe('currentHashpath', () => {
  it('is the ID of a message without a stored hashpath', () => {
    assert.equal(currentHashpath({ a: '1' }), ID_A_TEXT);
    assert.equal(currentHashpath({ a: { b: { c: 'd' } } }), ID_NESTED);
  });

  it('normalises keys first', () => {
    assert.equal(currentHashpath({ A: '1' }), ID_A_TEXT);
  });

  it('is the stored hashpath when there is one', () => {
    assert.equal(currentHashpath({ a: '1', priv: { hashpath: 'X/y' } }), 'X/y');
  });

  it('ignores a stored hashpath that is not text', () => {
    assert.equal(currentHashpath({ a: '1', priv: { hashpath: 5 } }), ID_A_TEXT);
  });

  it('uses every commitment of a committed message', () => {
    assert.equal(currentHashpath(signed), combineIds([C1, C2, C3, HMAC_ID]));
  });

  it('is the SHA-256 of a binary', () => {
    assert.equal(currentHashpath('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('fails for other values', () => {
    assert.throws(() => currentHashpath(7), { name: 'HbError', code: 'no_hashpath', status: 500 });
    assert.throws(() => currentHashpath(['x']), { code: 'no_hashpath' });
  });
});

describe('extendHashpath', () => {
  /** An algorithm that records its inputs and returns a fixed digest. */
  function spy(): { alg: HashpathAlg; calls: [Buffer, Buffer][] } {
    const calls: [Buffer, Buffer][] = [];
    const alg: HashpathAlg = (x, y) => {
      calls.push([Buffer.from(x), Buffer.from(y)]);
      return new Uint8Array(32).fill(7);
    };
    return { alg, calls };
  }
  const sevens = human(new Uint8Array(32).fill(7));

  it('appends to a one-part hashpath without hashing', () => {
    const { alg, calls } = spy();
    assert.equal(extendHashpath(ID_NESTED, 'a', alg), `${ID_NESTED}/a`);
    assert.equal(calls.length, 0);
  });

  it('folds a two-part hashpath whose second part is a key', () => {
    const { alg, calls } = spy();
    assert.equal(extendHashpath(`${ID_NESTED}/a`, 'b', alg), `${sevens}/b`);
    assert.deepEqual(calls, [[native(ID_NESTED), Buffer.from('a')]]);
  });

  it('decodes a 43-character second part as an ID', () => {
    const { alg, calls } = spy();
    assert.equal(
      extendHashpath(`${ID_NESTED}/${ID_A_TEXT}`, ID_EMPTY, alg),
      `${sevens}/${ID_EMPTY}`,
    );
    assert.deepEqual(calls, [[native(ID_NESTED), native(ID_A_TEXT)]]);
    assert.equal(calls[0]?.[1].length, 32);
  });

  it('decodes a 43-character key name too, as HyperBEAM does', () => {
    const { alg, calls } = spy();
    const longKey = 'k'.repeat(43);
    extendHashpath(`${ID_NESTED}/${longKey}`, 'x', alg);
    assert.deepEqual(calls[0]?.[1], native(longKey));
  });

  it('uses the raw bytes of other second parts', () => {
    const { alg, calls } = spy();
    extendHashpath(`${ID_NESTED}/${'k'.repeat(42)}`, 'x', alg);
    assert.deepEqual(calls[0]?.[1], Buffer.from('k'.repeat(42)));
  });

  it('computes the known second step with sha-256-chain', () => {
    assert.equal(
      extendHashpath(`${ID_NESTED}/a`, 'b', sha256Chain),
      'N9qKg_VSZLP_wKdYga984mNcPtHoKHTRqU0LizjdL7U/b',
    );
    assert.equal(human(sha(native(ID_NESTED), 'a')), 'N9qKg_VSZLP_wKdYga984mNcPtHoKHTRqU0LizjdL7U');
  });

  it('computes the second step with accumulate-256', () => {
    const expected = (toInt(native(ID_NESTED)) + toInt(sha(native(ID_NESTED), 'a'))) % 2n ** 256n;
    const [base, last] = extendHashpath(`${ID_NESTED}/a`, 'b', accumulate256).split('/');
    assert.equal(last, 'b');
    assert.equal(toInt(native(base!)), expected);
  });
});

describe('requestContribution', () => {
  it('is the bare key when the request has only AO-Core keys', () => {
    assert.equal(requestContribution({ path: 'a' }, 'a'), 'a');
    assert.equal(requestContribution({ path: 'a/b', hashpath: 'h', priv: { x: 1 } }, 'a'), 'a');
    assert.equal(requestContribution({}, 'k'), 'k');
  });

  it('is the full ID, path included, when the request has other keys', () => {
    assert.equal(requestContribution({ path: 'a', x: 'y' }, 'a'), ID_PATH_A_X_Y);
    assert.equal(requestContribution({ path: 'a', x: 'y' }, 'a'), messageId({ path: 'a', x: 'y' }));
  });

  it('is the ID when there is no key', () => {
    assert.equal(requestContribution({}, undefined), ID_EMPTY);
    assert.equal(requestContribution({ path: 'a' }, undefined), messageId({ path: 'a' }));
  });

  it('uses every commitment of a committed request', () => {
    assert.equal(requestContribution(signed, 'a'), combineIds([C1, C2, C3, HMAC_ID]));
  });
});

describe('nextHashpath', () => {
  const nested: Message = { a: { b: { c: 'd' } } };

  it('matches HyperBEAM for a one-key request', () => {
    assert.equal(nextHashpath(nested, { path: 'a' }, 'a'), `${ID_NESTED}/a`);
  });

  it('matches HyperBEAM for two steps', () => {
    const afterA = step(nested, 'a');
    assert.equal(
      nextHashpath(afterA, { path: 'b' }, 'b'),
      'N9qKg_VSZLP_wKdYga984mNcPtHoKHTRqU0LizjdL7U/b',
    );
  });

  it('matches HyperBEAM for three steps', () => {
    let msg: Message = { a: { b: { c: { d: 'e' } } } };
    msg = step(msg, 'a');
    msg = step(msg, 'b');
    msg = step(msg, 'c');
    assert.deepEqual(msg, {
      d: 'e',
      priv: { hashpath: 'za3XbST9QFbRfOz2LvLQNhhBUQirt8CB566EKHIpPyc/c' },
    });
  });

  it('matches HyperBEAM for a request with extra keys', () => {
    assert.equal(nextHashpath(nested, { path: 'a', x: 'y' }, 'a'), `${ID_NESTED}/${ID_PATH_A_X_Y}`);
  });

  it('matches HyperBEAM with accumulate-256 over two set requests', () => {
    // shared/vectors/core-vectors.json: hashpath-set-chain-accumulate.
    const first: Message = { a: 1, 'hashpath-alg': 'accumulate-256' };
    const req1: Message = { path: 'set', x: 1 };
    const h1 = nextHashpath(first, req1, 'set');
    assert.equal(h1, `${messageId(first)}/${messageId(req1)}`);
    const second: Message = { ...first, x: 1, priv: { hashpath: h1 } };
    assert.equal(
      nextHashpath(second, { path: 'set', y: 2 }, 'set'),
      'Dlv4Bukz6HVbu05WeDWT2TcC61ON-QIfc-1MrMzs_xQ/WTbAIb_u1HUZO1s0_UlfJq8U_iOYGFm2QTkkK_7xje4',
    );
  });

  it('takes the algorithm from the base', () => {
    const stored = `${ID_NESTED}/a`;
    const chain = nextHashpath({ priv: { hashpath: stored } }, { path: 'b' }, 'b');
    const acc = nextHashpath(
      { 'hashpath-alg': 'accumulate-256', priv: { hashpath: stored } },
      { path: 'b' },
      'b',
    );
    assert.equal(chain, extendHashpath(stored, 'b', sha256Chain));
    assert.equal(acc, extendHashpath(stored, 'b', accumulate256));
    assert.notEqual(chain, acc);
    // The request's hashpath-alg is irrelevant.
    assert.equal(
      nextHashpath(
        { priv: { hashpath: stored } },
        { path: 'b', 'hashpath-alg': 'accumulate-256' },
        'b',
      ).split('/')[0],
      chain.split('/')[0],
    );
  });

  it('fails on a base with an unknown algorithm', () => {
    assert.throws(() => nextHashpath({ 'hashpath-alg': 'md5' }, { path: 'a' }, 'a'), {
      name: 'BadRequestError',
      code: 'bad_hashpath_alg',
    });
  });
});

describe('unsigned IDs of equal messages built afresh', () => {
  it('are the same as computed the first time, and differ when any value or type does', () => {
    const make = () => ({ a: '1', n: 2, nested: { b: 'x', list: [1, 'two'] } });
    const first = unsignedMessageId(make());
    for (let i = 0; i < 3; i++) assert.equal(unsignedMessageId(make()), first);
    assert.notEqual(unsignedMessageId({ ...make(), n: '2' }), first);
    assert.notEqual(unsignedMessageId({ ...make(), nested: { b: 'y', list: [1, 'two'] } }), first);
    assert.notEqual(
      unsignedMessageId({ ...make(), a: new Uint8Array([0xff]) }),
      unsignedMessageId({ ...make(), a: '\u00ff' }),
    );
  });
});
