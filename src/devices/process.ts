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

import {
  isId,
  isMessage,
  type Message,
  omit,
  privateOf,
  type Value,
  withPrivate,
} from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { defineDevice, error, ok, type Result } from '../engine/device.ts';
import { committersOf } from '../engine/ids.ts';
import { processIdOf, processOf } from '../processes/process-message.ts';
import { hasRuntime, runAs, runtimeOf } from '../processes/runtime.ts';
import { schedulesOf } from '../processes/schedule.ts';

const noProcess = (): Result =>
  error({ status: 400, body: 'This is not a process: its message has no `type: Process`.' });

function slotOf(value: Value | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

async function now(base: Message, opts: Opts): Promise<Result> {
  const process = processOf(base);
  if (!process) return noProcess();
  const current = await schedulesOf(opts).current(processIdOf(process));
  if (current < 0)
    return error({ status: 404, body: 'Nothing has been scheduled for this process.' });
  return runtimeOf(opts).compute(process, current, opts);
}

/** What a request carries for the HTTP exchange rather than for the process. */
const TRANSPORT_KEYS = [
  'path',
  'method',
  'slot',
  'require-codec',
  'accept-codec',
  'accept-bundle',
  'signing-format',
  'codec-device',
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'connection',
  'content-length',
  'host',
  'origin',
  'referer',
  'user-agent',
];

/**
 * The message a dryrun request runs: its own keys (the path's inline keys
 * included), unsigned, owned by whoever signed the request.
 */
function dryrunMessage(req: Message): Message {
  const signer = committersOf(req)[0];
  const msg = omit(req, [...TRANSPORT_KEYS, 'commitments']);
  return signer ? { ...msg, owner: signer } : msg;
}

async function results(base: Message, req: Message, opts: Opts): Promise<Result> {
  const which = req.results;
  const process = processOf(base);
  if (which === undefined || !process) {
    return base.results === undefined
      ? error({ status: 404, body: 'This state has no results.' })
      : ok(base.results);
  }
  const pid = processIdOf(process);
  let slot = slotOf(which);
  if (slot === undefined && typeof which === 'string' && isId(which)) {
    slot = await schedulesOf(opts).slotOfMessage(pid, which);
  }
  if (slot === undefined) {
    return error({ status: 404, body: `${String(which)} is not a slot or message of ${pid}.` });
  }
  const state = await runtimeOf(opts).compute(process, slot, opts);
  if (state.status !== 'ok' || !isMessage(state.body)) return state;
  return state.body.results === undefined
    ? error({ status: 404, body: `Slot ${slot} of ${pid} has no results.` })
    : ok(state.body.results);
}

/**
 * The scheduler's keys, for this process; `/~process@1.0/schedule` with no
 * process yet hands the request to the scheduler as it is (a spawn).
 */
const viaScheduler = (base: Message, req: Message, opts: Opts) => {
  const process = processOf(base);
  return runAs('scheduler', process ? { ...base, process } : base, req, opts);
};

export const processDevice = defineDevice({
  name: 'process@1.0',
  exports: ['compute', 'now', 'results', 'as', 'schedule', 'slot', 'push', 'snapshot'],
  // A process's answers change as its schedule grows.
  volatile: ['compute', 'now', 'results', 'as', 'schedule', 'slot', 'push', 'snapshot'],
  keys: {
    async compute(base, req, opts) {
      const process = processOf(base);
      if (!process) return noProcess();
      if (req.slot === undefined && privateOf(base).as === 'execution') {
        return runtimeOf(opts).dryrun(process, dryrunMessage(req), opts);
      }
      if (req.slot === undefined) return now(base, opts);
      const slot = slotOf(req.slot);
      if (slot === undefined)
        return error({ status: 400, body: `Not a slot: ${String(req.slot)}.` });
      return runtimeOf(opts).compute(process, slot, opts);
    },
    now: (base, _req, opts) => now(base, opts),
    results,
    as(base, req) {
      if (typeof req.as !== 'string') return error({ status: 400, body: 'as needs a role.' });
      return ok(withPrivate(base, { ...privateOf(base), as: req.as }));
    },
    schedule: viaScheduler,
    slot: viaScheduler,
    push(base, req, opts) {
      const process = processOf(base);
      return process ? runAs('push', { ...base, process }, req, opts) : noProcess();
    },
    async snapshot(base, _req, opts) {
      const process = processOf(base);
      if (!process) return noProcess();
      const taken = await runAs(
        'execution',
        { ...base, process },
        { path: 'snapshot', mode: 'Map' },
        opts,
      );
      return taken.status === 'ok' ? ok(taken.body) : taken;
    },
  },
  /** Keep every live process's state, so a restart resumes where this run stopped. */
  async stop(opts) {
    if (hasRuntime(opts)) await runtimeOf(opts).snapshotAll(opts);
  },
});
