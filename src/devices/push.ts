/**
 * `push@1.0`: deliver what a process sends (HyperBEAM's dev_push).
 * `POST /<pid>/push` with a signed message schedules it, computes its slot and
 * delivers each message of the result's outbox (`results/outbox`) to its
 * `target` process on this node: the node signs it (with `from-process`),
 * schedules it there, and pushes that slot in turn, so a conversation between
 * processes runs to its end. The answer is the message's `results` with its
 * `id`, `slot` and `process`, plus an entry per delivered message (by outbox
 * key). With `slot` it pushes an already scheduled slot.
 * `POST /push` with a `type: Process` message spawns it (the answer's
 * `process` is the new process ID). `push-mode: async` answers once the
 * message is scheduled and delivers in the background. Chains deeper than
 * `push_max_depth` (100) stop with an error entry rather than run forever.
 */
import { signHttpsigAsync } from '../codecs/httpsig/commit.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { defineDevice, error, ok, type Result } from '../engine/device.ts';
import { messageId } from '../engine/ids.ts';
import {
  loadProcess,
  processIdOf,
  processOf,
  schedulerOf,
  splitHint,
} from '../processes/process-message.ts';
import { runAs, runtimeOf } from '../processes/runtime.ts';
import { schedulesOf } from '../processes/schedule.ts';

function slotOf(value: Value | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Deliver one outbox message; the entry the push reply reports for it. */
async function deliver(
  from: string,
  index: string,
  msg: Message,
  depth: number,
  opts: Opts,
): Promise<Message> {
  if (typeof msg.target !== 'string' || msg.target === '') {
    return {
      response: 'error',
      status: 422,
      'outbox-index': index,
      reason: 'No target process found.',
    };
  }
  const [target] = splitHint(msg.target);
  const process = await loadProcess(target, opts);
  if (!process) {
    return { response: 'error', status: 404, target, reason: 'Could not access target process!' };
  }
  if (schedulerOf(process)?.[0] !== opts.priv_wallet?.address) {
    return {
      response: 'error',
      status: 421,
      target,
      reason: 'The target process is scheduled elsewhere.',
    };
  }
  const wallet = opts.priv_wallet;
  if (!wallet) return { response: 'error', status: 500, target, reason: 'The node has no wallet.' };
  const signed = await signHttpsigAsync(
    {
      ...omit(msg, ['commitments', 'priv']),
      target,
      'data-protocol': 'ao',
      variant: 'ao.N.1',
      type: 'Message',
      'from-process': from,
    },
    wallet,
  );
  const assignment = await schedulesOf(opts).assign(target, signed, opts);
  const slot = assignment.slot as number;
  const downstream = await pushSlot(process, slot, depth + 1, opts);
  return {
    id: processIdOf(signed),
    target,
    slot,
    'resulted-in': isMessage(downstream.body)
      ? downstream.body
      : { body: downstream.body as Value },
  };
}

/** Compute a slot and deliver its outbox. */
async function pushSlot(
  process: Message,
  slot: number,
  depth: number,
  opts: Opts,
): Promise<Result> {
  const pid = processIdOf(process);
  const maxDepth = typeof opts.push_max_depth === 'number' ? opts.push_max_depth : 100;
  if (depth > maxDepth) {
    return error({
      status: 508,
      body: `Push chain deeper than ${maxDepth} messages stopped.`,
      process,
      slot,
    });
  }
  const computed = await runtimeOf(opts).compute(process, slot, opts);
  if (computed.status !== 'ok' || !isMessage(computed.body)) return computed;
  const results = isMessage(computed.body.results) ? computed.body.results : {};
  const outbox = isMessage(results.outbox) ? results.outbox : {};
  // The first message's results are part of the answer (HyperBEAM's result-depth 1).
  const reply: Message = depth === 0 ? { ...results, slot, process: pid } : { slot, process: pid };
  const keys = Object.keys(outbox).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const key of keys) {
    const msg = outbox[key];
    if (isMessage(msg)) reply[key] = await deliver(pid, key, msg, depth, opts);
  }
  return ok(reply);
}

export const pushDevice = defineDevice({
  name: 'push@1.0',
  exports: ['push'],
  volatile: ['push'],
  keys: {
    async push(base, req, opts) {
      const process = processOf(base);
      if (!process) return error({ status: 400, body: 'push needs a process.' });
      let slot = slotOf(req.slot);
      // The pushed message's ID, which clients read back (aoconnect's `returnMessageId`).
      const pushed: Message = {};
      if (slot === undefined) {
        const scheduled = await runAs(
          'scheduler',
          { ...base, process },
          { ...req, path: 'schedule', method: 'POST' },
          opts,
        );
        if (scheduled.status !== 'ok' || !isMessage(scheduled.body)) return scheduled;
        const assignment = scheduled.body;
        const body = assignment.body;
        // A spawn: the answer is the assignment, which names the new process.
        if (
          isMessage(body) &&
          typeof body.type === 'string' &&
          body.type.toLowerCase() === 'process'
        ) {
          return ok(assignment);
        }
        slot = assignment.slot as number;
        if (isMessage(body)) pushed.id = messageId(body, { committers: 'all' });
      }
      const mode = req['push-mode'] ?? process['push-mode'];
      if (mode === 'async') {
        void pushSlot(process, slot, 0, opts).catch(() => undefined);
        return ok({ ...pushed, slot, process: processIdOf(process) });
      }
      const result = await pushSlot(process, slot, 0, opts);
      return result.status === 'ok' && isMessage(result.body)
        ? ok({ ...pushed, ...result.body })
        : result;
    },
  },
});
