/**
 * A result message as an HTTP response (HyperBEAM's hb_http:reply). The
 * codec is, in order: `require-codec` (a MIME type, as current aoconnect
 * sends it, also in the query), `accept-codec` (a codec name, header or
 * signed key), the `Accept` header (`application/json` -> `json@1.0`,
 * `device/<codec>`), else the node's `default_codec`.
 *   httpsig@1.0  keys become headers, `body` the body (multipart when needed)
 *   ans104@1.0   the body is the data item, signed by its signers
 *   others       the body is the codec's serialisation; scalar keys also as headers
 * The status is the message's `status`. CORS headers allow any origin.
 */

import type { CodecRegistry } from '../codecs/registry.ts';
import { toByteString } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { httpStatus } from '../node/status.ts';

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-expose-headers': '*',
};

/** `application/json` -> `json@1.0`, `device/x@1.0` -> `x@1.0`; undefined if none fits. */
export function mimeToCodec(accept: string, codecs: CodecRegistry): string | undefined {
  for (const range of accept.split(',')) {
    const mime = range.split(';')[0]?.trim().toLowerCase() ?? '';
    let name: string | undefined;
    if (mime.startsWith('application/')) {
      const sub = mime.slice('application/'.length);
      name = sub.includes('@') ? sub : `${sub}@1.0`;
    } else if (mime.startsWith('device/')) {
      name = mime.slice('device/'.length);
    }
    if (name && codecs.has(name)) return name;
  }
  return undefined;
}

function queryValue(path: unknown, key: string): string | undefined {
  if (typeof path !== 'string') return undefined;
  const query = path.split('?')[1];
  for (const pair of query?.split('&') ?? []) {
    const [k, v] = pair.split('=');
    if (k?.toLowerCase() !== key || v === undefined) continue;
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  return undefined;
}

/** The codec a reply to this request is written in. */
export function acceptCodec(singleton: Message, ctx: Context): string {
  const codecs = ctx.services.codecs;
  const required = singleton['require-codec'] ?? queryValue(singleton.path, 'require-codec');
  if (typeof required === 'string') {
    const codec = mimeToCodec(required, codecs) ?? (codecs.has(required) ? required : undefined);
    if (!codec) throw new BadRequestError('unknown_codec', `no codec for '${required}'`);
    return codec.toLowerCase();
  }
  const named = singleton['accept-codec'];
  if (typeof named === 'string') {
    if (!codecs.has(named)) throw new BadRequestError('unknown_codec', `no codec '${named}'`);
    return named.toLowerCase();
  }
  const accept = singleton.accept;
  return (typeof accept === 'string' && mimeToCodec(accept, codecs)) || ctx.config.default_codec;
}

/** Encode a result message in the chosen codec, with CORS headers. */
export function encodeReply(
  msg: Message,
  codec: string,
  ctx: Context,
  requestHeaders: Record<string, unknown> = {},
): HttpReply {
  const form = ctx.services.codecs.toHttp(codec, msg);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(form.headers)) headers[key] = toByteString(value);
  const body = form.body;
  const cors: Record<string, string> = { ...CORS_HEADERS };
  const asked = requestHeaders['access-control-request-headers'];
  if (typeof asked === 'string' && asked !== '') cors['access-control-allow-headers'] = asked;
  return { status: httpStatus(msg), headers: { ...cors, ...headers }, body };
}

/** A plain-text reply for failures outside resolution (bad framing, limits). */
export function textReply(status: number, text: string): HttpReply {
  return {
    status,
    headers: { ...CORS_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body: new TextEncoder().encode(text),
  };
}
