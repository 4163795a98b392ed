/**
 * AOS responses as `results` (aos.ts): the outbox keeps the values the module
 * returned as HyperBEAM's json-iface decodes them (a table is a message, an
 * array a list, null the atom), so a PATCH message can carry a table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atom, type Message } from '../core/message.ts';
import { aosResults } from './aos.ts';

const PID = 'p'.repeat(43);
const process: Message = { type: 'Process', image: 'i'.repeat(43) };
const commitments = {
  [PID]: { 'commitment-device': 'httpsig@1.0', committer: 'c'.repeat(43), signature: 'x' },
};

describe('aosResults', () => {
  it('numbers the outbox and marks where each message came from', () => {
    const results = aosResults(
      {
        Output: { data: '2' },
        Messages: [
          {
            Target: 't'.repeat(43),
            Data: 'hi',
            Anchor: '1',
            Tags: [{ name: 'Action', value: 'A' }],
          },
        ],
      },
      { ...process, commitments },
    );
    assert.equal(results.data, '2');
    assert.deepEqual(results.patches, []);
    const outbox = results.outbox as Message;
    assert.deepEqual(Object.keys(outbox), ['1']);
    const sent = outbox['1'] as Message;
    assert.equal(sent.target, 't'.repeat(43));
    assert.equal(sent.data, 'hi');
    assert.equal(sent.action, 'A');
    assert.equal(sent.anchor, undefined);
    assert.equal(sent['from-image'], process.image);
    assert.equal(typeof sent['from-process'], 'string');
  });

  it('keeps tag values as the module returned them', () => {
    const results = aosResults(
      {
        Output: { data: '' },
        Messages: [
          {
            Tags: [
              { name: 'method', value: 'PATCH' },
              { name: 'cache', value: { greeting: 'hello', list: [1, 'a'] } },
              { name: 'Count', value: 3 },
              { name: 'Ratio', value: 0.5 },
              { name: 'Flag', value: true },
              { name: 'Nothing', value: null },
              { name: 'Big', value: 1234567890123456 },
            ],
          },
        ],
        patches: [{ Tags: [{ name: 'state', value: { n: 1 } }] }],
      },
      process,
    );
    const sent = (results.outbox as Message)['1'] as Message;
    assert.equal(sent.method, 'PATCH');
    assert.deepEqual(sent.cache, { greeting: 'hello', list: [1, 'a'] });
    assert.equal(sent.count, 3);
    assert.equal(sent.ratio, 0.5);
    assert.equal(sent.flag, true);
    assert.equal(sent.nothing, Atom.of('null'));
    // Beyond what a message can carry as an integer: kept as its text.
    assert.equal(sent.big, '1234567890123456');
    assert.deepEqual(results.patches, [{ state: { n: 1 } }]);
  });

  it('answers an Error as the data, with no outbox', () => {
    const results = aosResults({ Error: 'boom', Messages: [{ Data: 'x' }] }, process);
    assert.equal(results.data, 'boom');
    assert.deepEqual(results.outbox, {});
  });
});
