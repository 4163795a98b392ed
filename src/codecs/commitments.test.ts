/**
 * Commitments behind message@1.0 (codecs.md §3.6, §3.7, §7): the codec
 * registry that finds a commitment's codec, committed keys intersected over
 * the selected commitments, verification of every selected commitment, and
 * `withOnlyCommitted`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { ans104Codec } from './ans104/index.ts';
import type { Committer } from './codec.ts';
import { committedKeys, verifyMessage, withOnlyCommitted } from './commitments.ts';
import { signHttpsig } from './httpsig/commit.ts';
import { httpsigCodec } from './httpsig/index.ts';
import { CodecRegistry, createCodecRegistry } from './index.ts';
import type { Tabm } from './structured.ts';

const codecs = createCodecRegistry();
const key1 = loadWallet(sharedPath('fixtures', 'key-1.json'));
const key2 = loadWallet(sharedPath('fixtures', 'key-2.json'));

/**
 * A committing codec whose commitments list their keys in a `keys` field
 * (comma separated) and verify when their `ok` field is 'yes'.
 */
function fakeCodec(name: string, calls: string[] = []): Committer {
  return {
    name,
    toTabm: (wire) => wire as Tabm,
    fromTabm: (tabm) => tabm,
    commit: (msg) => msg,
    verify: (msg, id) => {
      calls.push(id);
      const c = (msg.commitments as Record<string, Message>)[id] as Message;
      return c.ok === 'yes';
    },
    committedKeys: (msg, id) => {
      const c = (msg.commitments as Record<string, Message>)[id] as Message;
      return String(c.keys).split(',').filter(Boolean);
    },
  };
}

const fake = fakeCodec('fake@1.0');
const registry = new CodecRegistry().register(fake).register(fakeCodec('other@1.0'));

const msg = (
  commitments: Record<string, Message>,
  keys: Message = { a: '1', b: '2', c: '3' },
): Message => ({
  ...keys,
  commitments,
});
const commitment = (keys: string, fields: Message = {}): Message => ({
  'commitment-device': 'fake@1.0',
  keys,
  ok: 'yes',
  ...fields,
});

describe('CodecRegistry (commitments)', () => {
  it('finds codecs by name, in any case', () => {
    assert.equal(registry.get('fake@1.0'), fake);
    assert.equal(registry.get('FAKE@1.0'), fake);
    assert.equal(registry.get('other@1.0').name, 'other@1.0');
  });

  it('registers by chaining; a later codec of the same name replaces the earlier', () => {
    const replacement = fakeCodec('Fake@1.0');
    const r = new CodecRegistry().register(fake).register(replacement);
    assert.equal(r.get('fake@1.0'), replacement);
  });

  it('throws NotFoundError for an unknown device', () => {
    assert.throws(() => registry.get('missing@1.0'), {
      name: 'NotFoundError',
      code: 'codec_not_found',
      status: 404,
    });
  });

  it('finds the codec of a commitment by its commitment-device', () => {
    const m = msg({ x: commitment('a'), y: { 'commitment-device': 'Other@1.0' } });
    assert.equal(registry.forCommitment(m, 'x'), fake);
    assert.equal(registry.forCommitment(m, 'y').name, 'other@1.0');
  });

  it('defaults to httpsig@1.0 for a commitment without a device', () => {
    const m = msg({ x: { alg: 'hmac-sha256' } });
    assert.equal(codecs.forCommitment(m, 'x'), httpsigCodec);
    assert.throws(() => registry.forCommitment(m, 'x'), {
      name: 'NotFoundError',
      code: 'codec_not_found',
    });
  });

  it('throws NotFoundError for an unknown commitment, or an unknown device', () => {
    assert.throws(() => registry.forCommitment(msg({ x: commitment('a') }), 'y'), {
      name: 'NotFoundError',
      code: 'commitment_not_found',
    });
    assert.throws(() => registry.forCommitment({ a: '1' }, 'x'), {
      name: 'NotFoundError',
      code: 'commitment_not_found',
    });
    assert.throws(
      () => registry.forCommitment(msg({ x: 'not a commitment' as unknown as Message }), 'x'),
      {
        name: 'NotFoundError',
        code: 'commitment_not_found',
      },
    );
    assert.throws(
      () => registry.forCommitment(msg({ x: { 'commitment-device': 'nope@1.0' } }), 'x'),
      { name: 'NotFoundError', code: 'codec_not_found' },
    );
  });

  it('holds httpsig@1.0 and ans104@1.0 in the default registry', () => {
    assert.equal(codecs.committer('httpsig@1.0'), httpsigCodec);
    assert.equal(codecs.committer('ans104@1.0'), ans104Codec);
  });
});

describe('committedKeys', () => {
  it('is the keys of the only commitment', () => {
    assert.deepEqual(committedKeys(msg({ x: commitment('a,b') }), {}, registry), ['a', 'b']);
  });

  it('intersects the keys of every selected commitment, in the first one’s order', () => {
    const m = msg({
      x: commitment('c,a,b'),
      y: commitment('a,b,c,d'),
      z: commitment('b,c'),
    });
    assert.deepEqual(committedKeys(m, {}, registry), ['c', 'b']);
    assert.deepEqual(committedKeys(m, { commitments: ['x', 'y'] }, registry), ['c', 'a', 'b']);
    assert.deepEqual(committedKeys(m, { commitments: ['y'] }, registry), ['a', 'b', 'c', 'd']);
  });

  it('is empty when commitments share no keys', () => {
    const m = msg({ x: commitment('a'), y: commitment('b') });
    assert.deepEqual(committedKeys(m, {}, registry), []);
  });

  it('is empty when nothing is selected or there are no commitments', () => {
    assert.deepEqual(
      committedKeys(msg({ x: commitment('a') }), { commitments: 'none' }, registry),
      [],
    );
    assert.deepEqual(committedKeys({ a: '1' }, {}, registry), []);
  });

  it('selects by committer', () => {
    const m = msg({
      x: commitment('a,b', { committer: 'alice' }),
      y: commitment('b,c', { committer: 'bob' }),
      h: commitment('a,b,c'),
    });
    assert.deepEqual(committedKeys(m, { committers: ['alice'] }, registry), ['a', 'b']);
    assert.deepEqual(committedKeys(m, { committers: 'all' }, registry), ['b']);
    assert.throws(() => committedKeys(m, { committers: ['carol'] }, registry), {
      name: 'BadRequestError',
      code: 'committer_not_found',
    });
  });

  it('refuses to select an unknown commitment', () => {
    assert.throws(
      () => committedKeys(msg({ x: commitment('a') }), { commitments: ['y'] }, registry),
      {
        name: 'BadRequestError',
        code: 'commitment_not_found',
      },
    );
  });

  it('asks each commitment’s own codec', () => {
    const m = msg({
      x: commitment('a,b'),
      y: { 'commitment-device': 'other@1.0', keys: 'b,c' },
    });
    assert.deepEqual(committedKeys(m, {}, registry), ['b']);
  });

  it('intersects two real signers who signed different keys', () => {
    const first = signHttpsig({ a: '1', b: '2' }, key1);
    const second = signHttpsig({ ...first, c: '3' }, key2);
    const keys = committedKeys(second, { committers: 'all' }, codecs);
    assert.deepEqual(keys, ['a', 'b', 'signature', 'signature-input']);
    assert.deepEqual(committedKeys(second, { committers: [key2.address] }, codecs), [
      'a',
      'b',
      'c',
      'signature',
      'signature-input',
    ]);
  });
});

describe('verifyMessage', () => {
  it('is true without commitments', async () => {
    assert.equal(await verifyMessage({ a: '1' }, {}, registry), true);
    assert.equal(await verifyMessage(msg({}), {}, registry), true);
  });

  it('is true when every commitment verifies, false when any does not', async () => {
    assert.equal(
      await verifyMessage(msg({ x: commitment('a'), y: commitment('b') }), {}, registry),
      true,
    );
    const oneBad = msg({ x: commitment('a'), y: commitment('b', { ok: 'no' }) });
    assert.equal(await verifyMessage(oneBad, {}, registry), false);
  });

  it('checks only the selected commitments', async () => {
    const calls: string[] = [];
    const r = new CodecRegistry().register(fakeCodec('fake@1.0', calls));
    const m = msg({
      x: commitment('a', { committer: 'alice' }),
      y: commitment('b', { ok: 'no' }),
    });
    assert.equal(await verifyMessage(m, { commitments: ['x'] }, r), true);
    assert.equal(await verifyMessage(m, { committers: ['alice'] }, r), true);
    assert.equal(await verifyMessage(m, { commitments: 'none' }, r), true);
    // The same message holds the same commitment: it is checked once.
    assert.deepEqual(calls, ['x']);
    assert.equal(await verifyMessage(m, { commitments: ['y'] }, r), false);
  });

  it('checks a copy again only when one of its values differs', async () => {
    const calls: string[] = [];
    const r = new CodecRegistry().register(fakeCodec('fake@1.0', calls));
    const m = { ...msg({ x: commitment('a') }), k: 'v' };
    assert.equal(await verifyMessage(m, {}, r), true);
    assert.equal(await verifyMessage({ ...m }, {}, r), true);
    assert.deepEqual(calls, ['x']);
    assert.equal(await verifyMessage({ ...m, k: 'w' }, {}, r), true);
    assert.equal(await verifyMessage({ ...m, extra: 1 }, {}, r), true);
    assert.deepEqual(calls, ['x', 'x', 'x']);
  });

  it('awaits asynchronous codecs', async () => {
    const asyncCodec: Committer = {
      ...fakeCodec('async@1.0'),
      verify: async (m, id) =>
        ((m.commitments as Record<string, Message>)[id] as Message).ok === 'yes',
    };
    const r = new CodecRegistry().register(asyncCodec);
    const good = msg({ x: { 'commitment-device': 'async@1.0', ok: 'yes' } });
    const bad = msg({ x: { 'commitment-device': 'async@1.0', ok: 'no' } });
    assert.equal(await verifyMessage(good, {}, r), true);
    assert.equal(await verifyMessage(bad, {}, r), false);
  });

  it('rejects commitments of devices it does not know', async () => {
    await assert.rejects(
      verifyMessage(msg({ x: { 'commitment-device': 'nope@1.0' } }), {}, registry),
      {
        name: 'NotFoundError',
        code: 'codec_not_found',
      },
    );
  });

  it('verifies real httpsig and ans104 commitments, and catches a change', async () => {
    const two = signHttpsig(signHttpsig({ a: '1', n: 2 }, key1), key2);
    assert.equal(await verifyMessage(two, {}, codecs), true);
    assert.equal(await verifyMessage({ ...two, a: '2' }, {}, codecs), false);
    assert.equal(await verifyMessage({ ...two, a: '2' }, { commitments: 'none' }, codecs), true);
    const item = (await codecs
      .committer('ans104@1.0')
      .commit({ a: '1', nest: { b: '2' } }, {}, { wallet: key1 })) as Message;
    assert.equal(await verifyMessage(item, {}, codecs), true);
    assert.equal(await verifyMessage({ ...item, nest: { b: '3' } }, {}, codecs), false);
  });
});

describe('withOnlyCommitted', () => {
  it('returns a message without commitments unchanged', () => {
    const plain: Message = { a: '1', b: '2' };
    assert.equal(withOnlyCommitted(plain, registry), plain);
    const empty = msg({});
    assert.equal(withOnlyCommitted(empty, registry), empty);
  });

  it('keeps the committed keys and the commitments, nothing else', () => {
    const commitments = { x: commitment('a,b') };
    const out = withOnlyCommitted(
      msg(commitments, { a: '1', b: '2', c: '3', d: { e: '4' } }),
      registry,
    );
    assert.deepEqual(out, { a: '1', b: '2', commitments });
  });

  it('keeps only what every commitment covers', () => {
    const commitments = { x: commitment('a,b,c'), y: commitment('b,c,d') };
    const out = withOnlyCommitted(msg(commitments, { a: '1', b: '2', c: '3', d: '4' }), registry);
    assert.deepEqual(out, { b: '2', c: '3', commitments });
  });

  it('ignores committed keys the message does not have', () => {
    const commitments = { x: commitment('a,zz') };
    assert.deepEqual(withOnlyCommitted(msg(commitments), registry), { a: '1', commitments });
  });

  it('drops keys added to an httpsig message after signing', async () => {
    const signed = signHttpsig({ a: '1', n: 2 }, key1);
    const added: Message = { ...signed, extra: 'added later', path: '/unsigned' };
    // The signatures cover only their listed components, so they still verify
    // (codecs.md §3.7): this is why unsigned keys must be removed.
    assert.equal(await verifyMessage(added, {}, codecs), true);
    const out = withOnlyCommitted(added, codecs);
    assert.deepEqual(out, signed);
    assert.equal(await verifyMessage(out, {}, codecs), true);
  });

  it('keeps only the keys both signers committed to', () => {
    const first = signHttpsig({ a: '1', b: '2' }, key1);
    const second = signHttpsig({ ...first, c: '3' }, key2);
    const out = withOnlyCommitted(second, codecs);
    assert.deepEqual(Object.keys(out).sort(), ['a', 'b', 'commitments']);
  });

  it('keeps every key of an ANS-104 message with tags, nested messages and data', async () => {
    const signed = (await codecs
      .committer('ans104@1.0')
      .commit({ a: '1', nest: { b: '2' }, data: 'd', n: 5 }, {}, { wallet: key1 })) as Message;
    const out = withOnlyCommitted(signed, codecs);
    assert.deepEqual(out, signed);
    assert.equal(await verifyMessage(out, {}, codecs), true);
  });
});
