import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atom, type Message } from '../core/message.ts';
import { withLegacyView } from './legacy-view.ts';

const rawOf = (results: Message) =>
  JSON.parse(String((withLegacyView(results).json as Message).body));

describe('withLegacyView', () => {
  it('gives hyper-aos results the legacy form aoconnect reads', () => {
    const raw = rawOf({
      output: { data: '2', prompt: 'aos> ' },
      outbox: [
        { target: 'P', data: 'pong', reference: '1', 'x-origin': new TextEncoder().encode('o') },
      ],
    });
    assert.deepEqual(raw, {
      Output: { data: '2', prompt: 'aos> ' },
      Messages: [
        {
          Target: 'P',
          Data: 'pong',
          Tags: [
            { name: 'Reference', value: '1' },
            { name: 'X-Origin', value: 'o' },
          ],
        },
      ],
      Spawns: [],
      Assignments: [],
      GasUsed: 0,
    });
  });

  it('reads an outbox numbered as a map in its numeric order; values as text', () => {
    const outbox: Message = {};
    for (const n of [10, 2, 1])
      outbox[String(n)] = { data: `m${n}`, n, nested: { a: Atom.of('null') } };
    const raw = rawOf({ outbox });
    assert.deepEqual(
      raw.Messages.map((m: { Data: string }) => m.Data),
      ['m1', 'm2', 'm10'],
    );
    assert.deepEqual(raw.Messages[0].Tags, [
      { name: 'N', value: '1' },
      { name: 'Nested', value: '{"a":null}' },
    ]);
    assert.deepEqual(raw.Output, {});
  });

  it('leaves results alone that have their own legacy form, or are not AOS-shaped', () => {
    const wasm: Message = { json: { body: '{}' }, raw: {}, outbox: {} };
    assert.equal(withLegacyView(wasm), wasm);
    const other: Message = { body: '42' };
    assert.equal(withLegacyView(other), other);
  });
});
