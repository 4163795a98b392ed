/**
 * `scheduler@1.0`: orders the messages of the processes this node schedules
 * (HyperBEAM's dev_scheduler). Reached as `/~scheduler@1.0/<key>?target=<pid>`
 * or through a process (`/<pid>/schedule`, `/<pid>/slot`).
 *   POST schedule   schedule a signed message (the request's `body`, or the
 *                   request itself); a `type: Process` message starts a process at
 *                   slot 0. Answers with the signed assignment.
 *   GET  schedule   assignments `from` (0) `to` (the current slot), at most 1000;
 *                   `accept: application/aos-2` gives the legacy JSON page
 *   GET  slot       {process, current, block fields}; `slot/current` is the number
 *   GET  status     {address, processes}
 *   next            the assignment after a process state's `at-slot`
 * Only processes whose `scheduler` is this node are scheduled here; others get a
 * 307 to their scheduler when the process names where it is, else a 421.
 */
import { verifyMessage, withOnlyCommitted } from '../codecs/commitments.ts';
import { schemes as defaultSchemes } from '../codecs/index.ts';
import { defineDevice, error, ok, type Result } from '../core/device.ts';
import { commitmentsOf, committersOf } from '../core/ids.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Opts } from '../core/opts.ts';
import { currentBlock } from '../processes/block.ts';
import {
  isProcess,
  loadProcess,
  processIdOf,
  processOf,
  schedulerOf,
  targetId,
} from '../processes/process-message.ts';
import { schedulesOf } from '../processes/schedule.ts';
import { scheduleAos2, scheduleBundle } from '../processes/schedule-formats.ts';

const MAX_PAGE = 1000;

const fail = (status: number, body: string, extra: Message = {}): Result =>
  error({ status, body, ...extra });

function nodeAddress(opts: Opts): string {
  return opts.priv_wallet?.address ?? '';
}

function sameCommitments(a: Message, b: Message): boolean {
  const x = Object.keys(commitmentsOf(a)).sort().join();
  return x !== '' && x === Object.keys(commitmentsOf(b)).sort().join();
}

/**
 * The message a POST schedules: the request's `body` message, else the request
 * as it was signed (the verified HTTP request, whose `path` is its own rather
 * than the step's), reduced to what its signatures cover.
 */
function messageToSchedule(req: Message, opts: Opts): Message {
  const schemes = opts.schemes ?? defaultSchemes;
  if (isMessage(req.body) && committersOf(req.body).length > 0) {
    return withOnlyCommitted(req.body, schemes);
  }
  const original = opts.http_request;
  if (original && sameCommitments(original, req)) return withOnlyCommitted(original, schemes);
  return withOnlyCommitted(req, schemes);
}

/** The process ID a request is about (HyperBEAM's find_target_id). */
function targetOf(base: Message, req: Message): string | undefined {
  const named = targetId(req.target);
  if (named) return named;
  if (isProcess(req)) return processIdOf(req);
  const process = processOf(base);
  return process ? processIdOf(process) : undefined;
}

async function findProcess(pid: string, base: Message, opts: Opts): Promise<Message | undefined> {
  const process = processOf(base);
  if (process && processIdOf(process) === pid) return process;
  return loadProcess(pid, opts);
}

/** Undefined when this node schedules the process; else the answer to give. */
function notHere(process: Message, pid: string, opts: Opts): Result | undefined {
  const scheduler = schedulerOf(process);
  if (!scheduler) return fail(400, 'No scheduler information provided.');
  const [address, hint] = scheduler;
  if (address === nodeAddress(opts)) return undefined;
  if (hint) {
    return fail(307, `Redirecting to scheduler: ${hint}`, { location: hint, process: pid });
  }
  return fail(421, `Process ${pid} is scheduled by ${address}, not by this node.`, {
    scheduler: address,
  });
}

async function post(base: Message, req: Message, opts: Opts): Promise<Result> {
  const msg = messageToSchedule(req, opts);
  if (committersOf(msg).length === 0) {
    return fail(400, 'Only signed messages can be scheduled.');
  }
  if (!(await verifyMessage(msg, { committers: 'all' }, opts.schemes ?? defaultSchemes, opts))) {
    return fail(400, 'Message is not valid: its signature does not verify.');
  }
  let pid: string | undefined;
  let process: Message | undefined;
  if (isProcess(msg)) {
    pid = processIdOf(msg);
    process = msg;
  } else {
    pid = targetId(msg.target) ?? targetOf(base, req);
    if (!pid) return fail(400, 'The message names no target process.');
    const here = processOf(base);
    if (here && processIdOf(here) !== pid) {
      return fail(400, `The message's target is ${pid}, not this process (${processIdOf(here)}).`);
    }
    process = await findProcess(pid, base, opts);
    if (!process) return fail(404, `Process ${pid} is not known to this node.`);
  }
  const elsewhere = notHere(process, pid, opts);
  if (elsewhere) return elsewhere;
  if (isProcess(msg)) await opts.store?.write(msg);
  return ok(await schedulesOf(opts).assign(pid, msg, opts));
}

function integer(value: Value | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

async function list(base: Message, req: Message, opts: Opts): Promise<Result> {
  const pid = targetOf(base, req);
  if (!pid) return fail(400, 'Which process? Give `target`.');
  const schedules = schedulesOf(opts);
  const current = await schedules.current(pid);
  const from = integer(req.from, 0);
  const to = integer(req.to, current);
  if (from === undefined || to === undefined)
    return fail(400, '`from` and `to` must be slot numbers.');
  const limit = Math.min(integer(req.limit, MAX_PAGE) ?? MAX_PAGE, MAX_PAGE);
  const start = Math.max(0, from);
  const end = Math.min(to, start + limit - 1);
  const assignments = await schedules.range(pid, start, end);
  const continues = end < Math.min(to, current);
  const block = await currentBlock(opts);
  const accept = String(req.accept ?? '')
    .replace('%2F', '/')
    .toLowerCase();
  if (accept.includes('application/aos-2')) {
    return ok(scheduleAos2(pid, assignments, continues, block));
  }
  return ok(scheduleBundle(pid, assignments, continues, block));
}

export const schedulerDevice = defineDevice({
  name: 'scheduler@1.0',
  exports: ['schedule', 'slot', 'status', 'next'],
  // Everything here depends on what has been scheduled so far.
  volatile: ['schedule', 'slot', 'status', 'next', 'info'],
  keys: {
    schedule: (base, req, opts) =>
      String(req.method ?? 'GET').toUpperCase() === 'POST'
        ? post(base, req, opts)
        : list(base, req, opts),
    async slot(base, req, opts) {
      const pid = targetOf(base, req);
      if (!pid) return fail(400, 'Which process? Give `target`.');
      const block = await currentBlock(opts);
      return ok({
        process: pid,
        current: await schedulesOf(opts).current(pid),
        timestamp: Date.now(),
        'block-height': block.height,
        'block-hash': block.hash,
        'cache-control': 'no-store',
        'wallet-address': nodeAddress(opts),
      });
    },
    async status(_base, _req, opts) {
      return ok({ address: nodeAddress(opts), processes: await schedulesOf(opts).processes() });
    },
    info: async (_base, _req, opts) =>
      ok({ address: nodeAddress(opts), processes: await schedulesOf(opts).processes() }),
    /** The next assignment for a process state (`at-slot`, `process`). */
    async next(base, _req, opts) {
      const process = processOf(base);
      if (!process) return fail(400, 'next needs a process state.');
      const atSlot = integer(base['at-slot'], -1) ?? -1;
      const assignment = await schedulesOf(opts).read(processIdOf(process), atSlot + 1);
      if (!assignment) return fail(503, 'No assignment found for next slot.');
      return ok({ body: assignment, state: base });
    },
  },
});
