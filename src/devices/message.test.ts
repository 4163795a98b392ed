/**
 * Unit tests for message@1.0 (HyperBEAM's dev_message, core.md 1.4-1.5): reads, keys,
 * set/set_path/remove, IDs and commitments.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { committedKeys } from '../codecs/commitments.ts';
import { createCodecRegistry } from '../codecs/index.ts';
import { type Message, NOT_FOUND, UNDEFINED, UNSET, type Value } from '../core/message.ts';
import { type ContextOptions, createContext } from '../defaults.ts';
import type { Context } from '../engine/context.ts';
import type { Result } from '../engine/device.ts';
import { messageId } from '../engine/ids.ts';
import { resolve } from '../engine/resolver.ts';
import { getKey, messageDevice, publicKeys } from './message.ts';

/** Without a wallet, `commit` adds an HMAC commitment only. */
const opts = (options: ContextOptions = {}) =>
  createContext({
    ...options,
    services: { wallet: undefined, ...options.services },
    directives: { hashpath: 'ignore', ...options.directives },
  });
const run = (base: Value, req: Value, o: Context = opts()): Promise<Result> =>
  resolve(base, req, o);
const body = async (base: Value, req: Value, o?: Context) => (await run(base, req, o)).body;
const notFound = { status: 'error', body: NOT_FOUND };

const S1 = 'S'.repeat(43);
const S2 = 'T'.repeat(43);
const H = 'H'.repeat(43);

/** A message with two (fake, unverifiable) signed commitments and an HMAC one. */
const signed: Message = {
  a: '1',
  b: '2',
  commitments: {
    [S1]: {
      'commitment-device': 'httpsig@1.0',
      alg: 'rsa-pss-sha512',
      committer: 'addr1',
      'signature-input': 'sig=("a" "b");alg="rsa-pss-sha512";keyid="k"',
      signature: 'sig=:AAAA:',
    },
    [S2]: {
      'commitment-device': 'httpsig@1.0',
      alg: 'rsa-pss-sha512',
      committer: 'addr2',
      'signature-input': 'sig=("a");alg="rsa-pss-sha512";keyid="k"',
      signature: 'sig=:AAAA:',
    },
    [H]: { 'commitment-device': 'httpsig@1.0', alg: 'hmac-sha256' },
  },
};

/** HyperBEAM's combination of several commitment IDs. */
const combined = (...ids: string[]) =>
  createHash('sha256')
    .update([...ids].sort().join(', '))
    .digest('base64url');

describe('message@1.0: reading keys', () => {
  it('reads a key', async () => {
    assert.deepEqual(await run({ a: '1' }, 'a'), { status: 'ok', body: '1' });
  });

  it('reads keys case-insensitively, both ways', async () => {
    assert.equal(await body({ Greeting: 'hi' }, 'greeting'), 'hi');
    assert.equal(await body({ greeting: 'hi' }, 'GREETING'), 'hi');
  });

  it('getKey: exact match first, then case-insensitive', () => {
    assert.equal(getKey('A', { A: 'upper', a: 'lower' }), 'upper');
    assert.equal(getKey('a', { A: 'upper', a: 'lower' }), 'lower');
    assert.equal(getKey('ABC', { abc: '1' }), '1');
    assert.equal(getKey('abc', { ABC: '1' }), '1');
    assert.equal(getKey('x', { abc: '1' }), undefined);
  });

  it('a missing key is not_found', async () => {
    assert.deepEqual(await run({ a: '1' }, 'b'), notFound);
  });

  it('private keys are never readable (priv, private, priv_x, privacy)', async () => {
    const msg = { priv: { x: 1 }, private: '1', priv_x: '2', privacy: '3', ok: '4' };
    for (const key of ['priv', 'private', 'priv_x', 'PRIV_X', 'privacy']) {
      assert.deepEqual(await run(msg, key), notFound, key);
      assert.equal(getKey(key, msg), undefined);
    }
    assert.equal(await body(msg, 'ok'), '4');
  });

  it('reads path, device and commitments like any other key', async () => {
    assert.equal(getKey('path', { path: 'p' }), 'p');
    assert.equal(await body({ device: 'message@1.0', k: 'v' }, 'device'), 'message@1.0');
  });

  it('info reads an info key, or fails with a 404 when there is none', async () => {
    assert.equal(await body({ info: 'x' }, 'info'), 'x');
    await assert.rejects(run({}, 'info'), { name: 'NotFoundError', status: 404 });
    assert.deepEqual(await run({}, 'info', opts({ directives: { errorStrategy: 'return' } })), {
      status: 'error',
      body: { status: 404, body: 'message@1.0 has no info key' },
    });
  });
});

describe('message@1.0: keys', () => {
  it('lists the public keys, sorted', async () => {
    const msg = { b: '1', a: '2', priv: {}, privacy: 'x', 'priv-x': '1', c: { d: '1' } };
    assert.deepEqual(await body(msg, 'keys'), ['a', 'b', 'c']);
    assert.deepEqual(publicKeys(msg), ['a', 'b', 'c']);
  });

  it('an empty message has no keys', async () => {
    assert.deepEqual(await body({}, 'keys'), []);
  });
});

describe('message@1.0: set', () => {
  it('deep-merges nested messages by default', async () => {
    assert.deepEqual(
      await body({ a: { x: '1', y: '1' }, b: '1' }, { path: 'set', a: { y: '2', z: '3' } }),
      { a: { x: '1', y: '2', z: '3' }, b: '1' },
    );
  });

  it('set-mode: explicit replaces instead of merging', async () => {
    assert.deepEqual(
      await body(
        { a: { x: '1', y: '1' }, b: '1' },
        { path: 'set', 'set-mode': 'explicit', a: { z: '2' } },
      ),
      { a: { z: '2' }, b: '1' },
    );
  });

  it('replaces non-message values', async () => {
    assert.deepEqual(await body({ a: { x: '1' } }, { path: 'set', a: 'flat' }), { a: 'flat' });
  });

  it('unset removes a key; undefined is ignored', async () => {
    assert.deepEqual(
      await body({ a: '1', b: '2', c: '3' }, { path: 'set', a: UNSET, c: UNDEFINED, d: '4' }),
      { b: '2', c: '3', d: '4' },
    );
  });

  it('never sets reserved or private keys', async () => {
    const result = await body(
      { a: '1' },
      {
        path: 'set',
        id: 'x',
        commitments: {},
        committers: 'c',
        keys: 'k',
        remove: 'r',
        verify: 'v',
        set: 's',
        private: 'p',
        priv: { z: 1 },
        b: '2',
      },
    );
    assert.deepEqual(result, { a: '1', b: '2' });
  });

  it("keeps the base's priv", async () => {
    assert.deepEqual(await body({ a: '1', priv: { keep: 1 } }, { path: 'set', b: '2' }), {
      a: '1',
      b: '2',
      priv: { keep: 1 },
    });
  });

  it('drops the commitments when a committed key changes', async () => {
    assert.deepEqual(await body(signed, { path: 'set', a: 'new' }), { a: 'new', b: '2' });
  });

  it('keeps the commitments when the keys set are not committed, or unchanged', async () => {
    const added = (await body(signed, { path: 'set', c: 'new' })) as Message;
    assert.deepEqual(added.commitments, signed.commitments);
    assert.equal(added.c, 'new');
    const same = (await body(signed, { path: 'set', a: '1' })) as Message;
    assert.deepEqual(same, signed);
  });

  it('does not modify its inputs', async () => {
    const base = { a: { x: '1' } };
    const req = { path: 'set', a: { y: '2' } };
    await run(base, req);
    assert.deepEqual(base, { a: { x: '1' } });
    assert.deepEqual(req, { path: 'set', a: { y: '2' } });
  });
});

describe('message@1.0: set_path and remove', () => {
  it('set_path (and set-path) replaces path with the value', async () => {
    assert.deepEqual(await body({ a: '1', path: 'old' }, { path: 'set_path', value: 'new' }), {
      a: '1',
      path: 'new',
    });
    assert.deepEqual(await body({ a: '1' }, { path: 'set-path', value: 'new' }), {
      a: '1',
      path: 'new',
    });
  });

  it('set_path without a value is a BadRequestError', async () => {
    await assert.rejects(run({ a: '1' }, 'set_path'), {
      name: 'BadRequestError',
      code: 'no_value',
    });
  });

  it('set cannot write path', async () => {
    assert.deepEqual(await body({ a: '1' }, { path: 'set', b: '2' }), { a: '1', b: '2' });
  });

  it('remove item drops one key', async () => {
    assert.deepEqual(await body({ a: '1', b: '2' }, { path: 'remove', item: 'a' }), { b: '2' });
  });

  it('remove items drops several, ignoring missing ones', async () => {
    assert.deepEqual(
      await body({ a: '1', b: '2', c: '3' }, { path: 'remove', items: ['a', 'b', 'zz'] }),
      { c: '3' },
    );
  });

  it('remove matches keys exactly (the base was lower-cased first)', async () => {
    assert.deepEqual(await body({ A: '1', b: '2' }, { path: 'remove', item: 'A' }), {
      a: '1',
      b: '2',
    });
  });

  it('remove with neither item nor items is a BadRequestError', async () => {
    await assert.rejects(run({ a: '1' }, 'remove'), { name: 'BadRequestError', code: 'no_item' });
  });
});

describe('message@1.0: id', () => {
  it('an uncommitted message has its unsigned ID', async () => {
    const msg = { a: '1', b: { c: 2 } };
    const id = await body(msg, 'id');
    assert.equal(id, messageId(msg));
    assert.match(id as string, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(await body({ a: '2', b: { c: 2 } }, 'id'), id);
  });

  it('the ID ignores private keys', async () => {
    assert.equal(await body({ a: '1', priv: { x: 1 } }, 'id'), await body({ a: '1' }, 'id'));
  });

  it('all commitments are combined by default', async () => {
    assert.equal(await body(signed, 'id'), combined(S1, S2, H));
  });

  it('committers selects commitments by committer address', async () => {
    assert.equal(await body(signed, { path: 'id', committers: 'addr1' }), S1);
    assert.equal(
      await body(signed, { path: 'id', committers: ['addr1', 'addr2'] }),
      combined(S1, S2),
    );
    assert.equal(await body(signed, { path: 'id', committers: 'all' }), combined(S1, S2));
  });

  it('committers none selects every commitment', async () => {
    assert.equal(await body(signed, { path: 'id', committers: 'none' }), combined(S1, S2, H));
  });

  it('commitments selects commitments by ID', async () => {
    assert.equal(await body(signed, { path: 'id', commitments: H }), H);
    assert.equal(await body(signed, { path: 'id', commitments: [S2, H] }), combined(S2, H));
  });

  it('an unknown committer or commitment is a BadRequestError', async () => {
    await assert.rejects(run(signed, { path: 'id', committers: 'nobody' }), {
      name: 'BadRequestError',
      code: 'committer_not_found',
    });
    await assert.rejects(run(signed, { path: 'id', commitments: 'Q'.repeat(43) }), {
      name: 'BadRequestError',
      code: 'commitment_not_found',
    });
  });
});

describe('message@1.0: commitments', () => {
  it('commit adds one HMAC commitment whose ID is the unsigned ID', async () => {
    const msg = { a: '1', b: { c: 2 } };
    const committed = (await body(msg, 'commit')) as Message;
    const commitments = committed.commitments as Message;
    const ids = Object.keys(commitments);
    assert.deepEqual(ids, [messageId(msg)]);
    assert.deepEqual(commitments[ids[0] as string], {
      'commitment-device': 'httpsig@1.0',
      alg: 'hmac-sha256',
    });
    assert.equal(committed.a, '1');
    assert.equal(await body(committed, 'id'), messageId(msg));
  });

  it('verify is true for a fresh commitment and false after tampering', async () => {
    const committed = (await body({ a: '1', b: '2' }, 'commit')) as Message;
    assert.equal(await body(committed, 'verify'), true);
    assert.equal(await body({ ...committed, a: 'changed' }, 'verify'), false);
    assert.equal(await body({ ...committed, extra: 'added' }, 'verify'), false);
    const { b: _b, ...dropped } = committed;
    assert.equal(await body(dropped, 'verify'), false);
  });

  it('verify is vacuously true without commitments', async () => {
    assert.equal(await body({ a: '1' }, 'verify'), true);
  });

  it('commit can target a key of the request (falling back to body)', async () => {
    const inner = { z: '1' };
    const byKey = (await body({ a: '1' }, { path: 'commit', target: 'inner', inner })) as Message;
    assert.equal(byKey.z, '1');
    assert.equal(byKey.a, undefined);
    assert.deepEqual(Object.keys(byKey.commitments as Message), [messageId(inner)]);
    const byBody = await body({ a: '1' }, { path: 'commit', target: 'inner', body: inner });
    assert.deepEqual(byBody, byKey);
  });

  it('a target that is not a message is a BadRequestError', async () => {
    await assert.rejects(run({ a: '1' }, { path: 'commit', target: 'inner', inner: 'lit' }), {
      name: 'BadRequestError',
      code: 'bad_target',
    });
  });

  it('an unknown commitment device is a NotFoundError', async () => {
    await assert.rejects(run({ a: '1' }, { path: 'commit', 'commitment-device': 'nope@1.0' }), {
      name: 'NotFoundError',
      code: 'codec_not_found',
    });
    await assert.rejects(
      run({ a: '1' }, 'commit', opts({ config: { commitment_device: 'nope@1.0' } })),
      {
        code: 'codec_not_found',
      },
    );
    const directive = opts({ directives: { commitmentDevice: 'nope@1.0' } });
    await assert.rejects(run({ a: '1' }, 'commit', directive), { code: 'codec_not_found' });
  });

  it('committed lists the keys every selected commitment covers', async () => {
    assert.deepEqual(await body(signed, { path: 'committed', committers: 'all' }), [
      'a',
      'signature',
      'signature-input',
    ]);
    assert.deepEqual(await body(signed, { path: 'committed', committers: 'addr1' }), [
      'a',
      'b',
      'signature',
      'signature-input',
    ]);
    assert.deepEqual(committedKeys(signed, { committers: 'addr2' }, createCodecRegistry()), [
      'a',
      'signature',
      'signature-input',
    ]);
  });

  it('committed and committers are empty lists without commitments', async () => {
    assert.deepEqual(await body({ a: '1' }, 'committed'), []);
    assert.deepEqual(await body({ a: '1' }, 'committers'), []);
  });

  it('committers lists the committer of each commitment (HMAC has none)', async () => {
    assert.deepEqual(await body(signed, 'committers'), ['addr1', 'addr2']);
    const hmacOnly = await body({ a: '1' }, 'commit');
    assert.deepEqual(await body(hmacOnly, 'committers'), []);
  });
});

describe('message@1.0: the device object', () => {
  it('is named message@1.0 and answers unknown keys through default', async () => {
    assert.equal(messageDevice.name, 'message@1.0');
    const dflt = messageDevice.default;
    assert.equal(typeof dflt, 'function');
    if (typeof dflt !== 'function') return;
    assert.deepEqual(await dflt('k', { k: 'v' }, {}, opts()), { status: 'ok', body: 'v' });
    assert.deepEqual(await dflt('missing', { k: 'v' }, {}, opts()), notFound);
  });
});
