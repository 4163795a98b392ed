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

import { serializeItem } from '../codecs/ans104/data-item.ts';
import { tabmToItem } from '../codecs/ans104/index.ts';
import { tabmToHttp } from '../codecs/httpsig/index.ts';
import { type CodecRegistry, codecs as defaultCodecs } from '../codecs/index.ts';
import { messageToTabm } from '../codecs/structured.ts';
import { type Binary, isBinary, toByteString, toBytes } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { httpStatus } from '../node/status.ts';

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-expose-headers': '*',
};

function codecsOf(opts: Opts): CodecRegistry {
  return opts.codecs ?? defaultCodecs;
}

function defaultCodec(opts: Opts): string {
  return typeof opts.default_codec === 'string' ? opts.default_codec : 'httpsig@1.0';
}

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
export function acceptCodec(singleton: Message, opts: Opts): string {
  const codecs = codecsOf(opts);
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
  return (typeof accept === 'string' && mimeToCodec(accept, codecs)) || defaultCodec(opts);
}

function headerText(value: Binary): string {
  return toByteString(value);
}

function encodeHttpsig(msg: Message): [Record<string, string>, Uint8Array] {
  const { body, ...fields } = tabmToHttp(messageToTabm(msg), { transport: true });
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) headers[key] = headerText(value);
  return [headers, body === undefined ? new Uint8Array() : toBytes(body)];
}

/** Scalar top-level keys, as headers (HyperBEAM sends them beside a serialised body). */
function scalarHeaders(msg: Message): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(messageToTabm(msg))) {
    if (key === 'body' || key === 'commitments' || !isBinary(value)) continue;
    const text = headerText(value);
    if (HEADER_NAME.test(key) && HEADER_VALUE.test(text) && text.length <= 4096) {
      headers[key] = text;
    }
  }
  return headers;
}

function encodeWith(
  codecName: string,
  msg: Message,
  opts: Opts,
): [Record<string, string>, Uint8Array] {
  if (codecName === 'httpsig@1.0') return encodeHttpsig(msg);
  const codecs = codecsOf(opts);
  const codec = codecs.get(codecName);
  const base = { 'codec-device': codec.name };
  if (codecName === 'ans104@1.0') {
    const item = tabmToItem(messageToTabm(msg));
    return [{ ...base, 'content-type': 'application/ans104' }, serializeItem(item)];
  }
  const wire = codec.fromTabm(messageToTabm(msg));
  const bytes = codec.serialize ? codec.serialize(wire) : wire;
  if (!isBinary(bytes)) {
    throw new BadRequestError('no_wire_form', `${codec.name} has no byte form to reply with`);
  }
  const type = codec.contentType ?? 'application/octet-stream';
  return [{ ...scalarHeaders(msg), ...base, 'content-type': type }, toBytes(bytes)];
}

/** Encode a result message in the chosen codec, with CORS headers. */
export function encodeReply(
  msg: Message,
  codec: string,
  opts: Opts,
  requestHeaders: Record<string, unknown> = {},
): HttpReply {
  const [headers, body] = encodeWith(codec, msg, opts);
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
