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
import { inlineKeyOf } from './encode.ts';
import { HMAC_ALG, HTTPSIG, resetHmac } from './hmac.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';
import { type HttpFields, itemText } from './signature-base.ts';

export function httpToTabm(http: HttpFields): Tabm {
  const [, inlineKey] = inlineKeyOf(http);
  const { body, 'body-keys': _bodyKeys, ...headers } = http;
  let tabm: Tabm = { ...headers };
  if (body !== undefined && toBytes(body).length > 0) {
    const boundary = boundaryOf(headers['content-type']);
    if (boundary === undefined) {
      put(tabm, inlineKey, body);
    } else {
      // The multipart content-type is pure encoding (re-encoding regenerates
      // it), so unlike HyperBEAM we do not keep it as a key of the message.
      const { 'content-type': _type, ...rest } = tabm;
      tabm = flatToTabm({ ...rest, ...parseMultipart(body, boundary, inlineKey).parts });
    }
  }
  // Likewise `inline-body-key: data` when encoding would infer it again.
  if (tabm['inline-body-key'] === 'data' && 'data' in tabm && !('body' in tabm)) {
    const { 'inline-body-key': _inline, ...rest } = tabm;
    tabm = rest;
  }
  tabm = ungroupIds(tabm);
  const hashpaths = Object.keys(http).filter((k) => k.startsWith('hashpath'));
  const { signature, 'signature-input': input, commitments: carried, ...rest } = tabm;
  for (const k of hashpaths) delete rest[k];
  delete rest['content-digest'];
  // Other codecs' commitments travel as body parts; signature headers carry httpsig's.
  if (isMessage(carried)) rest.commitments = carried;
  if (signature === undefined) return rest;
  if (!isBinary(signature) || !isBinary(input)) {
    throw new CodecError('bad_signature', 'a signature needs a matching signature-input');
  }
  const withCommitments = commitmentsFromSignature(rest, http, signature, input);
  return hasOneHmac(withCommitments) ? withCommitments : resetHmac(withCommitments);
}

function ungroupIds(tabm: Tabm): Tabm {
  const ids = tabm['ao-ids'];
  if (ids === undefined) return tabm;
  if (!isBinary(ids)) throw new CodecError('bad_ao_ids', 'ao-ids must be a dictionary');
  const { 'ao-ids': _ids, ...out } = tabm;
  for (const [key, member] of parseDictionary(ids)) {
    if (member.kind !== 'item' || member.value.type !== 'string') {
      throw new CodecError('bad_ao_ids', `ao-ids entry '${key}' is not a string`);
    }
    put(out, key, member.value.value);
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
    let committer: string;
    try {
      committer = keyidToAddress(param(list, 'keyid'));
    } catch (error) {
      if (error instanceof CodecError) throw error;
      throw new CodecError('bad_signature_input', `signature '${label}' has a malformed keyid`);
    }
    Object.assign(commitment, {
      'commitment-device': HTTPSIG,
      committer,
      alg: param(list, 'alg'),
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

function hasOneHmac(tabm: Tabm): boolean {
  const commitments = tabm.commitments as Tabm;
  return Object.values(commitments).filter((c) => (c as Tabm).alg === HMAC_ALG).length === 1;
}
