/**
 * Round-trip properties: for every codec, and every pair of codecs,
 * decode(encode(message)) is the message again, its ID does not change, and
 * its commitments survive and still verify.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type MessageOptions, message } from '../../test/support/arbitraries.ts';
import { sharedPath } from '../../test/support/shared.ts';
import { type Message, valueEquals } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { messageId } from '../engine/ids.ts';
import { signAns104 } from './ans104/index.ts';
import { verifyMessage } from './commitments.ts';
import { signHttpsig } from './httpsig/commit.ts';
import { httpToTabm, tabmToHttp } from './httpsig/index.ts';
import { createCodecRegistry } from './index.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

const codecs = createCodecRegistry();

/** Through a codec's wire form (and its bytes, when it has a serialisation) and back. */
function via(name: string, msg: Message): Message {
  if (name === 'httpsig@1.0 (transport)') {
    return tabmToMessage(httpToTabm(tabmToHttp(messageToTabm(msg), { transport: true })));
  }
  const codec = codecs.get(name);
  let wire = codec.fromTabm(messageToTabm(msg));
  if (codec.serialize && codec.deserialize) wire = codec.deserialize(codec.serialize(wire));
  return tabmToMessage(codec.toTabm(wire) as Tabm);
}

/** What values each codec can carry losslessly. */
const CODECS: Record<string, MessageOptions> = {
  'structured@1.0': { bytes: true, newlines: true },
  'flat@1.0': { bytes: true },
  'json@1.0': { newlines: true },
  'httpsig@1.0': { bytes: true },
  'httpsig@1.0 (transport)': { bytes: true, newlines: true },
  'ans104@1.0': { bytes: true, newlines: true },
};

const both = (a: MessageOptions, b: MessageOptions): MessageOptions => ({
  bytes: Boolean(a.bytes && b.bytes),
  newlines: Boolean(a.newlines && b.newlines),
});

function assertSame(back: Message, msg: Message) {
  assert.ok(valueEquals(back, msg), `${JSON.stringify(back)} != ${JSON.stringify(msg)}`);
  assert.equal(messageId(back), messageId(msg));
}

describe('codec round trips', () => {
  const names = Object.keys(CODECS);
  for (const a of names) {
    for (const b of names) {
      if (a > b) continue;
      it(`${a} -> ${b}: the message and its ID survive`, () => {
        fc.assert(
          fc.property(
            message(both(CODECS[a] as MessageOptions, CODECS[b] as MessageOptions)),
            (msg) => {
              assertSame(via(b, via(a, msg)), msg);
            },
          ),
          { numRuns: a === b ? 100 : 40, seed: 4242 },
        );
      });
    }
  }
});

describe('signed round trips', () => {
  const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
  const signers = {
    httpsig: (m: Message) => signHttpsig(m, wallet),
    ans104: (m: Message) => signAns104(m, wallet),
  };
  for (const [scheme, sign] of Object.entries(signers)) {
    for (const name of Object.keys(CODECS)) {
      // ANS-104 commitments hold raw signature bytes, which JSON (text only, as in
      // HyperBEAM) and flat's line format (no newlines) cannot carry.
      if (scheme === 'ans104' && (name === 'json@1.0' || name === 'flat@1.0')) continue;
      it(`${scheme}-signed messages through ${name} keep verifying commitments and IDs`, async () => {
        await fc.assert(
          fc.asyncProperty(
            message({ ...both(CODECS[name] as MessageOptions, { bytes: true }), depth: 1 }),
            async (raw) => {
              const signed = sign(raw);
              assert.equal(await verifyMessage(signed, {}, codecs), true);
              const back = via(name, signed);
              assert.equal(await verifyMessage(back, {}, codecs), true, 'still verifies');
              assert.equal(
                messageId(back, { committers: 'all' }),
                messageId(signed, { committers: 'all' }),
              );
              assert.equal(
                messageId(back, { committers: [] }),
                messageId(signed, { committers: [] }),
              );
            },
          ),
          { numRuns: 8, seed: 7 },
        );
      });
    }
  }
});
