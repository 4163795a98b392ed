/**
 * Unsigned IDs of signed httpsig messages with nested content, read back
 * from the wire.
 *
 * HyperBEAM's rules (dev_codec_httpsig, hb_message:id in the May 2025
 * snapshot): `id(Msg, none)` selects no commitment, so it is the HMAC
 * (key "ao", alg hmac-sha256) over the signature base of the message's own
 * httpsig encoding with every key, commitments removed (§3.3, §3.6 of
 * codecs.md). The encoding is a function of the message, not of how it
 * travelled: the multipart layout, `body-keys`, an `inline-body-key` the
 * encoder infers, the multipart `content-type` and the nesting of parts are
 * regenerated, never read back. So for a message M signed by one or two
 * keys and sent in any layout, `id(decode(wire), none) = id(M, none)`; and
 * because the signers cover every key, that is also the HMAC commitment
 * stored with the signed message.
 *
 * Expected values come from two independent sources: hbsig's `hmacid`
 * (a separate implementation of the HMAC rule, over the headers hbsig sent)
 * and the unsigned ID of the original message before signing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createSigner, hmacid } from 'hbsig';
import { commitmentsOf, verifyMessage } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { HMAC_ALG } from '../../src/codecs/httpsig/hmac.ts';
import { httpToTabm, tabmToHttp } from '../../src/codecs/httpsig/index.ts';
import { deserializeHttp, serializeHttp } from '../../src/codecs/httpsig/message-http.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { messageToTabm, tabmToMessage } from '../../src/codecs/structured.ts';
import { isMessage, type Message } from '../../src/core/message.ts';
import { loadWallet } from '../../src/crypto/wallet.ts';
import { messageId } from '../../src/engine/ids.ts';
import { sharedPath } from '../support/shared.ts';

const codecs = createCodecRegistry();

const key1 = loadWallet(sharedPath('fixtures', 'key-1.json'));
const key2 = loadWallet(sharedPath('fixtures', 'key-2.json'));
const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));
const big = 'v'.repeat(4097);

/** The shapes where transport details could leak into an ID. */
const SHAPES: Record<string, Message> = {
  'nested maps, three levels': { a: '1', n: { b: { c: { d: 'deep', e: 5 } } } },
  'list of maps': { items: [{ n: 1 }, { n: 2, m: { z: 'q' } }] },
  'list of lists': {
    ll: [
      [1, 2],
      ['a', [3, 'b']],
    ],
  },
  'body holding a map': { body: { x: '1', y: { z: 2 } }, k: 'v' },
  'body holding a binary': { body: new Uint8Array([0, 1, 2, 255, 10, 13]), k: 'v' },
  'data holding a map': { data: { x: '1', deeper: { y: 'z' } }, k: 'v' },
  'data holding a binary': { data: 'hello\nworld', k: 'v' },
  'body and data': { body: 'the body', data: 'the data' },
  'values over 4 KiB': { big, n: { big, small: 's' }, list: [big, 'x'] },
  'empty and mixed values': { e1: '', e2: [], e3: {}, mixed: [1, 'a', { m: 1 }, [], ''], f: 2.5 },
  'a nested signed message': { k: 'v', inner: signHttpsig({ x: '1', deep: { y: 2 } }, key2) },
};

function roundTrip(signed: Message, transport: boolean): Message {
  const wire = serializeHttp(tabmToHttp(messageToTabm(signed), { transport }));
  return tabmToMessage(httpToTabm(deserializeHttp(wire)));
}

function hmacCommitmentId(msg: Message): string | undefined {
  return Object.entries(commitmentsOf(msg)).find(
    ([, c]) => isMessage(c) && c.alg === HMAC_ALG,
  )?.[0];
}

describe('nested shapes: the unsigned ID survives signing and the wire', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    const expected = messageId(shape, { commitments: 'none' });
    for (const signers of [[key1], [key1, key2]]) {
      for (const transport of [false, true]) {
        const label = `${name}, ${signers.length} signer(s), ${transport ? 'transport' : 'canonical'} layout`;
        it(label, async () => {
          const signed = signers.reduce<Message>((m, w) => signHttpsig(m, w), shape);
          const back = roundTrip(signed, transport);
          assert.equal(messageId(back, { commitments: 'none' }), expected);
          assert.equal(hmacCommitmentId(back), expected);
          assert.equal(
            messageId(back, { committers: 'all' }),
            messageId(signed, { committers: 'all' }),
          );
          assert.equal(await verifyMessage(back, {}, codecs), true);
        });
      }
    }
  }
});

describe("nested shapes signed by hbsig: our unsigned ID is hbsig's hmacid", () => {
  const sign = createSigner(jwk, 'http://localhost:1');
  // hbsig differs from HyperBEAM for floats, values over 4 KiB and a lone binary body
  // (codecs.md §8.2): those shapes are left out here.
  const portable = [
    'nested maps, three levels',
    'list of maps',
    'list of lists',
    'body holding a map',
    'data holding a map',
  ];
  for (const name of portable) {
    it(name, async () => {
      const shape = { ...(SHAPES[name] as Message), path: '/~message@1.0/k' };
      const signed = await sign(shape);
      const fields: Record<string, string | Uint8Array> = {};
      for (const [k, v] of Object.entries(signed.headers as Record<string, string>)) {
        fields[k.toLowerCase()] = v;
      }
      if (signed.body) fields.body = new Uint8Array(await new Response(signed.body).arrayBuffer());
      const back = tabmToMessage(httpToTabm(fields));
      const expected = hmacid(signed.headers);
      assert.equal(messageId(back, { commitments: 'none' }), expected);
      assert.equal(messageId(shape, { commitments: 'none' }), expected);
      assert.equal(await verifyMessage(back, {}, codecs), true);
    });
  }
});
