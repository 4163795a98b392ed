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
  applySet,
  describe,
  isDevice,
  isId,
  isMessage,
  isPrivateKey,
  listToMessage,
  type Message,
  messageToList,
  NOT_FOUND,
  normalizeKey,
  normalizeKeys,
  omit,
  own,
  type PathItem,
  privateOf,
  put,
  Resolve,
  sortedKeys,
  type Value,
  withPrivate,
} from '../core/message.ts';
import { firstKey, pathParts } from '../core/path.ts';
import { internalOpts, type Opts } from './context.ts';
import { type Device, error, type Handler, isResult, ok, type Result } from './device.ts';
import { messageId, nextHashpath } from './ids.ts';
import type { DeviceRegistry } from './registry.ts';
import { cacheSettings } from './result-cache.ts';

export const MESSAGE_DEVICE = 'message@1.0';

type Fn = (base: Message, req: Message, opts: Opts) => Promise<Result> | Result;

export function registryOf(opts: Opts): DeviceRegistry {
  if (!opts.devices) throw new HbError('no_devices', 'these options carry no device registry');
  return opts.devices;
}

// Entry points -------------------------------------------------------------------------

/** Resolve a request (a message, or a bare path) on a base. Multi-key paths are chained. */
export async function resolve(base: PathItem, request: Value, opts: Opts): Promise<Result> {
  const req: Message = isMessage(request) ? request : { path: request };
  const parts = pathParts(req.path);
  if (parts === undefined) throw new BadRequestError('empty_path', 'the request has no path');
  return resolveMany([base, ...parts.map((path) => ({ ...req, path }))], opts);
}

/** Resolve a list of messages: the first is the base, each next one a request on the last result. */
export async function resolveMany(items: PathItem[] | Message | As, opts: Opts): Promise<Result> {
  if (items instanceof As) return subresolve({}, items.device, items.msg, opts);
  if (!Array.isArray(items)) return resolveMany(messageToList(items), opts);
  if (items.length === 1) {
    const only = items[0] as PathItem;
    if (typeof only === 'string' && isId(only)) {
      const loaded = await opts.store?.read(only);
      return loaded ? ok(loaded) : error(NOT_FOUND);
    }
    if (only instanceof Resolve) return resolveMany(only.messages, opts);
    return ok(only);
  }
  if (items.length === 0) throw new BadRequestError('empty_path', 'there is nothing to resolve');
  let current = items[0] as PathItem;
  for (let i = 1; i < items.length; i++) {
    const result = await resolveStep(current, items[i] as PathItem, opts);
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
  opts: Opts,
  fallback?: Value,
): Promise<Value | undefined> {
  let base = msg;
  if (base instanceof As)
    base = await setKey(base.msg as Message, 'device', base.device as Value, internalOpts(opts));
  const result = await resolve(base, { path }, opts);
  return result.status === 'ok' ? result.body : fallback;
}

/** The keys of a message, as its device lists them. */
export async function keys(msg: Message, opts: Opts): Promise<string[]> {
  const list = await get('keys', msg, opts);
  if (list === undefined)
    throw new HbError('cannot_get_keys', `cannot list keys of ${describe(msg)}`);
  return messageToList(normalizeKeys(list as Value)).map((k) => normalizeKey(String(k)));
}

/** A bulk set gives the event loop a turn once it has run this long (ms). */
const YIELD_AFTER = 20;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What a bulk set may spend on keys it cannot apply itself, about a second of
 * work: a real resolution counts the keys of the message it runs on, and one
 * that runs a message@1.0 function over the whole message (a key such as
 * `id/1`, `keys/2` or `commit/x`: reads, hashes, signs it) counts them
 * `FUNCTION_WEIGHT` times. Beyond the budget the request is refused (413)
 * rather than holding the node.
 */
const SET_BUDGET = 2_000_000;
const FUNCTION_WEIGHT = 40;
const FUNCTION_COST = 20_000;

/**
 * Set every key of `changes` on `msg`, one at a time, through the message's
 * device (HyperBEAM's hb_ao:set/3). Steps that would only run message@1.0's
 * own set or reads are applied by a `Draft` in place, so setting n keys is
 * linear in n; the result is the same as one resolution per key.
 */
export async function set(msg: Message, changes: Message, opts: Opts): Promise<Message> {
  const internal = internalOpts(opts);
  const draft = new Draft(internal);
  let base = normalizeKeys(msg) as Message;
  let rest = omit(normalizeKeys(changes) as Message, ['hashpath', 'priv']);
  let turn = performance.now();
  const pace = async () => {
    if (performance.now() - turn < YIELD_AFTER) return;
    await yieldToEventLoop();
    turn = performance.now();
  };
  if (rest.device === undefined) {
    // Plain changes, with message@1.0's semantics: sorted public keys,
    // sub-resolutions evaluated.
    for (const key of sortedKeys(rest)) {
      if (isPrivateKey(key)) continue;
      await pace();
      base = await draft.setKey(base, key, await evaluated(rest[key] as Value, internal));
    }
    return base;
  }
  const device = draft.listsLikeMessage(rest);
  if (device) {
    // The changes' device lists, reads and removes keys as message@1.0 does:
    // walk its sorted public keys, reading each from the keys not yet set.
    const done = new Set<string>();
    for (const key of sortedKeys(rest)) {
      if (isPrivateKey(key)) continue;
      await pace();
      const value = await draft.get(key, rest, done, device);
      base = await draft.setKey(base, key, value ?? (rest[key] as Value));
      done.add(key);
    }
    return base;
  }
  let left = Object.keys(rest).length;
  for (;;) {
    draft.charge(left--);
    const [key] = await keys(rest, internal);
    if (key === undefined) return base;
    await pace();
    const value = (await get(key, rest, internal)) ?? (rest[key] as Value);
    base = await draft.setKey(base, key, value);
    rest = await remove(rest, key, internal);
  }
}

/** A sub-resolution's result (the sub-resolution itself if it failed); other values as they are. */
async function evaluated(value: Value, opts: Opts): Promise<Value> {
  if (!(value instanceof Resolve)) return value;
  const result = await resolveMany(value.messages, opts);
  return result.status === 'ok' ? result.body : value;
}

/** message@1.0 devices whose set, set_path, remove, keys and reads a `Draft` may apply itself. */
export const standardMessageDevices = new WeakSet<Device>();

/** A path part a `Draft` can set through: normalised, and not a prototype name. */
function plainPart(part: string): boolean {
  return part !== '__proto__' && normalizeKey(part) === part;
}

/**
 * The message a bulk `set` builds, key by key. Each key is applied as
 * `setKey` would: one `set` resolution on the base (`set_path` for `path`),
 * and for `a/b/c` a read of `a`, a set into its value, an explicit set of
 * `a`. When such a step would run message@1.0's own function (the base's
 * device leaves `set` or the read to it, no commitments to check, no step
 * hook to call), the draft applies it here instead, to messages it copied
 * and owns, in place: no copy of the whole message per key. Any other step
 * runs the real resolution on the message as it stands, and from then on the
 * draft owns nothing (the resolution may have kept what it was given).
 */
class Draft {
  /** Messages this draft made, and whether their keys are known to be normalised. */
  private owned = new WeakMap<Message, boolean>();
  private readonly inputs = new WeakMap<Message, Message>();
  /** Keys of the message being built (about), and the work spent on real resolutions. */
  private size = -1;
  private spent = 0;
  private readonly messageDevice: Device | undefined;
  private readonly opts: Opts;

  constructor(opts: Opts) {
    this.opts = opts;
    let device: Device | undefined;
    try {
      device = registryOf(opts).load(MESSAGE_DEVICE);
    } catch {
      device = undefined;
    }
    const usable = device && standardMessageDevices.has(device) && !opts.on_step;
    this.messageDevice = usable && !opts.force_message ? device : undefined;
  }

  setKey(msg: Message, key: string, value: Value): Promise<Message> {
    if (this.size < 0) this.size = Object.keys(msg).length;
    this.size++;
    return this.deepSet(
      msg,
      (pathParts(key) as string[] | undefined) ?? [],
      value,
    ) as Promise<Message>;
  }

  /**
   * The device the changes of a bulk `set` list, read and remove their keys
   * with, when it leaves all three to message@1.0; else undefined.
   */
  listsLikeMessage(changes: Message): Device | undefined {
    const md = this.messageDevice;
    if (!md) return undefined;
    try {
      const device = deviceOf(changes, registryOf(this.opts));
      if (device.info) return undefined;
      const runs = (key: string) => this.runs(device, changes, key);
      return runs('keys') && runs('remove') ? device : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * `get(key, omit(changes, done))`: each step that is message@1.0's read of
   * a message is done here; the rest of the path, from the first other step,
   * is resolved. `device` is the changes' device until its `device` key is done.
   */
  async get(
    key: string,
    changes: Message,
    done: Set<string>,
    device: Device,
  ): Promise<Value | undefined> {
    const parts = pathParts(key) as string[] | undefined;
    const md = this.messageDevice;
    if (!md || !parts || parts.length === 0) {
      this.charge(Object.keys(changes).length, true);
      return get(key, omit(changes, done), this.opts);
    }
    let current: Value = changes;
    for (const [i, part] of parts.entries()) {
      const first = i === 0;
      const view: Message | undefined = first
        ? changes
        : isMessage(current)
          ? this.inputView(current)
          : undefined;
      const reader: Device | undefined = first
        ? done.has('device')
          ? md
          : device
        : view && this.deviceOf(view);
      if (!view || !reader || !this.readsLikeMessage(view, part, reader)) {
        this.charge(first ? Object.keys(changes).length : 0, true);
        const from = first ? omit(changes, done) : current;
        const result = await resolveMany(
          [from, ...parts.slice(i).map((path) => ({ path }))],
          this.opts,
        );
        return result.status === 'ok' ? result.body : undefined;
      }
      const found: Value | undefined =
        isPrivateKey(part) || (first && done.has(part)) ? undefined : own(view, part);
      if (found === undefined) return undefined;
      if (found instanceof Resolve) {
        const result = await resolveMany(found.messages, this.opts);
        if (result.status !== 'ok') return undefined;
        current = result.body;
      } else current = found;
    }
    return current;
  }

  /** Whether reading `key` on `msg` (with `device`) is message@1.0's read. */
  private readsLikeMessage(msg: Message, key: string, device: Device): boolean {
    const md = this.messageDevice;
    if (!md || !plainPart(key)) return false;
    const located = this.locate(device, msg, key);
    return located?.owner === md && located.handler === md.default;
  }

  private async deepSet(msg: Value, path: string[], value: Value): Promise<Value> {
    const [head, ...rest] = path;
    if (head === undefined || !isMessage(msg) || !plainPart(head)) {
      return this.fallback(() => deepSet(msg, path, value, this.opts));
    }
    if (rest.length === 0) return this.deviceSet(msg, head, value, 'deep');
    const view = this.view(msg);
    const device = this.deviceOf(view);
    if (!device || !this.readsLikeMessage(view, head, device)) {
      const located = device && this.locate(device, view, head);
      const runsFunction = located?.owner === this.messageDevice && !located?.handler;
      return this.fallback(() => deepSet(msg, path, value, this.opts), runsFunction);
    }
    // message@1.0's read of a message whose keys are normalised.
    const current = isPrivateKey(head) ? undefined : own(view, head);
    if (current instanceof Resolve)
      return this.fallback(() => deepSet(msg, path, value, this.opts));
    if (current !== undefined) {
      return this.deviceSet(msg, head, await this.deepSet(current, rest, value), 'explicit');
    }
    // Not found: a copy of the message as it was, with a new message at `head`.
    let target = msg;
    if (!this.owned.has(msg)) {
      target = { ...msg };
      this.owned.set(target, normalizeKeys(msg) === msg);
    }
    put(target, head, await this.deepSet(this.fresh(), rest, value));
    return target;
  }

  private async deviceSet(
    msg: Message,
    key: string,
    value: Value,
    mode: 'deep' | 'explicit',
  ): Promise<Message> {
    const name = key === 'path' ? 'set_path' : 'set';
    const view = this.view(msg);
    const device = this.deviceOf(view);
    if (
      !device ||
      value === undefined ||
      !this.runs(device, view, name) ||
      (name === 'set' && isMessage(view.commitments))
    ) {
      return this.fallback(() => deviceSet(msg, key, value, mode, this.opts));
    }
    const target = this.adopt(msg, view);
    if (name === 'set_path') {
      target.path = value;
    } else {
      const req: Message = { path: 'set', [key]: value };
      if (mode === 'explicit') req['set-mode'] = 'explicit';
      applySet(target, req);
    }
    return target;
  }

  /** A message from the changes (never modified) with its keys normalised, once per message. */
  private inputView(msg: Message): Message {
    let view = this.inputs.get(msg);
    if (!view) {
      view = normalizeKeys(msg) as Message;
      this.inputs.set(msg, view);
    }
    return view;
  }

  /** The message as a resolution step sees it: its keys normalised. */
  private view(msg: Message): Message {
    return this.owned.get(msg) === true ? msg : (normalizeKeys(msg) as Message);
  }

  /** The normalised message, as a message this draft owns (a copy unless it already is). */
  private adopt(msg: Message, view: Message): Message {
    if (this.owned.get(msg) === true) return msg;
    const target = view === msg ? { ...view } : view;
    this.owned.set(target, true);
    return target;
  }

  private fresh(): Message {
    const msg: Message = {};
    this.owned.set(msg, true);
    return msg;
  }

  private fallback<T>(work: () => Promise<T>, runsFunction = false): Promise<T> {
    this.charge(0, runsFunction);
    this.owned = new WeakMap();
    return work();
  }

  /**
   * Count a real resolution over the message (and `extra` keys), weighted when
   * it runs a message@1.0 function on it; refuse beyond the budget.
   */
  charge(extra = 0, runsFunction = false): void {
    const keys = Math.max(this.size, 0) + extra;
    this.spent += runsFunction ? keys * FUNCTION_WEIGHT + FUNCTION_COST : keys;
    if (this.spent > SET_BUDGET) {
      throw new HbError(
        'set_too_costly',
        'The request sets too many keys that each need a resolution of their own over a ' +
          'large message (keys such as `id/1` or `commit/x` run message@1.0 functions).',
        { status: 413 },
      );
    }
  }

  private deviceOf(view: Message): Device | undefined {
    if (!this.messageDevice) return undefined;
    try {
      return deviceOf(view, registryOf(this.opts));
    } catch {
      return undefined;
    }
  }

  /** Whether resolving `key` on `view` with `device` runs message@1.0's own function for it. */
  private runs(device: Device, view: Message, key: string): boolean {
    const md = this.messageDevice;
    if (!md) return false;
    const located = this.locate(device, view, key);
    return located?.owner === md && located.fn === keyFunction(md, key);
  }

  /** Where `key` goes on `view`, unless the step would be volatile (or the lookup fails). */
  private locate(device: Device, view: Message, key: string): Located | undefined {
    try {
      const info = infoOf(device, view, this.opts);
      const norm = normalizeKey(key);
      if (privateOf(view).volatile === true) return undefined;
      if (info.volatile?.some((k) => normalizeKey(k) === norm)) return undefined;
      return locate(device, view, key, this.opts);
    } catch {
      return undefined;
    }
  }
}

/** Set one key; a key with `/` sets a nested value, creating messages on the way. */
export async function setKey(msg: Value, key: string, value: Value, opts: Opts): Promise<Message> {
  return (await deepSet(msg, (pathParts(key) as string[]) ?? [], value, opts)) as Message;
}

async function deepSet(msg: Value, path: string[], value: Value, opts: Opts): Promise<Value> {
  if (path.length === 0) {
    return isMessage(msg) || Array.isArray(msg) ? deviceSet(msg, '/', value, 'deep', opts) : value;
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return deviceSet(msg, head, value, 'deep', opts);
  const current = await resolve(msg, head, opts);
  if (current.status === 'ok') {
    return deviceSet(msg, head, await deepSet(current.body, rest, value, opts), 'explicit', opts);
  }
  const out: Message = { ...(msg as Message) };
  out[head] = await deepSet({}, rest, value, opts);
  return out;
}

async function deviceSet(
  msg: Value,
  key: string,
  value: Value,
  mode: string,
  opts: Opts,
): Promise<Message> {
  let req: Message;
  if (key === 'path') req = { path: 'set_path', value };
  else if (key === '/' && isMessage(value)) req = { ...value, path: 'set' };
  else req = { path: 'set', [key]: value };
  if (mode === 'explicit') req['set-mode'] = 'explicit';
  const result = await resolve(msg, req, internalOpts(opts));
  if (result.status !== 'ok' || !isMessage(result.body)) {
    // A path through a value that is not a message (`a/b` where `a` is text)
    // cannot go on: the request asked for it (422). A device's failing set is a 500.
    const inside = isMessage(msg) || Array.isArray(msg);
    const text = inside
      ? `could not set '${key}' on ${describe(msg)}`
      : `could not set '${key}' on ${describe(msg)}: it is not a message`;
    throw new DeviceError('set_failed', text, {
      status: inside ? 500 : 422,
      details: { status: result.status },
    });
  }
  return result.body;
}

/** Remove a key through the message's device. */
export async function remove(msg: Message, key: string, opts: Opts): Promise<Message> {
  const result = await resolve(msg, { path: 'remove', item: key }, internalOpts(opts));
  if (result.status !== 'ok' || !isMessage(result.body)) {
    throw new DeviceError('remove_failed', `could not remove '${key}' from ${describe(msg)}`);
  }
  return result.body;
}

/** Load a message by ID from the store, or fail with 404. */
export async function load(id: string, opts: Opts): Promise<Message> {
  const msg = await opts.store?.read(id);
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
  opts: Opts,
): Promise<Result> {
  const req: Message = isMessage(rawReq) ? rawReq : { path: rawReq };
  let msg: Value = typeof base === 'string' && isId(base) ? await load(base, opts) : base;
  if (device !== undefined) {
    msg = await setKey(msg, 'device', await deviceValue(device, opts), deviceOpts(opts));
  }
  if (pathParts(req.path) === undefined) {
    const changes = omit(req, ['path']);
    if (Object.keys(changes).length > 0) {
      msg = await set(msg as Message, changes, { ...opts, force_message: false });
    }
    return ok(msg);
  }
  return resolve(msg, req, opts);
}

/** A device reference; a `(...)` sub-path in device position is resolved first. */
async function deviceValue(device: Value, opts: Opts): Promise<Value> {
  if (!(device instanceof Resolve)) return device;
  const result = await resolveMany(device.messages, opts);
  if (result.status !== 'ok') throw new BadRequestError('bad_device', 'the device sub-path failed');
  return result.body;
}

// One step --------------------------------------------------------------------------------

/** Stage 1: normalise the pair until base and request are plain messages. */
async function resolveStep(rawBase: PathItem, rawReq: PathItem, opts: Opts): Promise<Result> {
  let base = rawBase;
  let req = rawReq;
  for (;;) {
    if (base instanceof As) {
      const device = await deviceValue(base.device as Value, opts);
      const inner = base.msg;
      if (typeof inner === 'string' && isId(inner)) {
        base = new As(device as string, { path: inner });
        continue;
      }
      if (isMessage(inner) && typeof inner.path === 'string' && isId(inner.path)) {
        const loaded = await load(inner.path, opts);
        base = await setKey({ ...loaded, ...omit(inner, ['path']) }, 'device', device, opts);
        continue;
      }
      const sub = await subresolve({}, device, inner, opts);
      if (sub.status !== 'ok') return sub;
      base = sub.body;
      continue;
    }
    if (isMessage(req) && req.path instanceof As) {
      const { device, msg } = req.path;
      const merged: Message = { ...req, ...(isMessage(msg) ? msg : { path: msg }) };
      if (merged.path instanceof As) delete merged.path;
      return subresolve(base, device as Value, merged, opts);
    }
    if (base instanceof Resolve) {
      const sub = await resolveMany(base.messages, opts);
      if (sub.status !== 'ok') return sub;
      base = sub.body;
      continue;
    }
    if (req instanceof Resolve) {
      // A literal result becomes the key of this step: `/base/(/computed/key)`.
      const sub = await resolveMany(req.messages, { ...opts, force_message: false });
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
    const loaded = await opts.store?.read(base);
    if (!loaded) return error({ status: 404, body: 'Necessary messages not found in cache.' });
    base = loaded;
  }
  if (!isMessage(base)) return error(NOT_FOUND);
  return execute(normalizeKeys(base) as Message, normalizeKeys(req) as Message, opts);
}

/** In-flight executions by group, per node (registry). */
const inflight = new WeakMap<
  DeviceRegistry,
  Map<string, { request: string; result: Promise<Result> }>
>();
const CHAIN = Symbol('resolution chain');

/** Stages 2-10 for a normalised base and request. */
async function execute(base: Message, req: Message, opts: Opts): Promise<Result> {
  const key = firstKey(req.path);
  if (typeof key !== 'string')
    throw new BadRequestError('no_path', 'the request has no key to resolve');
  const registry = registryOf(opts);
  let hashpath: string | undefined;
  const hashpathOf = () => {
    hashpath ??= nextHashpath(base, req, key);
    return hashpath;
  };

  // 2. Result cache: not for keys whose device declares them volatile, nor for
  // anything computed from such a result (it is marked, so later steps know).
  const device = deviceOf(base, registry);
  const info = infoOf(device, base, opts);
  const volatile =
    privateOf(base).volatile === true ||
    (info.volatile?.some((k) => normalizeKey(k) === normalizeKey(key)) ?? false);
  const settings = volatile
    ? { lookup: false, store: false, onlyIfCached: false }
    : cacheSettings(opts, base, req);
  const cacheKey = () => hashpathOf();
  if (settings.lookup && opts.cache) {
    const hit = await opts.cache.read(cacheKey());
    if (hit) return opts.force_message ? hit : unwrapLiteral(hit);
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
    opts.await_inprogress === false
      ? undefined
      : (info.grouper?.(base, req, opts) ??
        (opts.await_inprogress === true
          ? `${messageId(omit(base, ['priv']))}/${messageId(omit(req, ['priv']))}`
          : undefined));
  if (group === undefined)
    return run(
      base,
      req,
      key,
      device,
      opts,
      hashpathOf,
      settings.store ? cacheKey : undefined,
      volatile,
    );

  const chain =
    ((opts as Record<symbol, unknown>)[CHAIN] as Set<string> | undefined) ?? new Set<string>();
  if (chain.has(group) && !opts.allow_infinite) {
    return error({ status: 508, body: 'Request creates infinite recursion.' });
  }
  let table = inflight.get(registry);
  if (!table) {
    table = new Map();
    inflight.set(registry, table);
  }
  // One execution per group at a time: an identical request shares the running
  // one's result; a different request waits for it to finish, then runs.
  const request = messageId(omit(req, ['priv']));
  for (let running = table.get(group); running && !chain.has(group); running = table.get(group)) {
    if (running.request === request) return running.result;
    await running.result.catch(() => undefined);
  }
  const innerOpts = { ...opts, [CHAIN]: new Set([...chain, group]) };
  const cacheWrite = settings.store ? cacheKey : undefined;
  const entry = {
    request,
    result: run(base, req, key, device, innerOpts, hashpathOf, cacheWrite, volatile),
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
  opts: Opts,
  hashpathOf: () => string,
  cacheKey: (() => string) | undefined,
  volatile: boolean,
): Promise<Result> {
  // 5-6. Find the function and execute it.
  const fn = findFunction(device, base, key, opts);
  let result: Result;
  try {
    const returned = await fn(base, req, deviceOpts(opts));
    if (!isResult(returned) || returned.body === undefined) {
      throw new DeviceError('bad_result', `device returned no result for key '${key}'`);
    }
    result = returned;
  } catch (err) {
    if (opts.error_strategy === undefined || opts.error_strategy === 'throw') throw err;
    const e = toHbError(err);
    result = error({ status: e.status, body: e.message });
  }
  if (opts.force_message) result = forceMessage(result);

  // 7. Step hook.
  if (opts.on_step) result = await opts.on_step({ base, request: req, result }, opts);

  // 8. A `{resolve, ...}` result is evaluated now.
  if (result.status === 'ok' && result.body instanceof Resolve) {
    result = await resolveMany(result.body.messages, opts);
  }

  // 9. Hashpath: link the result to how it was made.
  const body = result.body;
  if (isMessage(body)) {
    const priv = privateOf(body);
    if (result.status !== 'ok') {
      if ('hashpath' in priv)
        result = { ...result, body: withPrivate(body, omit(priv, ['hashpath'])) };
    } else if (opts.hashpath === undefined || opts.hashpath === 'update') {
      result = ok({ ...body, priv: { ...priv, hashpath: hashpathOf() } });
    } else if (opts.hashpath === 'reset' && 'hashpath' in priv) {
      result = ok(withPrivate(body, omit(priv, ['hashpath'])));
    }
    if (volatile && result.status === 'ok' && isMessage(result.body)) {
      result = ok(withPrivate(result.body, { ...privateOf(result.body), volatile: true }));
    }
  }

  // 10. Result cache.
  if (cacheKey && opts.cache && result.status === 'ok') {
    const settings = cacheSettings(opts, result.body, req);
    if (settings.store) await opts.cache.write(cacheKey(), cacheable(result, cacheKey()));
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

/** Options handed to devices: the per-chain directives do not leak into their own calls. */
function deviceOpts(opts: Opts): Opts {
  if (opts.force_message === undefined && opts.cache_control === undefined) return opts;
  const { force_message: _f, cache_control: _c, ...rest } = opts;
  return rest;
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

function infoOf(device: Device, base: Message, opts: Opts): Device {
  return device.info ? { ...device, ...device.info(base, opts) } : device;
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
interface Located {
  fn: Fn;
  owner: Device;
  handler?: Handler;
}

/** Which function answers `key` on `base` (HyperBEAM's message_to_fun). */
export function findFunction(device: Device, base: Message, key: string, opts: Opts): Fn {
  return locate(device, base, key, opts).fn;
}

function locate(device: Device, base: Message, key: string, opts: Opts): Located {
  const registry = registryOf(opts);
  const info = infoOf(device, base, opts);
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
    return locate(registry.load(MESSAGE_DEVICE), base, key, opts);
  }
  const own = exported ? keyFunction(device, key) : undefined;
  if (own) return { fn: own, owner: device };
  const fallback = info.default;
  if (fallback !== undefined && exported) {
    if (typeof fallback === 'function') {
      return { fn: (b, r, o) => fallback(key, b, r, o), owner: device, handler: fallback };
    }
    return locate(isDevice(fallback) ? fallback : registry.load(fallback), base, key, opts);
  }
  const messageDevice = registry.load(MESSAGE_DEVICE);
  if (device === messageDevice) {
    throw new HbError('key_not_resolvable', `message@1.0 cannot resolve '${key}'`);
  }
  return locate(messageDevice, base, key, opts);
}
