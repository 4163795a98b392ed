/**
 * An HTTP request as a singleton message (HyperBEAM's
 * hb_http:req_to_tabm_singleton). The `codec-device` header picks the codec
 * that reads it: `httpsig@1.0` (the default: headers plus body),
 * `ans104@1.0` (a signed data item as the body; also chosen by
 * `content-type: application/ans104`), or any other codec whose serialised
 * form is the body (`json@1.0`...). The codec registry does the reading.
 *
 * Every signature a request carries is verified, once, over the bytes
 * received: a forged one is refused (HyperBEAM only checks when
 * `force_signed_requests` is set, and then over its re-encoding of the
 * message). A signed request keeps only the keys its signatures cover.
 * `force_signed_requests` refuses unsigned requests. Then `method` and
 * `path` are added: the signed `path` if there is one, else the request's
 * target.
 */

import type { Received } from '../codecs/codec.ts';
import { committersOf, withOnlyCommitted } from '../codecs/commitments.ts';
import type { Binary } from '../core/binary.ts';
import { BadRequestError, CodecError, HbError, SignatureError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Context, MessageStore, RequestKeeping } from '../engine/context.ts';

/** The parts of an HTTP request the node reads. Header names are lower-case. */
export interface HttpRequest {
  method: string;
  /** The request target: path plus `?query`, as sent. */
  url: string;
  headers: Record<string, Binary>;
  body: Uint8Array;
}

const ANS104_TYPE = 'application/ans104';

/** Which codec reads the request. */
export function requestCodec(headers: Record<string, Binary>): string {
  const named = headers['codec-device'];
  if (typeof named === 'string' && named !== '') return named.toLowerCase();
  const type = headers['content-type'];
  if (typeof type === 'string' && type.split(';')[0]?.trim().toLowerCase() === ANS104_TYPE) {
    return 'ans104@1.0';
  }
  return 'httpsig@1.0';
}

/** The request target's path, for a signed `@path` the client sent no `path` header for. */
function targetPath(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

async function read(name: string, req: HttpRequest, ctx: Context): Promise<Received> {
  const codecs = ctx.services.codecs;
  if (!codecs.has(name)) {
    throw new BadRequestError('unknown_codec', `codec-device '${name}' is not a codec here`);
  }
  const codec = codecs.get(name);
  if (!codec.fromHttp && !codec.deserialize) {
    throw new BadRequestError(
      'no_byte_form',
      `codec-device '${name}' has no byte form: a request body cannot be read with it.`,
    );
  }
  try {
    return await codecs.fromHttp(name, {
      method: req.method,
      path: targetPath(req.url),
      headers: req.headers,
      body: req.body,
    });
  } catch (error) {
    if (error instanceof HbError) throw error;
    throw new CodecError('bad_request', `The request cannot be read as ${name}.`, {
      cause: error,
    });
  }
}

/** A request decoded and verified: the message as its client sent it, and the singleton to resolve. */
export interface DecodedRequest {
  /** The message as sent, reduced to what its signatures cover when it is signed. */
  message: Message;
  /** The message plus the request's `method` and `path`. */
  singleton: Message;
  /** The IDs of the commitments verified over the received bytes, once. */
  verified: readonly string[];
  /**
   * The signed request being stored (`store_all_signed`): on its own, once
   * the request's resolution has begun, unless what it resolves to holds the
   * message and takes the storing over (`keeping`); the reply waits for it.
   */
  stored?: Promise<unknown>;
  keeping?: RequestKeeping;
}

/**
 * A signed request's storing: its own write starts on the next turn of the
 * event loop, so a resolution that holds the message (a schedule, whose
 * assignment carries it) can take it over first and write it once.
 */
function keepRequest(message: Message, messages: MessageStore) {
  let hand: ((written: Promise<unknown>) => void) | undefined;
  const stored = new Promise<unknown>((resolve) => {
    hand = resolve;
  });
  stored.catch(() => undefined); // awaited by whoever replies
  const takeOver = () => {
    const taken = hand;
    hand = undefined;
    return taken;
  };
  setImmediate(() => takeOver()?.(messages.write(message)));
  return { stored, keeping: { message, takeOver } };
}

export async function decodeRequest(req: HttpRequest, ctx: Context): Promise<DecodedRequest> {
  const codec = requestCodec(req.headers);
  let { message: msg, verified } = await read(codec, req, ctx);
  const signed = committersOf(msg).length > 0;
  if (!signed && ctx.config.force_signed_requests === true) {
    throw new SignatureError('signature_required', 'This node only accepts signed requests.', {
      status: 401,
    });
  }
  if (signed && codec !== 'httpsig@1.0') msg = withOnlyCommitted(msg, ctx.services.codecs);
  const path = typeof msg.path === 'string' ? msg.path : req.url;
  const decoded = { message: msg, singleton: { ...msg, method: req.method, path }, verified };
  if (!signed || ctx.config.store_all_signed !== true) return decoded;
  return { ...decoded, ...keepRequest(msg, ctx.services.messages) };
}
