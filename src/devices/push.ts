/**
 * `push@1.0`: deliver what a process sends (HyperBEAM's dev_push).
 * `POST /<pid>/push` with a signed message schedules it, computes its slot and
 * delivers each message of the result's outbox (`results/outbox`) to its
 * `target` process: the node signs it (with `from-process`), schedules it
 * (here, or on the node that schedules the target), and pushes that slot in
 * turn, computing it here, so a conversation between processes runs to its
 * end. The answer is the message's `results` with its
 * `id`, `slot` and `process`, plus an entry per delivered message (by outbox
 * key). With `slot` it pushes an already scheduled slot.
 * `POST /push` with a `type: Process` message spawns it (the answer's
 * `process` is the new process ID). `push-mode: async` answers once the
 * message is scheduled and delivers in the background. Chains deeper than
 * `push_max_depth` (100) stop with an error entry rather than run forever.
 */
import { committersOf } from '../codecs/commitments.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { messageId } from '../engine/ids.ts';
import { withLegacyView } from '../processes/legacy-view.ts';
import { slotOf } from '../processes/numbers.ts';
import { loadProcess, processIdOf, processOf, splitHint } from '../processes/process-message.ts';
import { runAs } from '../processes/runtime.ts';
import { isAssignment } from '../processes/schedule.ts';

/**
 * Schedule a message on its target process, wherever that is scheduled: here,
 * or on another node through the scheduler (which proxies to it); a 307 (the
 * node does not follow redirects) is followed here, to the URL it names.
 */
async function scheduleOn(process: Message, msg: Message, ctx: Context): Promise<Result> {
  const req = { path: 'schedule', method: 'POST', body: msg };
  const scheduled = await runAs('scheduler', { process }, req, ctx);
  const moved = isMessage(scheduled.body) ? scheduled.body : {};
  if (moved.status !== 307 || typeof moved.location !== 'string') return scheduled;
  const res = await ctx.services.remoteSchedules.postSchedule(moved.location, msg, ctx);
  if (res.status !== 200 || !committersOf(res.message).includes(String(moved.scheduler))) {
    return fail(502, `The scheduler at ${moved.location} did not schedule the message.`);
  }
  return ok(res.message);
}

/** Deliver one outbox message; the entry the push reply reports for it. */
async function deliver(
  from: string,
  index: string,
  msg: Message,
  depth: number,
  ctx: Context,
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
  const process = await loadProcess(target, ctx);
  if (!process) {
    return { response: 'error', status: 404, target, reason: 'Could not access target process!' };
  }
  const signed = await ctx.services.codecs.committer('httpsig@1.0').commit(
    {
      ...omit(msg, ['commitments', 'priv']),
      target,
      'data-protocol': 'ao',
      variant: 'ao.N.1',
      type: 'Message',
      'from-process': from,
    },
    {},
    { wallet: ctx.services.wallet },
  );
  const scheduled = await scheduleOn(process, signed, ctx);
  if (scheduled.status !== 'ok' || !isAssignment(scheduled.body)) {
    const body = isMessage(scheduled.body) ? scheduled.body : {};
    return {
      response: 'error',
      status: typeof body.status === 'number' ? body.status : 502,
      target,
      reason: String(body.body ?? 'The target process could not be scheduled.'),
    };
  }
  const assignment = scheduled.body;
  const slot = assignment.slot as number;
  const downstream = await pushSlot(process, slot, depth + 1, ctx);
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
  ctx: Context,
): Promise<Result> {
  const pid = processIdOf(process);
  const maxDepth = ctx.config.push_max_depth;
  if (depth > maxDepth) {
    return fail(508, `Push chain deeper than ${maxDepth} messages stopped.`, { process, slot });
  }
  const computed = await ctx.services.processes.compute(process, slot, ctx);
  if (computed.status !== 'ok' || !isMessage(computed.body)) return computed;
  const results = isMessage(computed.body.results) ? computed.body.results : {};
  const outbox = isMessage(results.outbox) ? results.outbox : {};
  // The first message's results are part of the answer (HyperBEAM's result-depth 1).
  const reply: Message =
    depth === 0 ? { ...withLegacyView(results), slot, process: pid } : { slot, process: pid };
  const keys = Object.keys(outbox).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const key of keys) {
    const msg = outbox[key];
    if (isMessage(msg)) reply[key] = await deliver(pid, key, msg, depth, ctx);
  }
  return ok(reply);
}

export const pushDevice = defineDevice({
  name: 'push@1.0',
  exports: ['push'],
  volatile: true,
  keys: {
    async push(base, req, ctx) {
      const process = processOf(base);
      if (!process) return fail(400, 'push needs a process.');
      let slot = slotOf(req.slot);
      // The pushed message's ID, which clients read back (aoconnect's `returnMessageId`).
      const pushed: Message = {};
      if (slot === undefined) {
        const scheduled = await runAs(
          'scheduler',
          { ...base, process },
          { ...req, path: 'schedule', method: 'POST' },
          ctx,
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
        void pushSlot(process, slot, 0, ctx).catch(() => undefined);
        return ok({ ...pushed, slot, process: processIdOf(process) });
      }
      const result = await pushSlot(process, slot, 0, ctx);
      return result.status === 'ok' && isMessage(result.body)
        ? ok({ ...pushed, ...result.body })
        : result;
    },
  },
});
