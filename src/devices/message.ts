/**
 * `message@1.0`: the default device. Any key reads the message's own value
 * (case-insensitively; private keys never); `set`, `set_path`, `remove`,
 * `keys`, `id`, `commit`, `committed`, `committers` and `verify` are built in.
 * Keys no other device answers land here.
 */
import { committedKeys, committersOf, verifyMessage } from '../codecs/commitments.ts';
import { messageToTabm } from '../codecs/structured.ts';
import { BadRequestError, NotFoundError } from '../core/errors.ts';
import {
  applySet,
  isMessage,
  isPrivateKey,
  type Message,
  NOT_FOUND,
  normalizeKey,
  normalizeKeys,
  omit,
  sortedKeys,
  type Value,
  valueEquals,
} from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, error, type KeyFunction, ok } from '../engine/device.ts';
import { messageId } from '../engine/ids.ts';
import { get, standardMessageDevices } from '../engine/resolver.ts';

/** Read a key: exact, then case-insensitive; private keys are never readable. */
export function getKey(key: string, msg: Message): Value | undefined {
  if (isPrivateKey(key)) return undefined;
  if (Object.hasOwn(msg, key)) return msg[key];
  const norm = normalizeKey(key);
  const normal = normalizeKeys(msg) as Message;
  return Object.hasOwn(normal, norm) ? normal[norm] : undefined;
}

export function publicKeys(msg: Message): string[] {
  return sortedKeys(msg).filter((k) => !isPrivateKey(k));
}

/** The message a commitment request acts on: the base, or the request's `target` key. */
async function target(base: Message, req: Message, ctx: Context): Promise<Message> {
  const name = req.target ?? 'self';
  if (name === 'self') return base;
  const value = (await get(String(name), req, ctx)) ?? req.body;
  if (!isMessage(value))
    throw new BadRequestError('bad_target', `target '${String(name)}' is not a message`);
  return value;
}

/** HyperBEAM's message match: equal once encoded, ignoring encoding-only keys. */
function sameContent(a: Message, b: Message): boolean {
  const ignore = ['commitments', 'content-type', 'body-keys', 'inline-body-key'];
  return valueEquals(messageToTabm(omit(a, ignore)), messageToTabm(omit(b, ignore)));
}

/**
 * message@1.0's `set` of `req`'s keys on `base` (both with normalised keys):
 * a copy, without its commitments if a committed key changed.
 */
export function messageSet(base: Message, req: Message, ctx: Context): Message {
  const merged: Message = { ...base };
  const toSet = applySet(merged, req);
  if (!isMessage(base.commitments)) return merged;
  // Setting what is there already (a process's own device on its path) changes nothing signed.
  const unchanged = (k: string) =>
    Object.hasOwn(merged, k) === Object.hasOwn(base, k) && Object.is(merged[k], base[k]);
  if (toSet.every(unchanged)) return merged;
  const overwritten = committedKeys(base, { committers: 'all' }, ctx.services.codecs).some((k) =>
    toSet.includes(normalizeKey(k)),
  );
  return overwritten && !sameContent(merged, base) ? omit(merged, ['commitments']) : merged;
}

const set: KeyFunction = (base, req, ctx) => ok(messageSet(base, req, ctx));

const setPath: KeyFunction = (base, req) => {
  if (req.value === undefined) throw new BadRequestError('no_value', 'set_path needs a value');
  return ok({ ...base, path: req.value });
};

export const messageDevice = defineDevice({
  name: 'message@1.0',
  default: (key, base) => {
    const value = getKey(key, base);
    return value === undefined ? error(NOT_FOUND) : ok(value);
  },
  keys: {
    keys: (base) => ok(publicKeys(base)),
    set,
    set_path: setPath,
    remove: (base, req) => {
      const items = req.item !== undefined ? [req.item] : req.items;
      if (!Array.isArray(items)) throw new BadRequestError('no_item', 'remove needs item or items');
      return ok(omit(base, items.map(String)));
    },
    id: (base, req) => ok(messageId(base, req)),
    committers: (base) => ok(committersOf(base)),
    committed: async (base, req, ctx) =>
      ok(committedKeys(await target(base, req, ctx), req, ctx.services.codecs)),
    commit: async (base, req, ctx) => {
      const msg = await target(base, req, ctx);
      const device =
        req['commitment-device'] ?? ctx.directives.commitmentDevice ?? ctx.config.commitment_device;
      const committer = ctx.services.codecs.committer(String(device));
      return ok(await committer.commit(msg, req, { wallet: ctx.services.wallet }));
    },
    verify: async (base, req, ctx) =>
      ok(await verifyMessage(await target(base, req, ctx), req, ctx.services.codecs)),
    info: (base) => {
      // HyperBEAM crashes on `info` here; we read the key if the message has one.
      const value = getKey('info', base);
      if (value === undefined) throw new NotFoundError('not_found', 'message@1.0 has no info key');
      return ok(value);
    },
  },
});

// The resolver's bulk `set` may apply this device's set, set_path and reads itself.
standardMessageDevices.add(messageDevice);
