/**
 * The HMAC commitment and the unsigned message ID.
 *
 * Every httpsig-committed message carries one commitment with
 * `alg: hmac-sha256` and no committer: an HMAC-SHA256 (key `ao`) over the
 * RFC 9421 signature base of the message's encoded fields. It doubles as the
 * message's unsigned ID. When the message is signed, the HMAC aggregates every
 * signer's `signature`/`signature-input` and covers the first signer's
 * component list.
 */
import { type Binary, base64url, compareBytes, hmacSha256, isBinary } from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { isMessage, type Message } from '../../core/message.ts';
import type { Tabm } from '../structured.ts';
import { type Dictionary, parseDictionary, serializeDictionary } from '../structured-fields.ts';
import { type EncodeOptions, encodingForms, tabmToHttp } from './encode.ts';
import {
  componentsOf,
  normalizeComponents,
  signatureBase,
  signatureInput,
  withContentDigest,
} from './signature-base.ts';

export const HTTPSIG = 'httpsig@1.0';
export const HMAC_ALG = 'hmac-sha256';

/**
 * The signature base the HMAC is computed over: HyperBEAM's encoding, or,
 * when the signatures cover fields only another form has, the transport form
 * (this node signs what it sends: see commit.ts) or the form with `data` as
 * a header (as clients send it).
 */
export function hmacBase(tabm: Tabm): Binary {
  return hmacBaseOf(tabm).base;
}

/**
 * The HMAC base, and whether its components are every field of HyperBEAM's
 * encoding: then the base (and the HMAC) is that of the message without its
 * signatures, its unsigned ID (worked out only when asked).
 */
function hmacBaseOf(tabm: Tabm): { base: Binary; allFields: () => boolean } {
  const { commitments: _c, 'body-keys': _b, ...rest } = tabm;
  const sigInput = tabm['signature-input'];
  const baseOf = (options: EncodeOptions) => {
    const { 'body-keys': _k, ...encoded } = tabmToHttp(rest, options);
    const fields = withContentDigest(encoded);
    const keys = isBinary(sigInput) ? componentsOf(sigInput) : Object.keys(fields);
    const components = normalizeComponents(keys);
    const base = signatureBase(
      components,
      signatureInput(components, { alg: HMAC_ALG, keyid: 'ao' }),
      fields,
    );
    const allFields = () => {
      if (Object.keys(options).length > 0) return false;
      const all = normalizeComponents(Object.keys(fields));
      return components.length === all.length && components.every((c, i) => c === all[i]);
    };
    return { base, allFields };
  };
  let missing: unknown;
  for (const options of encodingForms(rest)) {
    try {
      return baseOf(options);
    } catch (error) {
      // Only signed components can be missing: a message's own fields are all there.
      if (!(error instanceof CodecError && error.code === 'field_not_found')) throw error;
      missing = error;
    }
  }
  throw missing;
}

/**
 * Unsigned IDs known by message object (messages are immutable values):
 * worked out from a message, or learnt while signing it.
 */
const unsignedIds = new WeakMap<Message, string>();

export function knownUnsignedId(msg: Message): string | undefined {
  return unsignedIds.get(msg);
}

export function rememberUnsignedId(msg: Message, id: string): void {
  unsignedIds.set(msg, id);
}

/** The raw HMAC of a TABM (HyperBEAM's dev_codec_httpsig:hmac/1). */
export function hmac(tabm: Tabm): Uint8Array {
  return hmacSha256('ao', hmacBase(tabm));
}

/**
 * The HMAC of a signed TABM, and whether it is also the unsigned ID of the
 * TABM without its signatures (the signature covers every field).
 */
export function signedHmac(tabm: Tabm): { hmac: Uint8Array; isUnsignedId: boolean } {
  const { base, allFields } = hmacBaseOf(tabm);
  return { hmac: hmacSha256('ao', base), isUnsignedId: allFields() };
}

/** The unsigned ID of a TABM without commitments. */
export function unsignedId(tabm: Tabm): string {
  let target = tabm;
  if ('commitments' in target) {
    const { commitments: _c, ...rest } = target;
    target = rest;
  }
  // A user key named `signature-input` would be read as a component list.
  if ('signature-input' in target) {
    const { 'signature-input': input, ...rest } = target;
    target = { ...rest, 'x-signature-input': input as Binary };
  }
  return base64url(hmac(target));
}

const isHmacCommitment = (c: unknown) =>
  isMessage(c) && c.alg === HMAC_ALG && c['commitment-device'] === HTTPSIG;

/** Single-member SF dictionaries of signed httpsig commitments, merged by label. */
function aggregate(commitments: Tabm, field: 'signature' | 'signature-input'): Dictionary {
  const byLabel = new Map<string, Dictionary[number][1]>();
  for (const id of Object.keys(commitments).sort(compareBytes)) {
    const c = commitments[id];
    if (!isMessage(c) || isHmacCommitment(c) || (c as Tabm)['commitment-device'] !== HTTPSIG)
      continue;
    const value = (c as Tabm)[field];
    if (!isBinary(value)) continue;
    const first = parseDictionary(value)[0];
    if (first) byLabel.set(first[0], first[1]);
  }
  return [...byLabel.keys()].sort(compareBytes).map((k) => [k, byLabel.get(k)!]);
}

/** Recompute the HMAC commitment of a TABM (HyperBEAM's reset_hmac/1). */
export function resetHmac(tabm: Tabm): Tabm {
  const all = isMessage(tabm.commitments) ? (tabm.commitments as Tabm) : {};
  const others: Tabm = {};
  for (const [id, c] of Object.entries(all)) if (!isHmacCommitment(c)) others[id] = c;
  const sigs = aggregate(others, 'signature');
  const inputs = aggregate(others, 'signature-input');
  const info: Tabm =
    inputs.length === 0
      ? {}
      : { signature: serializeDictionary(sigs), 'signature-input': serializeDictionary(inputs) };
  const { commitments: _c, ...base } = tabm;
  const id = base64url(hmac({ ...base, ...info }));
  return {
    ...tabm,
    commitments: { ...others, [id]: hmacCommitment(info) },
  };
}

/** The HMAC commitment over signatures `info` holds (`signature`, `signature-input`; none: {}). */
export function hmacCommitment(info: Tabm): Tabm {
  return { ...info, 'commitment-device': HTTPSIG, alg: HMAC_ALG };
}
