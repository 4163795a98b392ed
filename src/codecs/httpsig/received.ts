/**
 * Checking an HTTP message's signatures over what was received: each
 * signature base is built from the header values as they arrived, and a
 * signed `content-digest` must be the digest of the body bytes as they
 * arrived. Nothing is re-encoded, so a client whose encoding differs from
 * ours (part header order, spacing) still verifies, and nothing it did not
 * sign can slip in. Derived components (`@path`, `@method`) read the header
 * of that name, as HyperBEAM does, else the request line.
 */
import { createHash } from 'node:crypto';
import { type Binary, base64url, canonicalBinary, sha256, toBytes } from '../../core/binary.ts';
import { CodecError, SignatureError } from '../../core/errors.ts';
import { type Message, own, put, type Value } from '../../core/message.ts';
import type { Received, ReceivedHttp } from '../codec.ts';
import { messageToTabm, parseAoTypes, tabmToMessage } from '../structured.ts';
import { type InnerList, parseDictionary } from '../structured-fields.ts';
import { keyidBytes, signatureAlgorithm, supportedAlgorithms } from './algorithms.ts';
import { decodeHttp, type KeySource } from './decode.ts';
import { FRAMING_HEADERS } from './encode.ts';
import { resetHmac } from './hmac.ts';
import { type HttpFields, itemText, signatureBase, stripAt } from './signature-base.ts';

/** A signature that verified over the received message. */
export interface ReceivedSignature {
  /** Its commitment ID: base64url(sha256(signature)). */
  id: string;
  label: string;
  alg: string;
  committer: string;
  /** The components it covers, `@` stripped. */
  covers: string[];
}

export interface ReceivedFields {
  /** Header fields as received (lower-case names), the body under `body`. */
  fields: HttpFields;
  /** The request line's path and method, for derived components with no header. */
  path?: string;
  method?: string;
}

/** Why a received signature is refused; the HTTP layer answers 400 with it. */
export class ReceivedSignatureError extends CodecError {
  override name = 'ReceivedSignatureError';
}

function param(list: InnerList, name: string): string | undefined {
  const value = list.params.find(([k]) => k === name)?.[1];
  if (!value || (value.type !== 'string' && value.type !== 'token')) return undefined;
  return typeof value.value === 'string'
    ? value.value
    : Buffer.from(value.value).toString('latin1');
}

const DIGESTS: Record<string, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** Whether a `content-digest` header holds the digest of `body` (every listed digest must match). */
export function digestMatches(header: Binary, body: Uint8Array): boolean {
  let members: ReturnType<typeof parseDictionary>;
  try {
    members = parseDictionary(header);
  } catch {
    return false;
  }
  let checked = 0;
  for (const [name, member] of members) {
    const alg = DIGESTS[name];
    if (!alg) continue;
    if (member.kind !== 'item' || member.value.type !== 'binary') return false;
    const expected = createHash(alg).update(body).digest();
    if (Buffer.compare(Buffer.from(member.value.value), expected) !== 0) return false;
    checked++;
  }
  return checked > 0;
}

/** The fields a signature base reads: the received headers plus the request line's. */
function baseFields(received: ReceivedFields): HttpFields {
  const { body: _body, ...headers } = received.fields;
  const fields: HttpFields = { ...headers };
  if (fields.path === undefined && received.path !== undefined) fields.path = received.path;
  if (fields.method === undefined && received.method !== undefined) fields.method = received.method;
  return fields;
}

/**
 * Verify every signature of a received message; throws if any does not
 * verify (a message is not partly signed). No signature headers: [].
 */
export function verifyReceived(received: ReceivedFields): ReceivedSignature[] {
  const { signature, 'signature-input': input } = received.fields;
  if (signature === undefined && input === undefined) return [];
  if (signature === undefined || input === undefined) {
    throw new ReceivedSignatureError(
      'bad_signature',
      'a signature needs a matching signature-input',
    );
  }
  const inputs = new Map(parseDictionary(input));
  const body =
    received.fields.body === undefined ? new Uint8Array() : toBytes(received.fields.body);
  const fields = baseFields(received);
  const out: ReceivedSignature[] = [];
  for (const [label, sig] of parseDictionary(signature)) {
    const list = inputs.get(label);
    if (list?.kind !== 'inner') {
      throw new ReceivedSignatureError('bad_signature_input', `no signature-input for '${label}'`);
    }
    if (sig.kind !== 'item' || sig.value.type !== 'binary') {
      throw new ReceivedSignatureError(
        'bad_signature',
        `signature '${label}' is not a byte sequence`,
      );
    }
    const alg = param(list, 'alg') ?? '';
    const algorithm = signatureAlgorithm(alg);
    if (!algorithm) {
      throw new ReceivedSignatureError(
        'unsupported_signature',
        `HTTP signatures with alg '${alg}' cannot be verified here (supported: ${supportedAlgorithms().join(', ')}).`,
      );
    }
    const key = keyidBytes(param(list, 'keyid') ?? '');
    if (!key) {
      throw new ReceivedSignatureError(
        'bad_signature_input',
        `signature '${label}' has no usable keyid`,
      );
    }
    const components = list.items.map(itemText);
    const covers = components.map((c) => stripAt(c).toLowerCase());
    if (covers.includes('content-digest')) {
      const digest = own(fields, 'content-digest');
      if (digest === undefined || !digestMatches(digest, body)) {
        throw new ReceivedSignatureError(
          'invalid_signature',
          'The request body does not match its signed content-digest.',
        );
      }
    }
    let base: Binary;
    try {
      base = signatureBase(components, list, fields);
    } catch {
      throw new ReceivedSignatureError(
        'invalid_signature',
        `The request's signature '${label}' covers a field the request does not have.`,
      );
    }
    const bytes = sig.value.value as Uint8Array;
    const committer = algorithm.address(key);
    if (!algorithm.verify(key, toBytes(base), bytes)) {
      throw new ReceivedSignatureError(
        'invalid_signature',
        `The request's signature by ${committer} does not verify.`,
      );
    }
    out.push({ id: base64url(sha256(bytes)), label, alg, committer, covers });
  }
  return out;
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
 * Leave out the connection's own fields (`host`, `content-length`...) that no
 * signature covers: a signed message would drop them after decoding anyway,
 * and then its HMAC would be worked out a second time without them.
 */
function withoutConnectionFields(
  fields: HttpFields,
  signatures: ReceivedSignature[],
  typed: Map<string, string>,
): void {
  for (const name of Object.keys(fields)) {
    if (
      (name === 'host' || FRAMING_HEADERS.has(name)) &&
      !typed.has(name) &&
      !signatures.some((s) => s.covers.includes(name))
    ) {
      delete fields[name];
    }
  }
}

/**
 * A received httpsig message: every signature is checked over the headers
 * and body bytes as received (never a re-encoding), and a signed message
 * keeps exactly the keys all its signatures cover, plus a recomputed HMAC.
 */
export function readReceived(http: ReceivedHttp): Received {
  const fields: HttpFields = { ...http.headers };
  if (http.body.length > 0) fields.body = canonicalBinary(http.body);
  let signatures: ReceivedSignature[];
  try {
    signatures = verifyReceived({ fields, path: http.path, method: http.method });
  } catch (error) {
    if (error instanceof ReceivedSignatureError) {
      throw new SignatureError(error.code, error.message);
    }
    throw error;
  }
  const typed = parseAoTypes(http.headers['ao-types']);
  if (signatures.length > 0) withoutConnectionFields(fields, signatures, typed);
  const { tabm, sources } = decodeHttp(fields);
  const msg = tabmToMessage(tabm);
  if (signatures.length === 0) return { message: msg, verified: [] };
  const kept: Message = {};
  const keys = Object.keys(msg);
  for (const key of keys) {
    if (key === 'commitments' || signatures.every((s) => covers(s, key, sources, typed))) {
      put(kept, key, msg[key] as Value);
    }
  }
  // All covered (the usual case): the HMAC decoding made is the one to keep.
  const whole = Object.keys(kept).length === keys.length;
  return {
    message: whole ? msg : tabmToMessage(resetHmac(messageToTabm(kept))),
    verified: signatures.map((s) => s.id),
  };
}
