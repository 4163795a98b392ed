/**
 * Setting keys through a message's device (HyperBEAM's hb_ao:set/3):
 * `setKey` for one key (`a/b/c` nests), `set` for many, `remove`. A bulk
 * set applies the steps that would only run message@1.0's own functions in
 * place (a `Draft`), so setting n keys is linear in n.
 */
import { DeviceError, HbError } from '../core/errors.ts';
import {
  applySet,
  describe,
  isMessage,
  isPrivateKey,
  type Message,
  normalizeKey,
  normalizeKeys,
  omit,
  own,
  put,
  Resolve,
  sortedKeys,
  type Value,
} from '../core/message.ts';
import { pathParts } from '../core/path.ts';
import { type Context, internal } from './context.ts';
import type { Device } from './device.ts';
import {
  deviceOf,
  get,
  infoOf,
  keyFunction,
  keys,
  type Located,
  locate,
  MESSAGE_DEVICE,
  resolve,
  resolveMany,
  uncachedBecause,
} from './resolver.ts';

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
export async function set(msg: Message, changes: Message, ctx: Context): Promise<Message> {
  const quiet = internal(ctx);
  const draft = new Draft(quiet);
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
      base = await draft.setKey(base, key, await evaluated(rest[key] as Value, quiet));
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
    const [key] = await keys(rest, quiet);
    if (key === undefined) return base;
    await pace();
    const value = (await get(key, rest, quiet)) ?? (rest[key] as Value);
    base = await draft.setKey(base, key, value);
    rest = await remove(rest, key, quiet);
  }
}

/** A sub-resolution's result (the sub-resolution itself if it failed); other values as they are. */
async function evaluated(value: Value, ctx: Context): Promise<Value> {
  if (!(value instanceof Resolve)) return value;
  const result = await resolveMany(value.messages, ctx);
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
  private readonly ctx: Context;

  constructor(ctx: Context) {
    this.ctx = ctx;
    let device: Device | undefined;
    try {
      device = ctx.services.devices.load(MESSAGE_DEVICE);
    } catch {
      device = undefined;
    }
    const usable = device && standardMessageDevices.has(device) && !ctx.directives.onStep;
    this.messageDevice = usable && !ctx.directives.forceMessage ? device : undefined;
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
      const device = deviceOf(changes, this.ctx.services.devices);
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
      return get(key, omit(changes, done), this.ctx);
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
          this.ctx,
        );
        return result.status === 'ok' ? result.body : undefined;
      }
      const found: Value | undefined =
        isPrivateKey(part) || (first && done.has(part)) ? undefined : own(view, part);
      if (found === undefined) return undefined;
      if (found instanceof Resolve) {
        const result = await resolveMany(found.messages, this.ctx);
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
      return this.fallback(() => deepSet(msg, path, value, this.ctx));
    }
    if (rest.length === 0) return this.deviceSet(msg, head, value, 'deep');
    const view = this.view(msg);
    const device = this.deviceOf(view);
    if (!device || !this.readsLikeMessage(view, head, device)) {
      const located = device && this.locate(device, view, head);
      const runsFunction = located?.owner === this.messageDevice && !located?.handler;
      return this.fallback(() => deepSet(msg, path, value, this.ctx), runsFunction);
    }
    // message@1.0's read of a message whose keys are normalised.
    const current = isPrivateKey(head) ? undefined : own(view, head);
    if (current instanceof Resolve) return this.fallback(() => deepSet(msg, path, value, this.ctx));
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
      return this.fallback(() => deviceSet(msg, key, value, mode, this.ctx));
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
      return deviceOf(view, this.ctx.services.devices);
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
      const info = infoOf(device, view, this.ctx);
      const norm = normalizeKey(key);
      if (uncachedBecause(info, view, norm)) return undefined;
      return locate(device, view, key, this.ctx);
    } catch {
      return undefined;
    }
  }
}

/** Set one key; a key with `/` sets a nested value, creating messages on the way. */
export async function setKey(
  msg: Value,
  key: string,
  value: Value,
  ctx: Context,
): Promise<Message> {
  return (await deepSet(msg, (pathParts(key) as string[]) ?? [], value, ctx)) as Message;
}

async function deepSet(msg: Value, path: string[], value: Value, ctx: Context): Promise<Value> {
  if (path.length === 0) {
    return isMessage(msg) || Array.isArray(msg) ? deviceSet(msg, '/', value, 'deep', ctx) : value;
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return deviceSet(msg, head, value, 'deep', ctx);
  const current = await resolve(msg, head, ctx);
  if (current.status === 'ok') {
    return deviceSet(msg, head, await deepSet(current.body, rest, value, ctx), 'explicit', ctx);
  }
  const out: Message = { ...(msg as Message) };
  out[head] = await deepSet({}, rest, value, ctx);
  return out;
}

async function deviceSet(
  msg: Value,
  key: string,
  value: Value,
  mode: string,
  ctx: Context,
): Promise<Message> {
  let req: Message;
  if (key === 'path') req = { path: 'set_path', value };
  else if (key === '/' && isMessage(value)) req = { ...value, path: 'set' };
  else req = { path: 'set', [key]: value };
  if (mode === 'explicit') req['set-mode'] = 'explicit';
  const result = await resolve(msg, req, internal(ctx));
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
export async function remove(msg: Message, key: string, ctx: Context): Promise<Message> {
  const result = await resolve(msg, { path: 'remove', item: key }, internal(ctx));
  if (result.status !== 'ok' || !isMessage(result.body)) {
    throw new DeviceError('remove_failed', `could not remove '${key}' from ${describe(msg)}`);
  }
  return result.body;
}
