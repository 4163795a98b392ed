/**
 * `stack@1.0`: runs a key through a stack of devices (`device-stack`, keyed
 * 1, 2, ...). `Fold` mode threads the message through each device in turn;
 * `Map` mode runs each device on the original and collects the results by
 * stack key. `/transform/<key>/...` runs one device of the stack alone.
 * A device may end the fold early (`skip`) or restart it (`pass`, counted in
 * `pass`). Per-device `input-prefixes`/`output-prefixes` tell stacked devices
 * where to read and write.
 */

import { BadRequestError, DeviceError } from '../core/errors.ts';
import {
  Atom,
  applySet,
  isMessage,
  isPrivateKey,
  listToMessage,
  type Message,
  NOT_FOUND,
  normalizeKey,
  normalizeKeys,
  UNDEFINED,
  UNSET,
  type Value,
} from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import {
  type Device,
  type DeviceInfo,
  defineDevice,
  error,
  fail,
  type Handler,
  ok,
  type Result,
} from '../engine/device.ts';
import { MESSAGE_DEVICE, resolve, setKey } from '../engine/resolver.ts';
import { getKey, messageSet } from './message.ts';

/**
 * Set keys with message@1.0's set, not through the message's own device (a
 * stacked device may answer `set` itself); `values` names the device the
 * message has afterwards. Called directly: resolving `set` on message@1.0
 * with the internal directives (no hashpath, no cache) does just this.
 */
function setOnMessage(msg: Message, values: Message, ctx: Context): Message {
  const base = normalizeKeys({ ...msg, device: MESSAGE_DEVICE }) as Message;
  const req = normalizeKeys({ ...values, path: 'set' }) as Message;
  // Committed keys may lose their commitments: message@1.0 decides, on a copy of its own.
  if (isMessage(base.commitments)) return messageSet(base, req, ctx);
  applySet(base, req); // `base` is this function's own copy: set in place
  return base;
}

/** A device-stack entry: read directly from a plain stack (message@1.0's get), else resolved. */
async function stackEntry(stack: Value, key: string, ctx: Context): Promise<Value | undefined> {
  const plain = Array.isArray(stack) ? listToMessage(stack) : stack;
  if (isMessage(plain) && plain.device === undefined) return getKey(key, plain);
  const entry = await resolve(stack, { path: key }, ctx);
  return entry.status === 'ok' ? entry.body : undefined;
}

function prefixFor(msg: Message, table: string, key: string): Value {
  const prefixes = getKey(table, msg);
  return (isMessage(prefixes) ? getKey(normalizeKey(key), prefixes) : undefined) ?? UNDEFINED;
}

/** The prefix a stacked device reads its input under ('' by default). */
export const inputPrefix = (msg: Message): string => String(getKey('input-prefix', msg) ?? '');
/** The prefix a stacked device writes its output under ('' by default). */
export const outputPrefix = (msg: Message): string => String(getKey('output-prefix', msg) ?? '');

/** Make the stack's device `key` the message's device, remembering what to restore. */
export async function transform(
  msg: Message,
  key: string | number,
  ctx: Context,
): Promise<Message | undefined> {
  const stack = getKey('device-stack', msg);
  if (stack === undefined)
    throw new BadRequestError('no_valid_device_stack', 'the message has no device-stack');
  const entry = await stackEntry(stack, normalizeKey(key), ctx);
  if (entry === undefined) return undefined;
  return setOnMessage(
    msg,
    {
      device: entry,
      'device-key': key,
      'input-prefix': prefixFor(msg, 'input-prefixes', String(key)),
      'output-prefix': prefixFor(msg, 'output-prefixes', String(key)),
      // HyperBEAM records the module it read this through (dev_message); the
      // value is visible in results and their IDs, so we record the same.
      'previous-device': Atom.of('dev_message'),
      'previous-input-prefix': getKey('input-prefix', msg) ?? UNDEFINED,
      'previous-output-prefix': getKey('output-prefix', msg) ?? UNDEFINED,
    },
    ctx,
  );
}

function failure(devNum: number, info: Value, ctx: Context): Result {
  if (ctx.config.error_strategy === 'stop') {
    return fail(500, `stack call failed at device ${devNum}`, { 'device-num': devNum });
  }
  throw new DeviceError('device_failed', `device ${devNum} of the stack failed`, {
    details: { info },
  });
}

async function foldFrom(msg: Message, req: Message, devNum: number, ctx: Context): Promise<Result> {
  let current = msg;
  for (let n = devNum; ; n++) {
    const transformed = await transform(current, n, ctx);
    if (!transformed) return ok(current);
    const result = await resolve(transformed, req, ctx);
    const body = result.body;
    if (result.status === 'ok' && isMessage(body)) current = body;
    else if (result.status === 'error' && body === NOT_FOUND) current = transformed;
    else if (result.status === 'ok') return result;
    else if (result.status === 'skip' && isMessage(body)) return ok(body);
    else if (result.status === 'pass' && isMessage(body)) {
      const pass = Number(getKey('pass', body) ?? 1);
      return foldFrom(await setKey(body, 'pass', pass + 1, ctx), req, 1, ctx);
    } else return failure(n, body, ctx);
  }
}

async function fold(base: Message, req: Message, ctx: Context): Promise<Result> {
  const initialDevice = base.device as Value;
  const startingPass = getKey('pass', base) ?? UNSET;
  const result = await foldFrom(await setKey(base, 'pass', 1, ctx), req, 1, ctx);
  if (result.status !== 'ok' || !isMessage(result.body)) return result;
  return ok(
    setOnMessage(
      result.body,
      {
        device: initialDevice,
        'input-prefix': getKey('previous-input-prefix', result.body) ?? UNDEFINED,
        'output-prefix': getKey('previous-output-prefix', result.body) ?? UNDEFINED,
        'device-key': UNSET,
        'device-stack-previous': UNSET,
        pass: startingPass,
      },
      ctx,
    ),
  );
}

async function map(base: Message, req: Message, ctx: Context): Promise<Result> {
  const stack = normalizeKeys(getKey('device-stack', base) ?? {}) as Message;
  const out: Message = {};
  for (const key of Object.keys(stack)) {
    if (key === 'path' || key === 'hashpath' || isPrivateKey(key)) continue;
    const transformed = await transform(base, key, ctx);
    if (!transformed) continue;
    const result = await resolve(transformed, req, ctx);
    if (result.status === 'ok') out[key] = result.body;
  }
  return ok(out);
}

/**
 * Info for a device that only acts as a member of a stack (dedup@1.0,
 * multipass@1.0): its handler answers a message with a `device-stack`; on any
 * other message it has none, and message@1.0 answers its keys.
 */
export function stackedOnly(handler: Handler): (base: Message) => DeviceInfo {
  return (base) => ({ handler: getKey('device-stack', base) === undefined ? undefined : handler });
}

function stackInfo(base: Message): DeviceInfo {
  const exports = base['stack-keys'];
  return Array.isArray(exports) ? { exports: exports.map(String) } : {};
}

/** A device that, given a stack key, switches the message to that stacked device. */
function transformer(base: Message): Device {
  return defineDevice({
    name: 'stack-transformer',
    excludes: ['set', 'keys'],
    ...stackInfo(base),
    handler: async (key, msg, _req, ctx) => {
      const transformed = await transform(msg, key, ctx);
      return transformed ? ok(transformed) : error(NOT_FOUND);
    },
  });
}

const router: Handler = (key, base, req, ctx) => {
  if (normalizeKey(key) === 'transform') return ok({ ...base, device: transformer(base) });
  const mode = getKey('mode', req) ?? getKey('mode', base) ?? 'Fold';
  if (mode === 'Fold') return fold(base, req, ctx);
  if (mode === 'Map') return map(base, req, ctx);
  throw new BadRequestError('bad_mode', `stack mode must be Fold or Map, not ${String(mode)}`);
};

export const stackDevice = defineDevice({
  name: 'stack@1.0',
  excludes: ['set', 'keys'],
  handler: router,
  info: stackInfo,
});
