/**
 * Schedules as clients read them (HyperBEAM's dev_scheduler_formats):
 *   the default bundle   {type: schedule, process, continues, block fields,
 *                         assignments: {<slot>: <assignment>}}
 *   application/aos-2    the legacy JSON page ({page_info, edges}) that legacy
 *                        compute units read
 */
import { type Message, omit } from '../core/message.ts';
import type { Block } from './block.ts';
import { messageToJsonStruct } from './json-struct.ts';

export function scheduleBundle(
  pid: string,
  assignments: Message[],
  continues: boolean,
  block: Block,
): Message {
  const bySlot: Message = {};
  for (const assignment of assignments) bySlot[String(assignment.slot)] = assignment;
  return {
    type: 'schedule',
    process: pid,
    continues,
    timestamp: Date.now(),
    'block-height': block.height,
    'block-hash': block.hash,
    assignments: bySlot,
  };
}

export function scheduleAos2(
  pid: string,
  assignments: Message[],
  continues: boolean,
  block: Block,
): Message {
  const page = {
    page_info: {
      process: pid,
      has_next_page: continues,
      timestamp: String(Date.now()),
      'block-height': String(block.height),
      'block-hash': block.hash,
    },
    edges: assignments.map((assignment) => ({
      cursor: Number(assignment.slot),
      node: {
        message: messageToJsonStruct(assignment.body as Message),
        assignment: messageToJsonStruct(omit(assignment, ['body'])),
      },
    })),
  };
  return { 'content-type': 'application/json', body: JSON.stringify(page) };
}
