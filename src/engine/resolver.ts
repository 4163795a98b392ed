/**
 * The AO-Core resolver: `base(request) => result`.
 *
 * A request's `path` names a key; the base's device computes it. A path of
 * several keys is a chain: each result becomes the base of the next step.
 * Every step runs the same stages as HyperBEAM's hb_ao:resolve_stage:
 *   1. normalise (`As` bases, sub-resolutions, lists, bare keys)
 *   2. result-cache lookup          3. validation
 *   4. de-duplication of identical in-flight resolutions
 *   5. device and key -> function   6. execution (+ force_message wrapping)
 *   7. step hook   8. lazy sub-resolution   9. hashpath   10. result caching
 * Errors are values (`{status: 'error', body}`); exceptions are typed HbErrors.
 */

import { BadRequestError, DeviceError, HbError, NotFoundError, toHbError } from '../core/errors.ts';
import {
  As,
  describe,
  isDevice,
  isId,
  isMessage,
  listToMessage,
  type Message,
  messageToList,
  NOT_FOUND,
  normalizeKey,
  normalizeKeys,
  omit,
  type PathItem,
  privateOf,
  Resolve,
  type Value,
  withPrivate,
} from '../core/message.ts';
import { firstKey, pathParts } from '../core/path.ts';
import { type Context, internal, notRepeatable, withDirectives } from './context.ts';
import { type Device, error, type Handler, isResult, ok, type Result } from './device.ts';
import { messageId, nextHashpath } from './ids.ts';
import type { DeviceRegistry } from './registry.ts';
import { cacheSettings } from './result-cache.ts';
import { set, setKey } from './set.ts';

export { remove, set, setKey, standardMessageDevices } from './set.ts';

export const MESSAGE_DEVICE = 'message@1.0';

type Fn = (base: Message, req: Message, ctx: Context) => Promise<Result> | Result;

// Entry points -------------------------------------------------------------------------

/** Resolve a request (a message, or a bare path) on a base. Multi-key paths are chained. */
export async function resolve(base: PathItem, request: Value, ctx: Context): Promise<Result> {
  const req: Message = isMessage(request) ? request : { path: request };
  const parts = pathParts(req.path);
  if (parts === undefined) throw new BadRequestError('empty_path', 'the request has no path');
  return resolveMany([base, ...parts.map((path) => ({ ...req, path }))], ctx);
}

/** Resolve a list of messages: the first is the base, each next one a request on the last result. */
export async function resolveMany(items: PathItem[] | Message | As, ctx: Context): Promise<Result> {
  if (items instanceof As) return subresolve({}, items.device, items.msg, ctx);
  if (!Array.isArray(items)) return resolveMany(messageToList(items), ctx);
  if (items.length === 1) {
    const only = items[0] as PathItem;
    if (typeof only === 'string' && isId(only)) {
      const loaded = await stored(only, ctx);
      return loaded ? ok(loaded) : error(NOT_FOUND);
    }
    if (only instanceof Resolve) return resolveMany(only.messages, ctx);
    return ok(only);
  }
  if (items.length === 0) throw new BadRequestError('empty_path', 'there is nothing to resolve');
  let current = items[0] as PathItem;
  for (let i = 1; i < items.length; i++) {
    const result = await resolveStep(current, items[i] as PathItem, ctx);
    if (result.status !== 'ok') return result;
    current = result.body;
  }
  return ok(current);
}

// Helpers built on resolution (HyperBEAM's hb_ao:get/set/keys/remove) ------------------

/** The value at `path` in `msg`, or `fallback` when resolution fails. */
export async function get(
  path: Value,
  msg: PathItem,
  ctx: Context,
  fallback?: Value,
): Promise<Value | undefined> {
  let base = msg;
  if (base instanceof As)
    base = await setKey(base.msg as Message, 'device', base.device as Value, internal(ctx));
  const result = await resolve(base, { path }, ctx);
  return result.status === 'ok' ? result.body : fallback;
}

/** The keys of a message, as its device lists them. */
export async function keys(msg: Message, ctx: Context): Promise<string[]> {
  const list = await get('keys', msg, ctx);
  if (list === undefined)
    throw new HbError('cannot_get_keys', `cannot list keys of ${describe(msg)}`);
  return messageToList(normalizeKeys(list as Value)).map((k) => normalizeKey(String(k)));
}

/** A stored message (whose commitments can grow: the request is not repeatable). */
function stored(id: string, ctx: Context): Promise<Message | undefined> {
  notRepeatable(ctx);
  return ctx.services.messages.read(id);
}

/** Load a message by ID from the store, or fail with 404. */
export async function load(id: string, ctx: Context): Promise<Message> {
  const msg = await stored(id, ctx);
  if (!msg) {
    throw new NotFoundError('message_not_found', 'Necessary messages not found in cache.', {
      details: { id },
    });
  }
  return msg;
}

/** Apply `req` on `base` with `device` as its device; a request without a path only sets keys. */
export async function subresolve(
  base: Value,
  device: Value | undefined,
  rawReq: Value,
  ctx: Context,
): Promise<Result> {
  const req: Message = isMessage(rawReq) ? rawReq : { path: rawReq };
  let msg: Value = typeof base === 'string' && isId(base) ? await load(base, ctx) : base;
  if (device !== undefined) {
    msg = await setKey(msg, 'device', await deviceValue(device, ctx), deviceContext(ctx));
  }
  if (pathParts(req.path) === undefined) {
    const changes = omit(req, ['path']);
    if (Object.keys(changes).length > 0) {
      msg = await set(msg as Message, changes, withDirectives(ctx, { forceMessage: false }));
    }
    return ok(msg);
  }
  return resolve(msg, req, ctx);
}

/** A device reference; a `(...)` sub-path in device position is resolved first. */
async function deviceValue(device: Value, ctx: Context): Promise<Value> {
  if (!(device instanceof Resolve)) return device;
  const result = await resolveMany(device.messages, ctx);
  if (result.status !== 'ok') throw new BadRequestError('bad_device', 'the device sub-path failed');
  return result.body;
}

// One step --------------------------------------------------------------------------------

/** Stage 1: normalise the pair until base and request are plain messages. */
async function resolveStep(rawBase: PathItem, rawReq: PathItem, ctx: Context): Promise<Result> {
  let base = rawBase;
  let req = rawReq;
  for (;;) {
    if (base instanceof As) {
      const device = await deviceValue(base.device as Value, ctx);
      const inner = base.msg;
      if (typeof inner === 'string' && isId(inner)) {
        base = new As(device as string, { path: inner });
        continue;
      }
      if (isMessage(inner) && typeof inner.path === 'string' && isId(inner.path)) {
        const loaded = await load(inner.path, ctx);
        base = await setKey({ ...loaded, ...omit(inner, ['path']) }, 'device', device, ctx);
        continue;
      }
      const sub = await subresolve({}, device, inner, ctx);
      if (sub.status !== 'ok') return sub;
      base = sub.body;
      continue;
    }
    if (isMessage(req) && req.path instanceof As) {
      const { device, msg } = req.path;
      const merged: Message = { ...req, ...(isMessage(msg) ? msg : { path: msg }) };
      if (merged.path instanceof As) delete merged.path;
      return subresolve(base, device as Value, merged, ctx);
    }
    if (base instanceof Resolve) {
      const sub = await resolveMany(base.messages, ctx);
      if (sub.status !== 'ok') return sub;
      base = sub.body;
      continue;
    }
    if (req instanceof Resolve) {
      // A literal result becomes the key of this step: `/base/(/computed/key)`.
      const sub = await resolveMany(req.messages, withDirectives(ctx, { forceMessage: false }));
      if (sub.status !== 'ok') return sub;
      req = sub.body;
      continue;
    }
    if (Array.isArray(base)) {
      base = listToMessage(base);
      continue;
    }
    if (!isMessage(req)) {
      req = { path: req };
      continue;
    }
    break;
  }
  if (typeof base === 'string' && isId(base)) {
    const loaded = await stored(base, ctx);
    if (!loaded) return error({ status: 404, body: 'Necessary messages not found in cache.' });
    base = loaded;
  }
  if (!isMessage(base)) return error(NOT_FOUND);
  return execute(normalizeKeys(base) as Message, normalizeKeys(req) as Message, ctx);
}

/** Stages 2-10 for a normalised base and request. */
async function execute(base: Message, req: Message, ctx: Context): Promise<Result> {
  const key = firstKey(req.path);
  if (typeof key !== 'string')
    throw new BadRequestError('no_path', 'the request has no key to resolve');
  const registry = ctx.services.devices;
  let hashpath: string | undefined;
  const hashpathOf = () => {
    hashpath ??= nextHashpath(base, req, key);
    return hashpath;
  };

  // 2. Result cache: not for keys whose device declares them volatile, nor for
  // anything computed from such a result (it is marked, so later steps know).
  const device = deviceOf(base, registry);
  const info = infoOf(device, base, ctx);
  const uncached = uncachedBecause(info, base, normalizeKey(key));
  if (uncached === 'volatile') notRepeatable(ctx);
  const settings = uncached
    ? { lookup: false, store: false, onlyIfCached: false }
    : cacheSettings(ctx.directives, base, req);
  const cacheKey = () => hashpathOf();
  if (settings.lookup) {
    const hit = await ctx.services.results.read(cacheKey());
    if (hit) return ctx.directives.forceMessage ? hit : unwrapLiteral(hit);
    if (settings.onlyIfCached) {
      return error({
        status: 504,
        'cache-status': 'miss',
        body: 'Computed result not available in cache.',
      });
    }
  }

  // 4. De-duplicate identical in-flight resolutions (by the device's grouper).
  const group =
    ctx.directives.awaitInprogress === false
      ? undefined
      : (info.grouper?.(base, req, ctx) ??
        (ctx.directives.awaitInprogress === true
          ? `${messageId(omit(base, ['priv']))}/${messageId(omit(req, ['priv']))}`
          : undefined));
  if (group === undefined)
    return run(
      base,
      req,
      key,
      device,
      ctx,
      hashpathOf,
      settings.store ? cacheKey : undefined,
      uncached,
    );

  const chain = ctx.directives.chain ?? new Set<string>();
  if (chain.has(group) && !ctx.directives.allowInfinite) {
    return error({ status: 508, body: 'Request creates infinite recursion.' });
  }
  const table = ctx.services.inflight;
  // One execution per group at a time: an identical request shares the running
  // one's result; a different request waits for it to finish, then runs.
  const request = messageId(omit(req, ['priv']));
  for (let running = table.get(group); running && !chain.has(group); running = table.get(group)) {
    if (running.request === request) return running.result;
    await running.result.catch(() => undefined);
  }
  const inner = withDirectives(ctx, { chain: new Set([...chain, group]) });
  const cacheWrite = settings.store ? cacheKey : undefined;
  const entry = {
    request,
    result: run(base, req, key, device, inner, hashpathOf, cacheWrite, uncached),
  };
  table.set(group, entry);
  try {
    return await entry.result;
  } finally {
    if (table.get(group) === entry) table.delete(group);
  }
}

async function run(
  base: Message,
  req: Message,
  key: string,
  device: Device,
  ctx: Context,
  hashpathOf: () => string,
  cacheKey: (() => string) | undefined,
  uncached: Uncached | undefined,
): Promise<Result> {
  // 5-6. Find the function and execute it.
  const fn = findFunction(device, base, key, ctx);
  let result: Result;
  try {
    const returned = await fn(base, req, deviceContext(ctx));
    if (!isResult(returned) || returned.body === undefined) {
      throw new DeviceError('bad_result', `device returned no result for key '${key}'`);
    }
    result = returned;
  } catch (err) {
    if (ctx.directives.errorStrategy === undefined || ctx.directives.errorStrategy === 'throw')
      throw err;
    const e = toHbError(err);
    result = error({ status: e.status, body: e.message });
  }
  if (ctx.directives.forceMessage) result = forceMessage(result);

  // 7. Step hook.
  if (ctx.directives.onStep)
    result = await ctx.directives.onStep({ base, request: req, result }, ctx);

  // 8. A `{resolve, ...}` result is evaluated now.
  if (result.status === 'ok' && result.body instanceof Resolve) {
    result = await resolveMany(result.body.messages, ctx);
  }

  // 9. Hashpath: link the result to how it was made.
  const body = result.body;
  if (isMessage(body)) {
    const priv = privateOf(body);
    if (result.status !== 'ok') {
      if ('hashpath' in priv)
        result = { ...result, body: withPrivate(body, omit(priv, ['hashpath'])) };
    } else if (ctx.directives.hashpath === undefined || ctx.directives.hashpath === 'update') {
      result = ok({ ...body, priv: { ...priv, hashpath: hashpathOf() } });
    } else if (ctx.directives.hashpath === 'reset' && 'hashpath' in priv) {
      result = ok(withPrivate(body, omit(priv, ['hashpath'])));
    }
    if (uncached && result.status === 'ok' && isMessage(result.body)) {
      const mark = uncached === 'volatile' ? true : uncached;
      result = ok(withPrivate(result.body, { ...privateOf(result.body), volatile: mark }));
    }
  }

  // 10. Result cache.
  if (cacheKey && result.status === 'ok') {
    const settings = cacheSettings(ctx.directives, result.body, req);
    if (settings.store) await ctx.services.results.write(cacheKey(), cacheable(result, cacheKey()));
  }
  return result;
}

/**
 * Results are cached in message form, so one entry serves callers that want
 * messages (HTTP) and callers that want literals; each literal keeps its hashpath.
 */
function cacheable(result: Result, hashpath: string): Result {
  const forced = forceMessage(result);
  const body = forced.body;
  if (!isMessage(body) || privateOf(body).hashpath !== undefined) return forced;
  return { ...forced, body: withPrivate(body, { ...privateOf(body), hashpath }) };
}

/** A cached result as a caller that did not ask for messages gets it. */
function unwrapLiteral(hit: Result): Result {
  const body = hit.body;
  if (!isMessage(body) || typeof body['ao-result'] !== 'string') return hit;
  return { ...hit, body: body[body['ao-result']] as Value };
}

/** The context handed to devices: the per-chain directives do not leak into their own calls. */
function deviceContext(ctx: Context): Context {
  const { forceMessage, cacheControl } = ctx.directives;
  if (forceMessage === undefined && cacheControl === undefined) return ctx;
  const { forceMessage: _f, cacheControl: _c, ...rest } = ctx.directives;
  return { ...ctx, directives: rest };
}

/** Whether a device's key list names the (normalised) key. */
const names = (list: readonly string[] | undefined, key: string): boolean =>
  list?.some((k) => normalizeKey(k) === key) ?? false;

export type Uncached = 'volatile' | 'configured';

/**
 * Why the (normalised) key's result on `base` stays out of the result cache:
 * it, or what `base` was computed from (marked `priv/volatile`: `true`, or
 * `configured`), is volatile or depends on the node's configuration.
 */
export function uncachedBecause(info: Device, base: Message, key: string): Uncached | undefined {
  const mark = privateOf(base).volatile;
  const { volatile, configured } = info;
  if (mark === true || volatile === true || names(volatile, key)) return 'volatile';
  if (mark === 'configured' || names(configured, key)) return 'configured';
  return undefined;
}

/** Wrap literal results so every step yields a message (`/key/body` then works on literals). */
export function forceMessage(result: Result): Result {
  const body = result.body;
  if (Array.isArray(body)) return { ...result, body: listToMessage(body) };
  if (body instanceof Resolve) return result;
  if (!isMessage(body)) return { ...result, body: { 'ao-result': 'body', body } };
  const k = Object.keys(body);
  if (k.length === 2 && 'status' in body && 'body' in body && body.status === result.status) {
    return { ...result, body: { ...body, 'ao-result': 'body' } };
  }
  return result;
}

// Devices and keys ---------------------------------------------------------------------

export function deviceOf(msg: Message, registry: DeviceRegistry): Device {
  const ref = msg.device;
  return registry.load(ref === undefined ? MESSAGE_DEVICE : ref);
}

export function infoOf(device: Device, base: Message, ctx: Context): Device {
  return device.info ? { ...device, ...device.info(base, ctx) } : device;
}

export function isExported(info: Device, key: string): boolean {
  if (key === 'info') return true;
  const norm = normalizeKey(key);
  if (info.excludes?.some((k) => normalizeKey(k) === norm)) return false;
  if (info.exports) return info.exports.some((k) => normalizeKey(k) === norm);
  return true;
}

/** A device's own function for a key (normalised, then with `-` read as `_`). */
export function keyFunction(device: Device, key: string): Fn | undefined {
  const table = device.keys;
  if (!table) return undefined;
  const norm = normalizeKey(key);
  if (Object.hasOwn(table, norm)) return table[norm];
  const folded = norm.replace(/-/g, '_');
  return Object.hasOwn(table, folded) ? table[folded] : undefined;
}

/** A key's function, the device it belongs to, and the handler or default it calls (if any). */
export interface Located {
  fn: Fn;
  owner: Device;
  handler?: Handler;
}

/** Which function answers `key` on `base` (HyperBEAM's message_to_fun). */
export function findFunction(device: Device, base: Message, key: string, ctx: Context): Fn {
  return locate(device, base, key, ctx).fn;
}

export function locate(device: Device, base: Message, key: string, ctx: Context): Located {
  const registry = ctx.services.devices;
  const info = infoOf(device, base, ctx);
  const exported = isExported(info, key);
  const handler = info.handler;
  if (handler && exported) {
    if (typeof handler === 'function') {
      return { fn: (b, r, o) => handler(key, b, r, o), owner: device, handler };
    }
    const norm = normalizeKey(key);
    if (!handler.excludes.some((k) => normalizeKey(k) === norm)) {
      return { fn: (b, r, o) => handler.func(key, b, r, o), owner: device, handler: handler.func };
    }
    return locate(registry.load(MESSAGE_DEVICE), base, key, ctx);
  }
  const own = exported ? keyFunction(device, key) : undefined;
  if (own) return { fn: own, owner: device };
  const fallback = info.default;
  if (fallback !== undefined && exported) {
    if (typeof fallback === 'function') {
      return { fn: (b, r, o) => fallback(key, b, r, o), owner: device, handler: fallback };
    }
    return locate(isDevice(fallback) ? fallback : registry.load(fallback), base, key, ctx);
  }
  const messageDevice = registry.load(MESSAGE_DEVICE);
  if (device === messageDevice) {
    throw new HbError('key_not_resolvable', `message@1.0 cannot resolve '${key}'`);
  }
  return locate(messageDevice, base, key, ctx);
}
