/**
 * The codecs as devices: `structured@1.0`, `httpsig@1.0`, `ans104@1.0`,
 * `flat@1.0` and `json@1.0` (HyperBEAM's dev_codec_*). Each answers
 *   serialize      the base in the codec's byte form: {content-type, body}
 *   deserialize    the bytes at the request's `target` (default `body`) as a message
 *   content-type   the codec's MIME type
 *   commit, verify, committed   with the codec's commitments
 * so `/~meta@1.0/info/serialize~json@1.0` returns the node's options as JSON.
 * Codecs without commitments of their own commit with httpsig@1.0. The
 * codec itself is the node's (`ctx.services.codecs`), by name.
 */
import { committedKeys, verifyMessage } from '../codecs/commitments.ts';
import { builtinCodecs } from '../codecs/index.ts';
import { isBinary, toBytes } from '../core/binary.ts';
import { type Message, NOT_FOUND, omit } from '../core/message.ts';
import { type Device, defineDevice, error, fail, type KeyFunction, ok } from '../engine/device.ts';
import { getKey } from './message.ts';

/** The device for the codec named `name` in the node's codec registry. */
export function codecDevice(name: string): Device {
  const lower = name.toLowerCase();
  // The base's `device` is the codec itself when reached as `serialize~codec`: not content.
  const content = (base: Message) =>
    typeof base.device === 'string' && base.device.toLowerCase() === lower
      ? omit(base, ['device'])
      : base;
  const keys: Record<string, KeyFunction> = {
    'content-type': (_base, _req, ctx) => {
      const type = ctx.services.codecs.get(name).contentType;
      return type ? ok(type) : error(NOT_FOUND);
    },
    serialize: (base, _req, ctx) => {
      const codecs = ctx.services.codecs;
      return ok({
        'content-type': codecs.get(name).contentType ?? 'application/octet-stream',
        body: codecs.toBytes(name, content(base)),
      });
    },
    deserialize: (base, req, ctx) => {
      const target = typeof req.target === 'string' ? req.target : 'body';
      const payload = getKey(target, base);
      if (!isBinary(payload)) return fail(404, `No ${name} payload at '${target}'.`);
      return ok(ctx.services.codecs.fromBytes(name, toBytes(payload)));
    },
    commit: async (base, req, ctx) =>
      ok(
        await ctx.services.codecs
          .committer(name)
          .commit(content(base), req, { wallet: ctx.services.wallet }),
      ),
    verify: async (base, req, ctx) =>
      ok(await verifyMessage(content(base), req, ctx.services.codecs)),
    committed: (base, req, ctx) => ok(committedKeys(content(base), req, ctx.services.codecs)),
  };
  return defineDevice({ name, keys });
}

export const codecDevices: readonly Device[] = builtinCodecs.map((codec) =>
  codecDevice(codec.name),
);
