/**
 * `dedup@1.0`: skips a request the state has seen (HyperBEAM's dev_dedup).
 * On the first pass, a request whose ID (all commitments) is in the state's
 * `dedup` list ends the stack's pass (`skip`); otherwise it is added.
 * It only acts in a stack (a message with a `device-stack`): elsewhere its
 * keys are message@1.0's, so an unknown key is a 404, not the state.
 */

import { omit } from '../core/message.ts';
import { defineDevice, type Handler, ok, withStatus } from '../engine/device.ts';
import { messageId } from '../engine/ids.ts';
import { stackedOnly } from './stack.ts';

const handler: Handler = (_key, base, req) => {
  if (base.pass !== undefined && Number(base.pass) !== 1) return ok(base);
  const id = messageId(omit(req, ['path', 'method']), { committers: 'all' });
  const seen = Array.isArray(base.dedup) ? base.dedup : [];
  if (seen.includes(id)) return withStatus('skip', base);
  return ok({ ...base, dedup: [id, ...seen] });
};

export const dedupDevice = defineDevice({
  name: 'dedup@1.0',
  excludes: ['keys', 'set'],
  handler,
  info: stackedOnly(handler),
});
