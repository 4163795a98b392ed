/**
 * An HTTP request as a singleton message (HyperBEAM's
 * hb_http:req_to_tabm_singleton). The `codec-device` header picks how to read
 * it: `httpsig@1.0` (the default: headers plus body), `ans104@1.0` (a signed
 * data item as the body; also chosen by `content-type: application/ans104`),
 * or any other codec whose serialised form is the body (`json@1.0`...).
 *
 * Every signature a request carries is verified, once, over the bytes
 * received: a forged one is refused (HyperBEAM only checks when
 * `force_signed_requests` is set, and then over its re-encoding of the
 * message). A signed request keeps only the keys its signatures cover. `force_signed_requests`
 * refuses unsigned requests. Then `method` and `path` are added: the signed
 * `path` if there is one, else the request's target.
 */
import { isSigned, itemId, parseItem, verifyItem } from '../codecs/ans104/data-item.ts';
import { ans104Codec } from '../codecs/ans104/index.ts';
import { verifyMessage, withOnlyCommitted } from '../codecs/commitments.ts';
import { decodeHttp, type KeySource } from '../codecs/httpsig/decode.ts';
import { HMAC_ALG, type HttpFields, resetHmac } from '../codecs/httpsig/index.ts';
import {
  type ReceivedSignature,
  ReceivedSignatureError,
  verifyReceived,
} from '../codecs/httpsig/received.ts';
import {
  type CodecRegistry,
  codecs as defaultCodecs,
  schemes as defaultSchemes,
  type SchemeRegistry,
} from '../codecs/index.ts';
import { messageToTabm, parseAoTypes, tabmToMessage } from '../codecs/structured.ts';
import { type Binary, base64url, canonicalBinary } from '../core/binary.ts';
import { BadRequestError, CodecError, HbError } from '../core/errors.ts';
import { isMessage, type Message, put, type Value } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { commitmentsOf, committersOf } from '../engine/ids.ts';

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

/** A decoded request message and the commitments checked over its bytes. */
interface Decoded {
  msg: Message;
  verified: string[];
}

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

/**
 * Whether a signature covers a decoded key: a header it lists (and, for a
 * typed value, `ao-types` too), anything from the body when it covers
 * `content-digest`, ID keys when it covers `ao-ids`, and keys only
 * `ao-types` names (empty values) when it covers that.
 */
function covers(
  signature: ReceivedSignature,
  key: string,
  sources: Map<string, KeySource>,
  typed: Map<string, string>,
): boolean {
  const listed = (name: string) => signature.covers.includes(name);
  switch (sources.get(key)) {
    case 'body':
      return listed('content-digest');
    case 'ids':
      return listed('ao-ids');
    case 'header':
      return listed(key) && (!typed.has(key) || listed('ao-types'));
    default:
      return listed('ao-types');
  }
}

/**
 * An httpsig request: every signature is checked over the headers and body
 * bytes as received (never a re-encoding), and a signed request keeps
 * exactly the keys all its signatures cover, plus a recomputed HMAC.
 */
function decodeHttpsig(req: HttpRequest): Decoded {
  const fields: HttpFields = { ...req.headers };
  if (req.body.length > 0) fields.body = canonicalBinary(req.body);
  const signatures = verifyReceived({ fields, path: targetPath(req.url), method: req.method });
  const { tabm, sources } = decodeHttp(fields);
  const msg = tabmToMessage(tabm);
  if (signatures.length === 0) return { msg, verified: [] };
  const typed = parseAoTypes(req.headers['ao-types']);
  const kept: Message = {};
  for (const key of Object.keys(msg)) {
    if (key === 'commitments' || signatures.every((s) => covers(s, key, sources, typed))) {
      put(kept, key, msg[key] as Value);
    }
  }
  return {
    msg: tabmToMessage(resetHmac(messageToTabm(kept))),
    verified: signatures.map((s) => s.id),
  };
}

function decodeAns104(req: HttpRequest): Decoded {
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
  return { msg: tabmToMessage(ans104Codec.toTabm(item)), verified: [base64url(itemId(item))] };
}

function decodeWith(name: string, req: HttpRequest, codecs: CodecRegistry): Decoded {
  if (!codecs.has(name)) {
    throw new BadRequestError('unknown_codec', `codec-device '${name}' is not a codec here`);
  }
  const codec = codecs.get(name);
  if (!codec.deserialize) {
    throw new BadRequestError(
      'no_byte_form',
      `codec-device '${name}' has no byte form: a request body cannot be read with it.`,
    );
  }
  return {
    msg: tabmToMessage(codec.toTabm(codec.deserialize(canonicalBinary(req.body)))),
    verified: [],
  };
}

/**
 * Check every commitment that names a committer and was not verified over
 * the received bytes already (other codecs' commitments carried in the body).
 * Only a real signature can name one: an HMAC commitment claiming a committer
 * is a forgery.
 */
async function verifySigners(
  msg: Message,
  verified: readonly string[],
  schemes: SchemeRegistry,
  opts: Opts,
) {
  const signed = Object.entries(commitmentsOf(msg)).filter(
    ([id, c]) => isMessage(c) && c.committer !== undefined && !verified.includes(id),
  );
  for (const [id, c] of signed) {
    const commitment = c as Message;
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
  /** The IDs of the commitments verified over the received bytes, once. */
  verified: readonly string[];
}

/** Decode, verify and complete an HTTP request as the singleton to resolve. */
export async function requestToSingleton(req: HttpRequest, opts: Opts): Promise<Message> {
  return (await decodeRequest(req, opts)).singleton;
}

function decode(codec: string, req: HttpRequest, codecs: CodecRegistry): Decoded {
  try {
    if (codec === 'httpsig@1.0') return decodeHttpsig(req);
    if (codec === 'ans104@1.0') return decodeAns104(req);
    return decodeWith(codec, req, codecs);
  } catch (error) {
    if (error instanceof ReceivedSignatureError) {
      throw new SignatureError(error.code, error.message, { status: 400 });
    }
    if (error instanceof HbError) throw error;
    throw new CodecError('bad_request', `The request cannot be read as ${codec}.`, {
      cause: error,
    });
  }
}

export async function decodeRequest(req: HttpRequest, opts: Opts): Promise<DecodedRequest> {
  const codecs = opts.codecs ?? defaultCodecs;
  const schemes = opts.schemes ?? defaultSchemes;
  const codec = requestCodec(req.headers);
  let { msg, verified } = decode(codec, req, codecs);
  await verifySigners(msg, verified, schemes, opts);
  const signed = committersOf(msg).length > 0;
  if (!signed && opts.force_signed_requests === true) {
    throw new SignatureError('signature_required', 'This node only accepts signed requests.', {
      status: 401,
    });
  }
  if (signed && codec !== 'httpsig@1.0') msg = withOnlyCommitted(msg, schemes);
  if (signed && opts.store_all_signed === true) await opts.store?.write(msg);
  const path = typeof msg.path === 'string' ? msg.path : req.url;
  return { message: msg, singleton: { ...msg, method: req.method, path }, verified };
}
