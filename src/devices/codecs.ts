/**
 * The codecs as devices: `structured@1.0`, `httpsig@1.0`, `ans104@1.0`,
 * `flat@1.0` and `json@1.0` (HyperBEAM's dev_codec_*). Each answers
 *   serialize      the base in the codec's byte form: {content-type, body}
 *   deserialize    the bytes at the request's `target` (default `body`) as a message
 *   content-type   the codec's MIME type
 *   commit, verify, committed   with the codec's commitment scheme
 * so `/~meta@1.0/info/serialize~json@1.0` returns the node's options as JSON.
 * Codecs without a commitment scheme of their own commit with httpsig@1.0.
 */
import { committedKeys, verifyMessage } from '../codecs/commitments.ts';
import { type Codec, codecs as defaultCodecs, schemes as defaultSchemes } from '../codecs/index.ts';
import { messageToTabm, tabmToMessage } from '../codecs/structured.ts';
import { isBinary, toBytes } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { type Message, NOT_FOUND, omit } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { type Device, defineDevice, error, type KeyFunction, ok } from '../engine/device.ts';
import { getKey } from './message.ts';

const schemesOf = (opts: Opts) => opts.schemes ?? defaultSchemes;

/** The codec's byte form of a message, if it has one. */
function encode(codec: Codec, msg: Message): Uint8Array {
  const wire = codec.fromTabm(messageToTabm(msg));
  const bytes = codec.serialize ? codec.serialize(wire) : wire;
  if (!isBinary(bytes)) throw new BadRequestError('no_wire_form', `${codec.name} has no byte form`);
  return toBytes(bytes);
}

function decode(codec: Codec, bytes: Uint8Array): Message {
  const wire = codec.deserialize ? codec.deserialize(bytes) : bytes;
  return tabmToMessage(codec.toTabm(wire));
}

export function codecDevice(codec: Codec, schemeDevice: string): Device {
  const type = codec.contentType ?? 'application/octet-stream';
  // The base's `device` is the codec itself when reached as `serialize~codec`: not content.
  const content = (base: Message) =>
    typeof base.device === 'string' && base.device.toLowerCase() === codec.name
      ? omit(base, ['device'])
      : base;
  const keys: Record<string, KeyFunction> = {
    'content-type': () => (codec.contentType ? ok(codec.contentType) : error(NOT_FOUND)),
    serialize: (base) => ok({ 'content-type': type, body: encode(codec, content(base)) }),
    deserialize: (base, req) => {
      const target = typeof req.target === 'string' ? req.target : 'body';
      const payload = getKey(target, base);
      if (!isBinary(payload)) {
        return error({ status: 404, body: `No ${codec.name} payload at '${target}'.` });
      }
      return ok(decode(codec, toBytes(payload)));
    },
    commit: async (base, req, opts) =>
      ok(await schemesOf(opts).get(schemeDevice).commit(content(base), req, opts)),
    verify: async (base, req, opts) =>
      ok(await verifyMessage(content(base), req, schemesOf(opts), opts)),
    committed: (base, req, opts) => ok(committedKeys(content(base), req, schemesOf(opts))),
  };
  return defineDevice({ name: codec.name, keys });
}

const ownScheme = new Set(['httpsig@1.0', 'ans104@1.0']);

export const codecDevices: readonly Device[] = defaultCodecs
  .names()
  .map((name) => codecDevice(defaultCodecs.get(name), ownScheme.has(name) ? name : 'httpsig@1.0'));
