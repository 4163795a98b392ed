/**
 * httpsig@1.0 encoding: TABM -> HTTP fields (headers plus `body`).
 *
 * Binaries up to 4 KiB become headers; larger ones, nested messages, and the
 * inline body key (`body`, or `data`, or what `inline-body-key` names) go to
 * the body. A body that is a single binary is sent raw; anything else becomes
 * a multipart body whose parts are named by flat paths (`nested/deep`).
 * ID-shaped keys cannot be headers (headers are lower-cased), so they travel
 * together in an `ao-ids` dictionary that keeps their case.
 */
import { type Binary, byteLength, isBinary, toByteString } from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { isId, isMessage, normalizeKey, put, Resolve } from '../../core/message.ts';
import type { Tabm, TabmValue } from '../structured.ts';
import { serializeDictionary, serializeList, str } from '../structured-fields.ts';
import { encodeMultipart, type PartValue } from './multipart.ts';
import { contentDigest, type HttpFields } from './signature-base.ts';

export const MAX_HEADER_LENGTH = 4096;

/** The key whose value becomes the HTTP body, and any header needed to name it. */
export function inlineKeyOf(
  msg: Record<string, unknown>,
  options: EncodeOptions = {},
): [Record<string, Binary>, string] {
  const explicit = msg['inline-body-key'];
  if (typeof explicit === 'string') return [{}, explicit];
  if ('body' in msg) return [{}, 'body'];
  if ('data' in msg && !options.dataInHeader) return [{ 'inline-body-key': 'data' }, 'data'];
  return [{}, 'body'];
}

/**
 * Whether `data` may also travel as a header line: clients (aoconnect's
 * httpsig requests) send a short `data` that way and sign it as a header,
 * where HyperBEAM's encoding makes it the body.
 */
function dataMayBeHeader(tabm: Tabm): boolean {
  const data = tabm.data;
  return (
    !('body' in tabm) &&
    !('inline-body-key' in tabm) &&
    isBinary(data) &&
    byteLength(data) <= MAX_HEADER_LENGTH &&
    !UNSAFE_IN_HEADER.test(toByteString(data))
  );
}

function groupIds(tabm: Tabm): Tabm {
  const ids = Object.keys(tabm)
    .filter((k) => isId(k) && isBinary(tabm[k]))
    .sort();
  if (ids.length === 0) return tabm;
  const out: Tabm = { ...tabm };
  for (const k of ids) delete out[k];
  out['ao-ids'] = serializeDictionary(ids.map((k) => [k, str(tabm[k] as Binary)]));
  return out;
}

export interface EncodeOptions {
  /**
   * Produce HTTP that can actually be sent: values no header line can carry
   * unchanged (control characters, edge whitespace that parsers trim), keys
   * that are not header names, and keys that would change HTTP framing move
   * to their own body parts. The canonical encoding (the default, which IDs
   * and signatures use) keeps HyperBEAM's bytes; decoding either gives the
   * same message.
   */
  transport?: boolean;
  /** Keep a short `data` a header rather than the body (see `dataMayBeHeader`). */
  dataInHeader?: boolean;
}

// What an HTTP header line keeps intact: no control characters but tab, no edge whitespace.
const UNSAFE_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]|^[ \t]|[ \t]$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Headers that describe the HTTP exchange itself; as message keys they travel in the body. */
export const FRAMING_HEADERS = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function fitsHeader(value: Binary, options: EncodeOptions): boolean {
  if (byteLength(value) > MAX_HEADER_LENGTH) return false;
  return !options.transport || !UNSAFE_IN_HEADER.test(toByteString(value));
}

function isHeaderName(key: string, options: EncodeOptions): boolean {
  return !options.transport || (HEADER_NAME.test(key) && !FRAMING_HEADERS.has(key));
}

/**
 * Whether the transport form of `tabm` may differ from the canonical one: some
 * key or value a header line cannot carry (a cheap walk, no encoding).
 */
function transportMayDiffer(tabm: Tabm): boolean {
  for (const [key, value] of Object.entries(tabm)) {
    if (key === 'commitments') continue;
    const name = normalizeKey(key);
    if (!HEADER_NAME.test(name) || FRAMING_HEADERS.has(name)) return true;
    if (isMessage(value)) {
      if (transportMayDiffer(value as Tabm)) return true;
    } else if (
      isBinary(value) &&
      byteLength(value) <= MAX_HEADER_LENGTH &&
      UNSAFE_IN_HEADER.test(toByteString(value))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The encodings of `tabm` a signature may be over, in the order tried:
 * HyperBEAM's; the transport form, where a key or value could make it
 * differ; and, with `data` wanted, the form with a short `data` as a header.
 */
export function* encodingForms(tabm: Tabm, withData = true): Generator<EncodeOptions> {
  yield {};
  if (transportMayDiffer(tabm)) yield { transport: true };
  if (withData && dataMayBeHeader(tabm)) yield { dataInHeader: true };
}

/** Flatten the body map: nested messages become parts named by their paths. */
function groupMaps(
  map: Tabm,
  parent: string,
  top: Record<string, PartValue>,
  options: EncodeOptions,
) {
  const flattened: Record<string, Binary> = {};
  for (const [key, value] of Object.entries(map)) {
    const normKey = normalizeKey(key);
    const flatKey = parent ? `${parent}/${normKey}` : normKey;
    if (isMessage(value)) groupMaps(value as Tabm, flatKey, top, options);
    else if (!isBinary(value))
      throw new CodecError('unsupported_value', `cannot encode '${flatKey}'`);
    else if (
      (parent !== '' && !(fitsHeader(value, options) && isHeaderName(normKey, options))) ||
      byteLength(value) > MAX_HEADER_LENGTH
    ) {
      put(top as Tabm, flatKey, value);
    } else put(flattened, normKey, value);
  }
  if (Object.keys(flattened).length === 0) return top;
  if (parent === '') for (const [k, v] of Object.entries(flattened)) put(top as Tabm, k, v);
  else put(top as Tabm, parent, flattened);
  return top;
}

/** Commitments that signature headers cannot carry (other codecs'): sent as body parts. */
function carriedCommitments(tabm: Tabm): Tabm | undefined {
  if (!isMessage(tabm.commitments)) return undefined;
  const out: Tabm = {};
  for (const [id, c] of Object.entries(tabm.commitments as Tabm)) {
    const device = isMessage(c) ? (c as Tabm)['commitment-device'] : undefined;
    if (typeof device === 'string' && device !== 'httpsig@1.0') put(out, id, c as Tabm);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Encode a TABM into HTTP fields (HyperBEAM's dev_codec_httpsig_conv:to/1). */
export function tabmToHttp(tabm: Tabm, options: EncodeOptions = {}): HttpFields {
  const grouped = groupIds(tabm);
  const [inlineHeaders, inlineKey] = inlineKeyOf(tabm, options);
  const fields: HttpFields = { ...inlineHeaders };
  const bodyMap: Tabm = {};
  for (const [key, value] of Object.entries(grouped)) {
    if (
      key === 'commitments' ||
      key === 'signature' ||
      key === 'signature-input' ||
      key === 'priv'
    ) {
      continue;
    }
    if (key === 'body' || key === inlineKey) {
      put(bodyMap, key, value);
    } else if (isMessage(value)) {
      put(bodyMap, normalizeKey(key), value);
    } else if (isBinary(value)) {
      const name = normalizeKey(key);
      if (fitsHeader(value, options) && isHeaderName(name, options)) put(fields, name, value);
      else put(bodyMap, name, value);
    } else if (value instanceof Resolve) {
      // An unevaluated sub-path (HyperBEAM cannot encode one): written as its
      // HyperPATH, so a message holding one still has an ID.
      put(fields, `${normalizeKey(key)}+resolve`, value.path);
    } else {
      throw new CodecError('unsupported_value', `httpsig@1.0 cannot encode the value of '${key}'`);
    }
  }
  const carried = carriedCommitments(tabm);
  if (carried) put(bodyMap, 'commitments', carried);
  const parts = groupMaps(bodyMap, '', {}, options);
  const names = Object.keys(parts);
  if (names.length === 1 && names[0] === inlineKey && isBinary(parts[inlineKey])) {
    fields.body = parts[inlineKey] as Binary;
  } else if (names.length > 0) {
    const multipart = encodeMultipart(parts, inlineKey);
    fields['body-keys'] = serializeList(multipart.partNames.map((n) => str(n)));
    fields['content-type'] = `multipart/form-data; boundary="${multipart.boundary}"`;
    fields.body = multipart.body;
  }
  if (fields.body !== undefined && byteLength(fields.body) > 0) {
    fields['content-digest'] = contentDigest(fields.body);
  }
  addSignatureHeaders(tabm, fields);
  return fields;
}

/**
 * A committed message carries its signatures as `signature`/`signature-input`
 * headers, taken from its HMAC commitment (which aggregates every signer),
 * plus any `hashpath*` fields of its commitments.
 */
function addSignatureHeaders(tabm: Tabm, fields: HttpFields): void {
  const commitments = tabm.commitments;
  if (!isMessage(commitments)) return;
  let hmac: Tabm | undefined;
  for (const value of Object.values(commitments as Tabm)) {
    if (!isMessage(value)) continue;
    const commitment = value as Tabm;
    if (commitment.alg === 'hmac-sha256') hmac = hmac === undefined ? commitment : hmac;
  }
  if (!hmac || !isBinary(hmac.signature) || !isBinary(hmac['signature-input'])) return;
  for (const value of Object.values(commitments as Tabm)) {
    if (!isMessage(value)) continue;
    for (const [k, v] of Object.entries(value as Record<string, TabmValue>)) {
      if (k.startsWith('hashpath') && isBinary(v)) put(fields, k, v);
    }
  }
  fields.signature = hmac.signature;
  fields['signature-input'] = hmac['signature-input'];
}
