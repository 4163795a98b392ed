/**
 * `process@1.0`: an AO process (HyperBEAM's dev_process). The process message
 * (signed, `type: Process`) names the devices that do the work:
 *   `scheduler-device` (scheduler@1.0)  schedule, slot
 *   `execution-device` (genesis-wasm@1.0)  init, compute, snapshot, normalize
 *   `push-device` (push@1.0)  push
 * Keys, on `/<process-id>/...`:
 *   compute&slot=N   the state after slot N (computed once, then kept)
 *   now              the state after the last scheduled slot
 *   results=N        the results of slot N, or of the message with ID N
 *   as=execution     the process seen as its execution device: `compute`
 *                    without a slot then runs the request as a dryrun, on a
 *                    copy of the latest state, and answers its results
 *   schedule, slot   the scheduler's, for this process
 *   push             schedule a message and deliver what it sends
 *   snapshot         the execution device's snapshot of a computed state
 */

import { commitmentsOf, committersOf } from '../codecs/commitments.ts';
import {
  isId,
  isMessage,
  type Message,
  omit,
  privateOf,
  type Value,
  withPrivate,
} from '../core/message.ts';
import { TRANSPORT_KEYS } from '../core/transport.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { withLegacyView } from '../processes/legacy-view.ts';
import { slotOf } from '../processes/numbers.ts';
import { processIdOf, processOf } from '../processes/process-message.ts';
import { runAs } from '../processes/runtime.ts';

const noProcess = (): Result =>
  fail(400, 'This is not a process: its message has no `type: Process`.');

async function now(base: Message, ctx: Context): Promise<Result> {
  const process = processOf(base);
  if (!process) return noProcess();
  const pid = processIdOf(process);
  const schedule = await ctx.services.remoteSchedules.readerFor(process, pid, ctx);
  const current = await schedule.current();
  if (current < 0) return fail(404, 'Nothing has been scheduled for this process.');
  return ctx.services.processes.compute(process, current, ctx);
}

/**
 * The message a dryrun request runs: its own keys (the path's inline keys
 * included), owned by whoever signed the request. It is not the signed
 * request, so of its commitments it keeps only who signed and how (what
 * hyper-aos reads to trust a message; none if unsigned), not what they signed.
 */
function dryrunMessage(req: Message): Message {
  const signers: Message = {};
  for (const [id, c] of Object.entries(commitmentsOf(req))) {
    if (!isMessage(c) || c.committer === undefined) continue;
    signers[id] = {
      alg: c.alg,
      'commitment-device': c['commitment-device'],
      committer: c.committer,
    } as Message;
  }
  const msg: Message = { ...omit(req, [...TRANSPORT_KEYS, 'slot']), commitments: signers };
  const signer = committersOf(req)[0];
  return signer === undefined ? msg : { ...msg, owner: signer };
}

async function results(base: Message, req: Message, ctx: Context): Promise<Result> {
  const which = req.results;
  const process = processOf(base);
  if (which === undefined || !process) return served(base.results, 'This state has no results.');
  const pid = processIdOf(process);
  let slot = slotOf(which);
  if (slot === undefined && typeof which === 'string' && isId(which)) {
    slot = await ctx.services.schedules.slotOfMessage(pid, which);
  }
  if (slot === undefined) return fail(404, `${String(which)} is not a slot or message of ${pid}.`);
  const state = await ctx.services.processes.compute(process, slot, ctx);
  if (state.status !== 'ok' || !isMessage(state.body)) return state;
  return served(state.body.results, `Slot ${slot} of ${pid} has no results.`);
}

/** Results as clients read them (with the legacy form), or a 404 saying what has none. */
function served(results: Value | undefined, missing: string): Result {
  if (results === undefined) return fail(404, missing);
  return ok(isMessage(results) ? withLegacyView(results) : results);
}

/**
 * The scheduler's keys, for this process; `/~process@1.0/schedule` with no
 * process yet hands the request to the scheduler as it is (a spawn).
 */
const viaScheduler = (base: Message, req: Message, ctx: Context) => {
  const process = processOf(base);
  return runAs('scheduler', process ? { ...base, process } : base, req, ctx);
};

export const processDevice = defineDevice({
  name: 'process@1.0',
  exports: ['compute', 'now', 'results', 'as', 'schedule', 'slot', 'push', 'snapshot'],
  // A process's answers change as its schedule grows.
  volatile: true,
  keys: {
    async compute(base, req, ctx) {
      const process = processOf(base);
      if (!process) return noProcess();
      if (req.slot === undefined && privateOf(base).as === 'execution') {
        return ctx.services.processes.dryrun(process, dryrunMessage(req), ctx);
      }
      if (req.slot === undefined) return now(base, ctx);
      const slot = slotOf(req.slot);
      if (slot === undefined) return fail(400, `Not a slot: ${String(req.slot)}.`);
      return ctx.services.processes.compute(process, slot, ctx);
    },
    now: (base, _req, ctx) => now(base, ctx),
    results,
    as(base, req) {
      if (typeof req.as !== 'string') return fail(400, 'as needs a role.');
      return ok(withPrivate(base, { ...privateOf(base), as: req.as }));
    },
    schedule: viaScheduler,
    slot: viaScheduler,
    push(base, req, ctx) {
      const process = processOf(base);
      return process ? runAs('push', { ...base, process }, req, ctx) : noProcess();
    },
    async snapshot(base, _req, ctx) {
      const process = processOf(base);
      if (!process) return noProcess();
      const taken = await runAs(
        'execution',
        { ...base, process },
        { path: 'snapshot', mode: 'Map' },
        ctx,
      );
      return taken.status === 'ok' ? ok(taken.body) : taken;
    },
  },
});
