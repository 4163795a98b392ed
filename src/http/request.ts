/**
 * An HTTP request as a singleton message (HyperBEAM's
 * hb_http:req_to_tabm_singleton). The `codec-device` header picks how to read
 * it: `httpsig@1.0` (the default: headers plus body), `ans104@1.0` (a signed
 * data item as the body; also chosen by `content-type: application/ans104`),
 * or any other codec whose serialised form is the body (`json@1.0`...).
 *
 * Every signature a request carries is verified: a forged one is refused
 * (HyperBEAM only checks when `force_signed_requests` is set). A signed
 * request keeps only the keys its signatures cover. `force_signed_requests`
 * refuses unsigned requests. Then `method` and `path` are added: the signed
 * `path` if there is one, else the request's target.
 */
import { isSigned, parseItem, verifyItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { verifyMessage, withOnlyCommitted } from '../codecs/commitments.ts';
import { RSA_ALG } from '../codecs/httpsig/commit.ts';
import { HMAC_ALG, HTTPSIG, httpToTabm, resetHmac } from '../codecs/httpsig/index.ts';
import {
  type CodecRegistry,
  codecs as defaultCodecs,
  schemes as defaultSchemes,
  type SchemeRegistry,
} from '../codecs/index.ts';
import { messageToTabm, tabmToMessage } from '../codecs/structured.ts';
import { type Binary, canonicalBinary } from '../core/binary.ts';
import { BadRequestError, CodecError, HbError } from '../core/errors.ts';
import { commitmentsOf, committersOf } from '../core/ids.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { Opts } from '../core/opts.ts';

/** The parts of an HTTP request the node reads. Header names are lower-case. */
export interface HttpRequest {
  method: string;
  /** The request target: path plus `?query`, as sent. */
  url: string;
  headers: Record<string, Binary>;
  body: Uint8Array;
}

export class SignatureError extends HbError {
  override name = 'SignatureError';
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

function decodeHttpsig(req: HttpRequest): Message {
  const fields: Record<string, Binary> = { ...req.headers };
  if (req.body.length > 0) fields.body = canonicalBinary(req.body);
  return tabmToMessage(httpToTabm(fields));
}

function decodeAns104(req: HttpRequest): Message {
  const item = parseItem(req.body);
  if (!isSigned(item)) {
    throw new SignatureError('unsigned_item', 'ANS-104 data items must be signed.', {
      status: 400,
    });
  }
  if (!verifyItem(item)) {
    throw new SignatureError('invalid_signature', 'The ANS-104 data item does not verify.', {
      status: 400,
    });
  }
  return tabmToMessage(ans104Codec.toTabm(item));
}

function decodeWith(name: string, req: HttpRequest, codecs: CodecRegistry): Message {
  if (!codecs.has(name)) {
    throw new BadRequestError('unknown_codec', `codec-device '${name}' is not a codec here`);
  }
  const codec = codecs.get(name);
  const wire = codec.deserialize ? codec.deserialize(canonicalBinary(req.body)) : req.body;
  return tabmToMessage(codec.toTabm(wire));
}

/**
 * Check every commitment that names a committer. Only a real signature can
 * name one: an HMAC commitment claiming a committer is a forgery.
 */
async function verifySigners(msg: Message, schemes: SchemeRegistry, opts: Opts) {
  const signed = Object.entries(commitmentsOf(msg)).filter(
    ([, c]) => isMessage(c) && c.committer !== undefined,
  );
  for (const [id, c] of signed) {
    const commitment = c as Message;
    const httpsig = commitment['commitment-device'] === HTTPSIG;
    if (httpsig && commitment.alg !== RSA_ALG && commitment.alg !== HMAC_ALG) {
      throw new SignatureError(
        'unsupported_signature',
        `HTTP signatures with alg '${String(commitment.alg)}' cannot be verified here (only ${RSA_ALG}); send an ANS-104 item instead.`,
        { status: 400 },
      );
    }
    const forged =
      commitment.alg === HMAC_ALG ||
      !(await verifyMessage(msg, { commitments: [id] }, schemes, opts));
    if (forged) {
      throw new SignatureError(
        'invalid_signature',
        `The request's signature by ${String(commitment.committer)} does not verify.`,
        { status: 400 },
      );
    }
  }
}

/** A request decoded and verified: the message as its client sent it, and the singleton to resolve. */
export interface DecodedRequest {
  /** The message as sent, reduced to what its signatures cover when it is signed. */
  message: Message;
  /** The message plus the request's `method` and `path`. */
  singleton: Message;
}

/** Decode, verify and complete an HTTP request as the singleton to resolve. */
export async function requestToSingleton(req: HttpRequest, opts: Opts): Promise<Message> {
  return (await decodeRequest(req, opts)).singleton;
}

export async function decodeRequest(req: HttpRequest, opts: Opts): Promise<DecodedRequest> {
  const codecs = opts.codecs ?? defaultCodecs;
  const schemes = opts.schemes ?? defaultSchemes;
  const codec = requestCodec(req.headers);
  let msg: Message;
  try {
    msg =
      codec === 'httpsig@1.0'
        ? decodeHttpsig(req)
        : codec === 'ans104@1.0'
          ? decodeAns104(req)
          : decodeWith(codec, req, codecs);
  } catch (error) {
    if (error instanceof HbError) throw error;
    throw new CodecError('bad_request', `The request cannot be read as ${codec}.`, {
      cause: error,
    });
  }
  await verifySigners(msg, schemes, opts);
  const signed = committersOf(msg).length > 0;
  if (!signed && opts.force_signed_requests === true) {
    throw new SignatureError('signature_required', 'This node only accepts signed requests.', {
      status: 401,
    });
  }
  if (signed) {
    msg = withOnlyCommitted(msg, schemes);
    // HTTP signatures get their HMAC commitment recomputed (HyperBEAM's reset_hmac).
    if (codec === 'httpsig@1.0') msg = tabmToMessage(resetHmac(messageToTabm(msg)));
    if (opts.store_all_signed === true) await opts.store?.write(msg);
  }
  const path = typeof msg.path === 'string' ? msg.path : req.url;
  return { message: msg, singleton: { ...msg, method: req.method, path } };
}
