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
 *   POST location   keep a scheduler's signed location record (url, nonce,
 *                   time-to-live); one signed by this node publishes its own
 *   GET  location   ?address=<address>: the newest unexpired record, as `body`
 * Only processes whose `scheduler` is this node are scheduled here. For others,
 * once the process (`?hint=`) or the scheduler's location record says where
 * their scheduler is, schedule posts and reads (`schedule`, `slot`, `next`) go
 * there through this node (`scheduler_follow_redirects`, the default), its
 * assignments checked before use (remote-schedule.ts), or are answered with a
 * 307 to it; a 421 when nothing says where it is.
 */
import {
  commitmentsOf,
  committersOf,
  selectCommitments,
  verifyMessage,
  withOnlyCommitted,
} from '../codecs/commitments.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import type { ClientResponse } from '../net/http-client.ts';
import { currentBlock } from '../processes/block.ts';
import { StaleNonceError, urlOf } from '../processes/locations.ts';
import { naturalOf } from '../processes/numbers.ts';
import {
  isProcess,
  loadProcess,
  processIdOf,
  processOf,
  targetId,
} from '../processes/process-message.ts';
import type { RemoteSchedule } from '../processes/remote-schedule.ts';
import { scheduleAos2, scheduleBundle } from '../processes/schedule-formats.ts';

const MAX_PAGE = 1000;

const nodeAddress = (ctx: Context): string => ctx.services.wallet.address;

/** The node's address and the processes it schedules (`status`, and `info`). */
async function status(_base: Message, _req: Message, ctx: Context): Promise<Result> {
  return ok({ address: nodeAddress(ctx), processes: await ctx.services.schedules.processes() });
}

function sameCommitments(a: Message, b: Message): boolean {
  const x = Object.keys(commitmentsOf(a)).sort().join();
  return x !== '' && x === Object.keys(commitmentsOf(b)).sort().join();
}

/** A message to keep, and the IDs of its commitments already verified (over the bytes received). */
interface Signed {
  msg: Message;
  verified: readonly string[];
}

/**
 * The message a request carries, as it was signed: the request's `body` when
 * that is a signed message, else the request as its client signed it (the
 * verified HTTP request, whose `path` is its own rather than the step's),
 * reduced to what its signatures cover.
 */
function signedMessageOf(req: Message, ctx: Context): Signed {
  const codecs = ctx.services.codecs;
  if (isMessage(req.body) && committersOf(req.body).length > 0) {
    return { msg: withOnlyCommitted(req.body, codecs), verified: [] };
  }
  const original = ctx.request;
  if (original && sameCommitments(original.message, req)) {
    return { msg: withOnlyCommitted(original.message, codecs), verified: original.verified };
  }
  return { msg: withOnlyCommitted(req, codecs), verified: [] };
}

/** Whether every signature verifies; those verified over the bytes received are not checked again. */
async function verifies({ msg, verified }: Signed, ctx: Context): Promise<boolean> {
  const ids = selectCommitments(msg, { committers: 'all' }).filter((id) => !verified.includes(id));
  return ids.length === 0 || verifyMessage(msg, { commitments: ids }, ctx.services.codecs);
}

/**
 * The message a POST schedules: the request's `body` if it is a message
 * (HyperBEAM's find_message_to_schedule), else the request itself. A request
 * that is signed itself and names what it is for (a process, or a `target`)
 * is scheduled as it is, its `body` a part of it. An unsigned `body` is still
 * the message to schedule when it is a process or has a target, or when
 * nothing else names a process: it is then refused for what it is, unsigned.
 */
function messageToSchedule(base: Message, req: Message, ctx: Context): Signed {
  const signed = signedMessageOf(req, ctx);
  const { msg } = signed;
  const body = req.body;
  if (!isMessage(body) || committersOf(body).length > 0) return signed;
  if (isProcess(msg) || targetId(msg.target) !== undefined) return signed;
  const bodyMeant =
    isProcess(body) || targetId(body.target) !== undefined || targetOf(base, req) === undefined;
  return bodyMeant ? { msg: body, verified: [] } : signed;
}

/** The process ID a request is about (HyperBEAM's find_target_id). */
function targetOf(base: Message, req: Message): string | undefined {
  const named = targetId(req.target);
  if (named) return named;
  if (isProcess(req)) return processIdOf(req);
  const process = processOf(base);
  return process ? processIdOf(process) : undefined;
}

async function findProcess(pid: string, base: Message, ctx: Context): Promise<Message | undefined> {
  const process = processOf(base);
  if (process && processIdOf(process) === pid) return process;
  return loadProcess(pid, ctx);
}

/**
 * Undefined when this node schedules the process; else where its requests
 * go: to its scheduler's schedule, read and posted through this node
 * (`scheduler_follow_redirects`), or an answer: a 307 to the scheduler's URL
 * (from the process's `?hint=` or the scheduler's location record), a 421
 * when nothing says where the scheduler is.
 */
async function elsewhere(
  process: Message,
  pid: string,
  ctx: Context,
): Promise<{ remote: RemoteSchedule } | { answer: Result } | undefined> {
  const where = await ctx.services.remoteSchedules.locate(process, ctx);
  if (!where) return { answer: fail(400, 'No scheduler information provided.') };
  if (where.here) return undefined;
  const { address, url, variant } = where;
  if (!url) {
    return {
      answer: fail(421, `Process ${pid} is scheduled by ${address}, not by this node.`, {
        scheduler: address,
      }),
    };
  }
  if (!ctx.config.scheduler_follow_redirects) {
    return {
      answer: fail(307, `Redirecting to scheduler: ${url}`, {
        location: url,
        process: pid,
        scheduler: address,
        variant,
      }),
    };
  }
  return { remote: ctx.services.remoteSchedules.schedule(pid, address, url) };
}

/** A remote scheduler's reply, passed on as it came (its signatures, its status). */
function passOn(res: ClientResponse): Result {
  const status = res.status;
  if (status >= 200 && status < 300) return ok(res.message);
  return { status: 'error', body: { ...res.message, status } };
}

/** POST the message to its process's scheduler on another node. */
async function postRemote(remote: RemoteSchedule, msg: Message, ctx: Context): Promise<Result> {
  const res = await ctx.services.remoteSchedules.postSchedule(remote.url, msg, ctx);
  if (res.status === 200 && !committersOf(res.message).includes(remote.address)) {
    return fail(502, `The scheduler at ${remote.url} answered an assignment it did not sign.`);
  }
  return passOn(res);
}

async function post(base: Message, req: Message, ctx: Context): Promise<Result> {
  const signed = messageToSchedule(base, req, ctx);
  const { msg } = signed;
  if (committersOf(msg).length === 0) {
    return fail(400, 'Only signed messages can be scheduled.');
  }
  if (!(await verifies(signed, ctx))) {
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
    process = await findProcess(pid, base, ctx);
    if (!process) return fail(404, `Process ${pid} is not known to this node.`);
  }
  const away = await elsewhere(process, pid, ctx);
  if (away && 'answer' in away) return away.answer;
  if (away) return postRemote(away.remote, msg, ctx);
  if (ctx.config.scheduling_mode === 'disabled') {
    return fail(503, 'Scheduling is disabled on this node.');
  }
  if (isProcess(msg)) await ctx.services.messages.write(msg);
  return ok(await ctx.services.schedules.assign(pid, msg, ctx));
}

// Scheduler-location records ------------------------------------------------------------

const LOCATION_TYPES = new Set(['scheduler-location', 'location']);
const RECORD_CODECS = new Set(['httpsig@1.0', 'ans104@1.0']);

/**
 * The record a POST carries: its `target` message (HyperBEAM's
 * post_location), a signed `body`, or else the request as it was signed.
 */
function recordOf(req: Message, ctx: Context): Signed {
  const target = req.target;
  if (isMessage(target)) {
    const msg =
      committersOf(target).length > 0 ? withOnlyCommitted(target, ctx.services.codecs) : target;
    return { msg, verified: [] };
  }
  return signedMessageOf(req, ctx);
}

function staleNonce(error: unknown): Result {
  if (error instanceof StaleNonceError) return fail(400, error.message);
  throw error;
}

/**
 * This node's own record, asked for by a request the node signed: `url` (else
 * `http://<host>:<port>`), `nonce` (else one above the known one) and
 * `time-to-live` (else `scheduler_location_ttl`) may be given; it is signed
 * with `accept-codec` (httpsig@1.0 or ans104@1.0) by the node's wallet.
 */
async function publishOwn(request: Message, req: Message, ctx: Context): Promise<Result> {
  const wallet = ctx.services.wallet;
  const locations = ctx.services.locations;
  const known = await locations.knownNonce(wallet.address);
  const nonce = request.nonce === undefined ? known + 1 : naturalOf(request.nonce);
  if (nonce === undefined) return fail(400, 'A location `nonce` must be a non-negative integer.');
  const ttl =
    request['time-to-live'] === undefined
      ? ctx.config.scheduler_location_ttl
      : naturalOf(request['time-to-live']);
  if (!ttl)
    return fail(400, 'A location `time-to-live` must be a positive number of milliseconds.');
  const codecName = String(request['accept-codec'] ?? req['accept-codec'] ?? 'httpsig@1.0');
  const codec = RECORD_CODECS.has(codecName.toLowerCase())
    ? codecName.toLowerCase()
    : 'httpsig@1.0';
  const url = urlOf(request) ?? `http://${ctx.config.host}:${ctx.config.port}`;
  if (nonce <= known) return staleNonce(new StaleNonceError(wallet.address, known, nonce));
  const record = await ctx.services.codecs.committer(codec).commit(
    {
      'data-protocol': 'ao',
      variant: 'ao.N.1',
      type: 'scheduler-location',
      url,
      nonce,
      'time-to-live': ttl,
      'codec-device': codec,
    },
    {},
    { wallet },
  );
  try {
    await locations.put(wallet.address, record, nonce, ttl);
  } catch (error) {
    return staleNonce(error);
  }
  return ok(record);
}

/**
 * POST location: keep a scheduler's signed location record. A record signed
 * by this node asks it to publish its own (publishOwn); any other is kept
 * under its signers' addresses once its signature verifies, it names `url`,
 * `nonce` and `time-to-live`, and its nonce is above the known one.
 */
async function postLocation(req: Message, ctx: Context): Promise<Result> {
  const signed = recordOf(req, ctx);
  const record = signed.msg;
  const signers = committersOf(record);
  if (signers.length === 0) {
    return fail(
      400,
      "Only signed location records are accepted: sign it with the scheduler's wallet.",
    );
  }
  if (!(await verifies(signed, ctx))) {
    return fail(400, "The location record's signature does not verify.");
  }
  if (signers.includes(nodeAddress(ctx))) return publishOwn(record, req, ctx);
  const type = record.type;
  if (type !== undefined && !LOCATION_TYPES.has(String(type).toLowerCase())) {
    return fail(400, `A location record has type scheduler-location, not ${String(type)}.`);
  }
  if (!urlOf(record)) return fail(400, "A location record needs the scheduler's `url`.");
  const nonce = naturalOf(record.nonce);
  if (nonce === undefined) {
    return fail(400, 'A location record needs a `nonce`, a non-negative integer.');
  }
  const ttl = naturalOf(record['time-to-live']);
  if (!ttl) {
    return fail(400, 'A location record needs its `time-to-live`, in milliseconds.');
  }
  const locations = ctx.services.locations;
  try {
    // Every signer's known nonce is checked before anything is kept.
    for (const signer of signers) {
      const known = await locations.knownNonce(signer);
      if (nonce <= known) throw new StaleNonceError(signer, known, nonce);
    }
    for (const signer of signers) await locations.put(signer, record, nonce, ttl);
  } catch (error) {
    return staleNonce(error);
  }
  return ok(record);
}

/**
 * GET location?address=<address>: the newest unexpired record, as `body`;
 * without an address, this node's own (as HyperBEAM).
 */
async function getLocation(req: Message, ctx: Context): Promise<Result> {
  const address =
    typeof req.address === 'string' && req.address !== '' ? req.address : nodeAddress(ctx);
  const locations = ctx.services.locations;
  const entry = await locations.latest(address);
  if (!entry) {
    const expired = await locations.newest(address);
    return fail(
      404,
      expired
        ? `No location found for address: ${address} (its record expired at ${new Date(expired.expiresAt).toISOString()}).`
        : `No location found for address: ${address}`,
    );
  }
  return ok({ body: entry.record, 'cache-control': 'no-store' });
}

function integer(value: Value | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The process a read is about, and its remote schedule when another node schedules it. */
async function readerOf(
  base: Message,
  req: Message,
  ctx: Context,
): Promise<{ pid: string; remote?: RemoteSchedule } | { answer: Result }> {
  const pid = targetOf(base, req);
  if (!pid) return { answer: fail(400, 'Which process? Give `target`.') };
  const process = await findProcess(pid, base, ctx);
  const away = process ? await elsewhere(process, pid, ctx) : undefined;
  if (away && 'answer' in away) return away;
  return away ? { pid, remote: away.remote } : { pid };
}

async function list(base: Message, req: Message, ctx: Context): Promise<Result> {
  const reader = await readerOf(base, req, ctx);
  if ('answer' in reader) return reader.answer;
  const { pid, remote } = reader;
  const schedules = ctx.services.schedules;
  const asked = req.to === undefined ? undefined : integer(req.to, 0);
  const current = remote ? await remote.current(ctx, asked) : await schedules.current(pid);
  const from = integer(req.from, 0);
  const to = integer(req.to, current);
  if (from === undefined || to === undefined)
    return fail(400, '`from` and `to` must be slot numbers.');
  const limit = Math.min(integer(req.limit, MAX_PAGE) ?? MAX_PAGE, MAX_PAGE);
  const start = Math.max(0, from);
  const end = Math.min(to, start + limit - 1, current);
  const assignments = remote
    ? await remote.range(start, end, ctx)
    : await schedules.range(pid, start, end);
  const continues = end < Math.min(to, current);
  const block = await currentBlock(ctx);
  const accept = String(req.accept ?? '')
    .replace('%2F', '/')
    .toLowerCase();
  if (accept.includes('application/aos-2')) {
    return ok(scheduleAos2(pid, assignments, continues, block));
  }
  return ok(scheduleBundle(pid, assignments, continues, block));
}

async function slot(base: Message, req: Message, ctx: Context): Promise<Result> {
  const reader = await readerOf(base, req, ctx);
  if ('answer' in reader) return reader.answer;
  const { pid, remote } = reader;
  if (remote) {
    const res = await remote.slot(ctx);
    if (res.status === 200 && naturalOf(res.message.current) === undefined) {
      return fail(502, `The scheduler at ${remote.url} answered no current slot for ${pid}.`);
    }
    return passOn(res);
  }
  const block = await currentBlock(ctx);
  return ok({
    process: pid,
    current: await ctx.services.schedules.current(pid),
    timestamp: Date.now(),
    'block-height': block.height,
    'block-hash': block.hash,
    'cache-control': 'no-store',
    'wallet-address': nodeAddress(ctx),
  });
}

/** The next assignment for a process state (`at-slot`, `process`). */
async function next(base: Message, _req: Message, ctx: Context): Promise<Result> {
  const process = processOf(base);
  if (!process) return fail(400, 'next needs a process state.');
  const pid = processIdOf(process);
  const atSlot = integer(base['at-slot'], -1) ?? -1;
  const away = await elsewhere(process, pid, ctx);
  const assignment =
    away && 'remote' in away
      ? await away.remote.read(atSlot + 1, ctx)
      : await ctx.services.schedules.read(pid, atSlot + 1);
  if (!assignment) return fail(503, 'No assignment found for next slot.');
  return ok({ body: assignment, state: base });
}

export const schedulerDevice = defineDevice({
  name: 'scheduler@1.0',
  exports: ['schedule', 'slot', 'status', 'next', 'location'],
  // Everything here (and `info`) depends on what has been scheduled (or located) so far.
  volatile: true,
  keys: {
    location: (_base, req, ctx) =>
      String(req.method ?? 'GET').toUpperCase() === 'POST'
        ? postLocation(req, ctx)
        : getLocation(req, ctx),
    schedule: (base, req, ctx) =>
      String(req.method ?? 'GET').toUpperCase() === 'POST'
        ? post(base, req, ctx)
        : list(base, req, ctx),
    slot,
    status,
    info: status,
    next,
  },
});
