/**
 * httpsig@1.0 decoding: HTTP fields -> TABM (HyperBEAM's
 * dev_codec_httpsig_conv:from/1). Multipart bodies are split into their
 * parts and un-flattened, `ao-ids` is expanded back into case-kept keys, and
 * `signature`/`signature-input` become commitments keyed by commitment ID.
 */
import {
  type Binary,
  base64url,
  fromBase64url,
  isBinary,
  sha256,
  toBytes,
} from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { isMessage, own, put } from '../../core/message.ts';
import { flatToTabm } from '../flat.ts';
import type { Tabm } from '../structured.ts';
import { type InnerList, parseDictionary, serializeDictionary } from '../structured-fields.ts';
import { keyidBytes, signatureAlgorithm } from './algorithms.ts';
import { inlineKeyOf } from './encode.ts';
import { HMAC_ALG, HTTPSIG, resetHmac } from './hmac.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';
import { type HttpFields, itemText } from './signature-base.ts';

/** Where a decoded top-level key came from: a header, the body, or `ao-ids`. */
export type KeySource = 'header' | 'body' | 'ids';

export interface DecodedHttp {
  tabm: Tabm;
  /** The source of each top-level key of `tabm` (keys that only `ao-types` names have none). */
  sources: Map<string, KeySource>;
}

export function httpToTabm(http: HttpFields): Tabm {
  return decodeHttp(http).tabm;
}

/** HTTP fields -> TABM, telling which keys came from the body (what `content-digest` covers). */
export function decodeHttp(http: HttpFields): DecodedHttp {
  const [, inlineKey] = inlineKeyOf(http);
  const { body, 'body-keys': _bodyKeys, ...headers } = http;
  const sources = new Map<string, KeySource>();
  for (const key of Object.keys(headers)) sources.set(key, 'header');
  let tabm: Tabm = { ...headers };
  if (body !== undefined && toBytes(body).length > 0) {
    const boundary = boundaryOf(headers['content-type']);
    if (boundary === undefined) {
      put(tabm, inlineKey, body);
      sources.set(inlineKey, 'body');
    } else {
      // The multipart content-type is pure encoding (re-encoding regenerates
      // it), so unlike HyperBEAM we do not keep it as a key of the message.
      const { 'content-type': _type, ...rest } = tabm;
      const { parts, bodyKeys } = parseMultipart(body, boundary, inlineKey);
      for (const key of bodyKeys) sources.set(key, 'body');
      tabm = rekeyNested(flatToTabm({ ...rest, ...parts }));
    }
  }
  // Likewise `inline-body-key: data` when encoding would infer it again.
  if (tabm['inline-body-key'] === 'data' && 'data' in tabm && !('body' in tabm)) {
    const { 'inline-body-key': _inline, ...rest } = tabm;
    tabm = rest;
  }
  tabm = ungroupIds(tabm, sources);
  const hashpaths = Object.keys(http).filter((k) => k.startsWith('hashpath'));
  const { signature, 'signature-input': input, commitments: carried, ...rest } = tabm;
  for (const k of hashpaths) delete rest[k];
  delete rest['content-digest'];
  // Other codecs' commitments travel as body parts; signature headers carry httpsig's.
  if (isMessage(carried)) rest.commitments = carried;
  if (signature === undefined) return { tabm: rest, sources };
  if (!isBinary(signature) || !isBinary(input)) {
    throw new CodecError('bad_signature', 'a signature needs a matching signature-input');
  }
  const withCommitments = commitmentsFromSignature(rest, http, signature, input);
  return {
    tabm: hasOneHmac(withCommitments) ? withCommitments : resetHmac(withCommitments),
    sources,
  };
}

function ungroupIds(tabm: Tabm, sources: Map<string, KeySource>): Tabm {
  const ids = tabm['ao-ids'];
  if (ids === undefined) return tabm;
  if (!isBinary(ids)) throw new CodecError('bad_ao_ids', 'ao-ids must be a dictionary');
  const { 'ao-ids': _ids, ...out } = tabm;
  for (const [key, member] of parseDictionary(ids)) {
    if (member.kind !== 'item' || member.value.type !== 'string') {
      throw new CodecError('bad_ao_ids', `ao-ids entry '${key}' is not a string`);
    }
    put(out, key, member.value.value);
    sources.set(key, 'ids');
  }
  return out;
}

function param(list: InnerList, name: string): string {
  const value = list.params.find(([k]) => k === name)?.[1];
  if (!value || (value.type !== 'string' && value.type !== 'token')) {
    throw new CodecError('bad_signature_input', `signature-input has no '${name}' parameter`);
  }
  return typeof value.value === 'string'
    ? value.value
    : Buffer.from(value.value).toString('latin1');
}

/** The address of a signer: SHA-256 of its public key, base64url. */
export function keyidToAddress(keyid: string): string {
  return base64url(sha256(fromBase64url(keyid)));
}

function commitmentsFromSignature(
  msg: Tabm,
  http: HttpFields,
  signature: Binary,
  input: Binary,
): Tabm {
  const inputs = new Map(parseDictionary(input));
  const commitments: Tabm = {};
  for (const [label, sig] of parseDictionary(signature)) {
    const list = inputs.get(label);
    if (list?.kind !== 'inner') {
      throw new CodecError('bad_signature_input', `no signature-input for '${label}'`);
    }
    if (sig.kind !== 'item' || sig.value.type !== 'binary') {
      throw new CodecError('bad_signature', `signature '${label}' is not a byte sequence`);
    }
    const commitment: Tabm = {};
    for (const item of list.items) {
      const name = itemText(item);
      if (name.startsWith('hashpath')) put(commitment, name, own(http, name) ?? '');
    }
    const alg = param(list, 'alg');
    const key = keyidBytes(param(list, 'keyid'));
    if (!key) {
      throw new CodecError('bad_signature_input', `signature '${label}' has a malformed keyid`);
    }
    const committer = signatureAlgorithm(alg)?.address(key) ?? base64url(sha256(key));
    Object.assign(commitment, {
      'commitment-device': HTTPSIG,
      committer,
      alg,
      signature: serializeDictionary([[label, sig]]),
      'signature-input': serializeDictionary([[label, list]]),
    });
    commitments[base64url(sha256(sig.value.value))] = commitment;
  }
  return {
    ...msg,
    commitments: {
      ...(isMessage(msg.commitments) ? (msg.commitments as Tabm) : {}),
      ...commitments,
    },
  };
}

/** The raw signature bytes of a commitment (httpsig: SF dictionary; ANS-104: bytes). */
function signatureBytes(commitment: Tabm): Uint8Array | undefined {
  const signature = commitment.signature;
  if (!isBinary(signature)) return undefined;
  if (commitment['commitment-device'] !== HTTPSIG) return toBytes(signature);
  try {
    const first = parseDictionary(signature)[0]?.[1];
    return first?.kind === 'item' && first.value.type === 'binary'
      ? (first.value.value as Uint8Array)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nested messages arrive with their commitments as parts
 * (`inner/commitments/<id>`), and some encoders lower-case those names. A
 * signed commitment's ID is the SHA-256 of its signature, so it is keyed by
 * that again, and the HMAC commitment is recomputed: the IDs are then what
 * the signer computed, whatever the transport did to the part names.
 */
function rekeyNested(tabm: Tabm): Tabm {
  let out: Tabm | undefined;
  for (const [key, value] of Object.entries(tabm)) {
    if (!isMessage(value) || key === 'commitments') continue;
    const inner = rekeyCommitments(rekeyNested(value as Tabm));
    if (inner !== value) {
      out ??= { ...tabm };
      put(out, key, inner);
    }
  }
  return out ?? tabm;
}

function rekeyCommitments(tabm: Tabm): Tabm {
  if (!isMessage(tabm.commitments)) return tabm;
  const commitments: Tabm = {};
  let hmac = false;
  for (const [id, value] of Object.entries(tabm.commitments as Tabm)) {
    const commitment = value as Tabm;
    if (isMessage(value) && commitment.alg === HMAC_ALG) {
      hmac = true;
      continue;
    }
    const bytes = isMessage(value) ? signatureBytes(commitment) : undefined;
    put(commitments, bytes ? base64url(sha256(bytes)) : id, value);
  }
  const rekeyed = { ...tabm, commitments };
  return hmac ? resetHmac(rekeyed) : rekeyed;
}

function hasOneHmac(tabm: Tabm): boolean {
  const commitments = tabm.commitments as Tabm;
  return Object.values(commitments).filter((c) => (c as Tabm).alg === HMAC_ALG).length === 1;
}
