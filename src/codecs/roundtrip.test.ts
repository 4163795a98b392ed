/**
 * Round-trip properties: for every codec, decode(encode(message)) is the
 * message again, and its ID does not change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { message } from '../../test/support/arbitraries.ts';
import { messageId } from '../core/ids.ts';
import { type Message, valueEquals } from '../core/message.ts';
import { codecs } from './index.ts';
import { messageToTabm, type Tabm, tabmToMessage } from './structured.ts';

function viaCodec(name: string, msg: Message): Message {
  const codec = codecs.get(name);
  let wire = codec.fromTabm(messageToTabm(msg));
  if (codec.serialize && codec.deserialize) wire = codec.deserialize(codec.serialize(wire));
  return tabmToMessage(codec.toTabm(wire) as Tabm);
}

const cases: [string, Parameters<typeof message>[0]][] = [
  ['structured@1.0', { bytes: true, newlines: true }],
  ['flat@1.0', { bytes: true }],
  ['json@1.0', { newlines: true }],
  ['httpsig@1.0', { bytes: true }],
];

describe('codec round trips', () => {
  for (const [name, options] of cases) {
    it(`${name}: decode(encode(m)) = m, with the same ID`, () => {
      fc.assert(
        fc.property(message(options), (msg) => {
          const back = viaCodec(name, msg);
          assert.ok(valueEquals(back, msg), `${JSON.stringify(back)} != ${JSON.stringify(msg)}`);
          assert.equal(messageId(back), messageId(msg));
        }),
        { numRuns: 150 },
      );
    });
  }
});
