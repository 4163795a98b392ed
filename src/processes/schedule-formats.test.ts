/**
 * Unit tests for the schedule formats: the default bundle (assignments by
 * slot) and the legacy application/aos-2 JSON page ({page_info, edges}).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { type Message, omit } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import type { Block } from './block.ts';
import { messageToJsonStruct } from './json-struct.ts';
import { Schedules } from './schedule.ts';
import { scheduleAos2, scheduleBundle } from './schedule-formats.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
const PID = 'P'.repeat(43);
const BLOCK: Block = { height: 1500000, hash: 'B'.repeat(43), timestamp: 1700000000 };

interface JsonTag {
  name: string;
  value: string;
}
interface Aos2Page {
  page_info: Record<string, unknown>;
  edges: {
    cursor: number;
    node: { message: Record<string, unknown>; assignment: Record<string, unknown> };
  }[];
}

let assignments: Message[];
let messages: Message[];

before(async () => {
  const ctx = createContext({ wallet });
  const schedules = new Schedules(ctx.services.messages);
  messages = [
    signHttpsig({ type: 'Message', action: 'Eval', data: 'return 1' }, wallet),
    { type: 'Message', action: 'Ping', target: 'T'.repeat(43) },
  ];
  for (const m of messages) await schedules.assign(PID, m, ctx);
  assignments = await schedules.range(PID, 0, 1);
});

describe('scheduleBundle', () => {
  it('keys assignments by slot, with the process, continues and block', () => {
    const bundle = scheduleBundle(PID, assignments, true, BLOCK);
    assert.equal(bundle.type, 'schedule');
    assert.equal(bundle.process, PID);
    assert.equal(bundle.continues, true);
    assert.equal(bundle['block-height'], 1500000);
    assert.equal(bundle['block-hash'], 'B'.repeat(43));
    assert.equal(typeof bundle.timestamp, 'number');
    assert.deepEqual(bundle.assignments, { '0': assignments[0], '1': assignments[1] });
  });

  it('is an empty page without assignments', () => {
    const bundle = scheduleBundle(PID, [], false, BLOCK);
    assert.equal(bundle.continues, false);
    assert.deepEqual(bundle.assignments, {});
  });
});

describe('scheduleAos2', () => {
  const page = (continues = false): Aos2Page => {
    const reply = scheduleAos2(PID, assignments, continues, BLOCK);
    assert.equal(reply['content-type'], 'application/json');
    return JSON.parse(String(reply.body)) as Aos2Page;
  };

  it('has page_info with every value but has_next_page as text', () => {
    const info = page(true).page_info;
    assert.deepEqual(Object.keys(info).sort(), [
      'block-hash',
      'block-height',
      'has_next_page',
      'process',
      'timestamp',
    ]);
    assert.equal(info.process, PID);
    assert.equal(info.has_next_page, true);
    assert.equal(info['block-height'], '1500000');
    assert.equal(info['block-hash'], 'B'.repeat(43));
    assert.match(String(info.timestamp), /^\d+$/);
    assert.equal(page(false).page_info.has_next_page, false);
  });

  it('has an edge per assignment: cursor = slot, message and assignment as JSON structs', () => {
    const { edges } = page();
    assert.deepEqual(
      edges.map((e) => e.cursor),
      [0, 1],
    );
    edges.forEach((edge, i) => {
      const assignment = assignments[i] as Message;
      assert.deepEqual(edge.node.message, messageToJsonStruct(messages[i] as Message));
      assert.deepEqual(edge.node.assignment, messageToJsonStruct(omit(assignment, ['body'])));
    });
  });

  it('shows the assignment signed by the scheduler, its keys as tags and no body', () => {
    const [edge] = page().edges;
    const assignment = edge?.node.assignment ?? {};
    assert.equal(assignment.Owner, wallet.address);
    assert.equal(assignment.From, wallet.address);
    const tags = Object.fromEntries((assignment.Tags as JsonTag[]).map((t) => [t.name, t.value]));
    assert.equal(tags.Slot, '0');
    assert.equal(tags.Process, PID);
    assert.equal(tags.Epoch, '0');
    assert.equal(tags['Hash-Chain'], assignments[0]?.['hash-chain']);
    assert.equal(tags.Body, undefined);
    assert.match(tags['Ao-Types'] ?? '', /slot="integer"/);
  });

  it('shows the message by its signer, data and target', () => {
    const [signed, plain] = page().edges.map((e) => e.node.message);
    assert.equal(signed?.Owner, wallet.address);
    assert.equal(signed?.Data, 'return 1');
    assert.equal(plain?.Owner, '');
    assert.equal(plain?.Target, 'T'.repeat(43));
  });
});
