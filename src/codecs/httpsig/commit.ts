/**
 * httpsig@1.0 commitments: RSA-PSS-SHA512 signatures over the message's HTTP
 * encoding (RFC 9421 as HyperBEAM builds it), and the HMAC commitment that
 * gives the unsigned ID. Committed keys are read back from a commitment's
 * `signature-input`.
 */

import {
  type Binary,
  base64url,
  byteLength,
  compareBytes,
  fromBase64url,
  isBinary,
  sha256,
  toBytes,
} from '../../core/binary.ts';
import { BadRequestError } from '../../core/errors.ts';
import {
  isId,
  isMessage,
  type Message,
  omit,
  own,
  privateOf,
  valueEquals,
} from '../../core/message.ts';
import { rememberVerified, verifiedOnce } from '../../crypto/verified.ts';
import type { Wallet } from '../../crypto/wallet.ts';
import type { CommitOptions } from '../codec.ts';
import { holds } from '../commitments.ts';
import type { SignatureMemo } from '../signature-memo.ts';
import { messageToTabm, parseAoTypes, type Tabm, tabmToMessage } from '../structured.ts';
import {
  type InnerList,
  parseDictionary,
  parseList,
  serializeDictionary,
} from '../structured-fields.ts';
import { keyidBytes, RSA_ALG, signatureAlgorithm } from './algorithms.ts';
import { encodingForms, tabmToHttp } from './encode.ts';
import {
  HMAC_ALG,
  HTTPSIG,
  hmacCommitment,
  rememberUnsignedId,
  resetHmac,
  signedHmac,
} from './hmac.ts';
import {
  addDerived,
  componentsOf,
  type HttpFields,
  itemText,
  signatureBase,
  signatureInput,
  stripAt,
  withContentDigest,
} from './signature-base.ts';

export { RSA_ALG };

function commitmentOf(msg: Message, id: string): Message {
  const c = isMessage(msg.commitments) ? msg.commitments[id] : undefined;
  if (!isMessage(c)) throw new BadRequestError('commitment_not_found', `no commitment ${id}`);
  return c;
}

/**
 * The encodings a signature may be over, in the order tried. This node signs
 * HTTP as it is sent (the transport form), so a signed message travels and
 * verifies over the bytes received; for every value a header line carries
 * unchanged that is HyperBEAM's encoding, byte for byte. HyperBEAM signs the
 * canonical form even where it writes a newline or raw bytes into a header
 * line, so messages it signed verify in that form. Clients such as
 * aoconnect send a short `data` as a header and sign it there (tried only
 * for a signature over `data`). Each form after the first exists only where
 * it differs, and is built only if tried.
 */
function* encodings(msg: Message, components: string[]): Generator<HttpFields> {
  const tabm = messageToTabm(omit(msg, ['commitments']));
  let canonical: HttpFields | undefined;
  for (const options of encodingForms(tabm, components.includes('data'))) {
    const encoded = tabmToHttp(tabm, options);
    if (canonical === undefined) canonical = encoded;
    else if (valueEquals(canonical, encoded)) continue;
    yield encoded;
  }
}

/** The fields a signature covers: the encoding without signatures, body as its digest. */
function signedFields(encoded: HttpFields): HttpFields {
  const { signature: _s, 'signature-input': _i, 'body-keys': _b, ...fields } = encoded;
  return withContentDigest(fields);
}

/** `http-sig-` + hex of bytes 1..8 of the signer's address. */
export function signatureLabel(address: string): string {
  const raw = isId(address) && address.length === 43 ? fromBase64url(address) : toBytes(address);
  return `http-sig-${Buffer.from(raw.subarray(1, 9)).toString('hex')}`;
}

interface PreparedSignature {
  base: Uint8Array;
  input: InnerList;
  /** The message's TABM, commitments included (worked out once for all the signing steps). */
  tabm: Tabm;
}

/** What an RSA signature over `msg` covers: its signature base and input. */
function prepareSignature(msg: Message, wallet: Wallet): PreparedSignature {
  if (wallet.type !== 'rsa') {
    throw new BadRequestError('unsupported_key', 'httpsig@1.0 signs with RSA wallets only');
  }
  const whole = messageToTabm(msg);
  const tabm = msg.commitments === undefined ? whole : messageToTabm(omit(msg, ['commitments']));
  const fields = signedFields(tabmToHttp(tabm, { transport: true }));
  const components = Object.keys(fields).sort(compareBytes).map(addDerived);
  const hashpath = privateOf(msg).hashpath;
  const params = {
    alg: RSA_ALG,
    keyid: base64url(wallet.publicKey),
    ...(typeof hashpath === 'string' ? { tag: hashpath } : {}),
  };
  const input = signatureInput(components, params);
  return { base: toBytes(signatureBase(components, input, fields)), input, tabm: whole };
}

/** `signature` as the one member of a signature dictionary labelled `label`. */
function signatureField(label: string, signature: Uint8Array): Binary {
  return serializeDictionary([
    [label, { kind: 'item', value: { type: 'binary', value: signature }, params: [] }],
  ]);
}

/**
 * The ID of the HMAC commitment `msg` (without commitments) gets once signed
 * by `wallet` alone. The HMAC covers the signature's components, not its
 * bytes, so it is worked out while the signature is being made (from one of
 * the same length: the message is encoded the same way).
 */
function hmacIdWhenSigned(
  msg: Message,
  wallet: Wallet,
  { input, tabm }: PreparedSignature,
): string {
  const label = signatureLabel(wallet.address);
  const { hmac: raw, isUnsignedId } = signedHmac({
    ...tabm,
    signature: signatureField(label, new Uint8Array(wallet.publicKey.length)),
    'signature-input': serializeDictionary([[label, input]]),
  });
  const id = base64url(raw);
  // Keys of its own by those names would have been replaced above.
  // A signature over every field gets an HMAC whose ID is the unsigned ID.
  if (isUnsignedId && !('signature' in tabm) && !('signature-input' in tabm)) {
    rememberUnsignedId(msg, id);
  }
  return id;
}

/**
 * The message with the signature's commitment added, plus a fresh HMAC (its
 * ID given when worked out beforehand, for a message that had no commitments).
 */
function withSignature(
  wallet: Wallet,
  { input, base, tabm }: PreparedSignature,
  signature: Uint8Array,
  hmacId?: string,
): Message {
  rememberVerified(signature, base);
  const label = signatureLabel(wallet.address);
  const commitment: Tabm = {
    'commitment-device': HTTPSIG,
    alg: RSA_ALG,
    committer: wallet.address,
    signature: signatureField(label, signature),
    'signature-input': serializeDictionary([[label, input]]),
  };
  const existing = isMessage(tabm.commitments) ? (tabm.commitments as Tabm) : {};
  const id = base64url(sha256(signature));
  const alone = hmacId !== undefined && Object.keys(existing).length === 0;
  const signed = alone
    ? {
        ...tabm,
        commitments: {
          [id]: commitment,
          [hmacId]: hmacCommitment({
            signature: commitment.signature as Binary,
            'signature-input': commitment['signature-input'] as Binary,
          }),
        },
      }
    : resetHmac({ ...tabm, commitments: { ...existing, [id]: commitment } });
  const message = tabmToMessage(signed);
  // What was just made holds: the signature, and the HMAC over the signed message.
  const made = Object.keys(signed.commitments as Tabm).filter((c) => !Object.hasOwn(existing, c));
  holds(message, [id, ...made]);
  return message;
}

/** Sign a message with an RSA wallet and add the commitment (plus a fresh HMAC). */
export function signHttpsig(msg: Message, wallet: Wallet): Message {
  const prepared = prepareSignature(msg, wallet);
  return withSignature(wallet, prepared, wallet.sign(prepared.base, 'sha512'));
}

/**
 * The same, signing off the main thread (the node signs every response this
 * way); with a memo, a message without commitments signed recently over the
 * same base is not signed again.
 */
export async function signHttpsigAsync(
  msg: Message,
  wallet: Wallet,
  memo?: SignatureMemo,
): Promise<Message> {
  const prepared = prepareSignature(msg, wallet);
  const sign = async () => {
    const signing = wallet.signAsync(prepared.base, 'sha512');
    signing.catch(() => undefined); // awaited below, unless working out the HMAC throws
    const hmacId =
      msg.commitments === undefined ? hmacIdWhenSigned(msg, wallet, prepared) : undefined;
    return withSignature(wallet, prepared, await signing, hmacId);
  };
  if (!memo || msg.commitments !== undefined) return sign();
  return memo.sign(wallet.address, prepared.base, sign);
}

/** Check a signed commitment by re-encoding the message (HyperBEAM's verify/3). */
function verifySigned(msg: Message, commitment: Message, id?: string): boolean {
  return encodingVerified(msg, commitment, id) !== undefined;
}

/** The encoding of `msg` a signed commitment verifies over, if any. */
function encodingVerified(
  msg: Message,
  commitment: Message,
  id?: string,
  given?: Iterable<HttpFields>,
): HttpFields | undefined {
  const { signature, 'signature-input': input, committer } = commitment;
  if (!isBinary(signature) || !isBinary(input)) return undefined;
  const [entry] = parseDictionary(input);
  const [sigEntry] = parseDictionary(signature);
  if (!entry || !sigEntry || entry[1].kind !== 'inner') return undefined;
  const list: InnerList = entry[1];
  const sig = sigEntry[1];
  if (sig.kind !== 'item' || sig.value.type !== 'binary') return undefined;
  const param = (name: string) => {
    const value = list.params.find(([k]) => k === name)?.[1];
    return value?.type === 'string' && typeof value.value === 'string' ? value.value : undefined;
  };
  const alg = param('alg');
  const algorithm = alg === undefined ? undefined : signatureAlgorithm(alg);
  if (!algorithm || commitment.alg !== alg) return undefined;
  const key = keyidBytes(param('keyid') ?? '');
  if (!key) return undefined;
  // The committer is derived from the key; a commitment claiming another signer is forged.
  if (committer !== undefined && committer !== algorithm.address(key)) return undefined;
  const components = list.items.map(itemText);
  const forms = given ?? encodings(msg, components.map(stripAt));
  const signed = sig.value.value;
  // A signature's commitment is found by its ID: one filed under another is forged.
  if (id !== undefined && base64url(sha256(signed)) !== id) return undefined;
  for (const encoded of forms) {
    let base: Uint8Array;
    try {
      base = toBytes(signatureBase(components, list, signedFields(encoded)));
    } catch {
      continue; // a signed component is missing from this form
    }
    if (verifiedOnce(signed, base, () => algorithm.verify(key, base, signed))) return encoded;
  }
  return undefined;
}

/**
 * The encoding whose keys a signature covers: the one form when the forms
 * agree; else the one holding every signed component, and where both do,
 * the one the signature verifies over (HyperBEAM's first).
 */
function encodingSignedOver(
  msg: Message,
  commitment: Message,
  id: string,
  components: string[],
): HttpFields {
  const forms = [...encodings(msg, components)];
  if (forms.length === 1) return forms[0] as HttpFields;
  const fitting = forms.filter((encoded) => {
    const fields = signedFields(encoded);
    return components.every((c) => c === 'path' || c === 'method' || own(fields, c) !== undefined);
  });
  if (fitting.length < 2) return fitting[0] ?? (forms[0] as HttpFields);
  return encodingVerified(msg, commitment, id, fitting) ?? (forms[0] as HttpFields);
}

/** Recompute the message's HMAC commitment and compare IDs. */
function verifyHmac(msg: Message, id: string): boolean {
  const recomputed = resetHmac(messageToTabm(msg));
  const commitment = (recomputed.commitments as Tabm)[id];
  return isMessage(commitment) && commitment.alg === HMAC_ALG;
}

export function committedKeys(msg: Message, id: string): string[] {
  const commitment = commitmentOf(msg, id);
  const input = commitment['signature-input'];
  if (!isBinary(input)) {
    // An HMAC of a message no httpsig signature covers is over all of its fields.
    if (commitment.alg !== HMAC_ALG || !verifyHmac(msg, id)) return [];
    return Object.keys(msg)
      .filter((k) => k !== 'commitments')
      .sort();
  }
  const components = componentsOf(input).map(stripAt);
  const keys = new Set(['signature', 'signature-input', ...components]);
  const encoded = encodingSignedOver(msg, commitment, id, components);
  if (keys.has('ao-types')) {
    for (const [key, type] of parseAoTypes(encoded['ao-types'])) {
      if (type.startsWith('empty-')) keys.add(key);
    }
  }
  if (keys.has('content-digest')) {
    keys.add('body');
    keys.add('inline-body-key');
    const inline = encoded['inline-body-key'];
    if (typeof inline === 'string' && byteLength(inline) > 0) keys.add(inline);
    const bodyKeys = encoded['body-keys'];
    if (bodyKeys !== undefined) {
      for (const member of parseList(bodyKeys)) {
        if (member.kind === 'item') keys.add(itemText(member).split('/')[0] as string);
      }
    }
  }
  return [...keys].sort();
}

/** Sign with the wallet; without one, add the HMAC commitment only. */
export function commitHttpsig(msg: Message, options: CommitOptions): Promise<Message> | Message {
  if (options.wallet) return signHttpsigAsync(msg, options.wallet, options.signatures);
  return tabmToMessage(resetHmac(messageToTabm(msg)));
}

export function verifyHttpsig(msg: Message, id: string): boolean {
  const commitment = commitmentOf(msg, id);
  if (commitment.alg === HMAC_ALG) return verifyHmac(msg, id);
  return verifySigned(msg, commitment, id);
}
