/**
 * Message IDs and hashpaths.
 *
 * A message's ID depends on its commitments: none -> the unsigned (HMAC) ID
 * computed by httpsig@1.0; one -> that commitment's ID; several -> the
 * SHA-256 of their sorted IDs joined by ", ". Which commitments count is
 * chosen by `committers`/`commitments` selectors, as in HyperBEAM's
 * dev_message. A hashpath is the verifiable trail of how a message was made:
 * `Base/Last`, where Last is the last request's ID (or its bare key) and Base
 * folds everything before it.
 */
import { selectCommitments } from '../codecs/commitments.ts';
import { knownUnsignedId, rememberUnsignedId, resetHmac } from '../codecs/httpsig/hmac.ts';
import { messageToTabm, type Tabm } from '../codecs/structured.ts';
import {
  type Binary,
  base64url,
  compareBytes,
  fromBase64url,
  isBinary,
  sha256,
  toBytes,
} from '../core/binary.ts';
import { BadRequestError, HbError } from '../core/errors.ts';
import {
  isMessage,
  type Message,
  normalizeKeys,
  privateOf,
  Resolve,
  type Value,
} from '../core/message.ts';

// IDs ---------------------------------------------------------------------------------

// Messages are immutable values, so IDs can be memoised per object (hmac.ts
// keeps them, signing adds to them); and, for small messages, by content
// (requests build equal messages afresh each time).
const idsByContent = new Map<string, string>();
const CONTENT_KEY_LIMIT = 2048;
const CONTENT_IDS = 4096;

/**
 * A message's TABM as text that two TABMs share only when they hold the same
 * keys and values (keys sorted; text and bytes told apart), or undefined when
 * it is large or holds a sub-resolution.
 */
function contentKey(tabm: Tabm): string | undefined {
  const parts: string[] = [];
  let length = 0;
  const walk = (value: Tabm): boolean => {
    parts.push('{');
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      let text: string;
      if (typeof v === 'string') text = `s${JSON.stringify(v)}`;
      else if (v instanceof Uint8Array) text = `b${Buffer.from(v).toString('base64')}`;
      else if (v !== null && typeof v === 'object' && !(v instanceof Resolve)) {
        parts.push(JSON.stringify(key));
        if (!walk(v as Tabm)) return false;
        continue;
      } else return false;
      length += key.length + text.length;
      if (length > CONTENT_KEY_LIMIT) return false;
      parts.push(JSON.stringify(key), text);
    }
    parts.push('}');
    return true;
  };
  return walk(tabm) ? parts.join(',') : undefined;
}

/** The unsigned (uncommitted) ID of a message: its httpsig HMAC. */
export function unsignedMessageId(msg: Message): string {
  let id = knownUnsignedId(msg);
  if (id === undefined) {
    id = computedUnsignedId(msg);
    rememberUnsignedId(msg, id);
  }
  return id;
}

function computedUnsignedId(msg: Message): string {
  const { commitments: _c, ...rest } = msg;
  let tabm = messageToTabm(rest);
  // A literal `signature-input` key would be read as a component list.
  if ('signature-input' in tabm) {
    const { 'signature-input': input, ...others } = tabm;
    tabm = { ...others, 'x-signature-input': input as Binary };
  }
  const key = contentKey(tabm);
  const known = key === undefined ? undefined : idsByContent.get(key);
  if (known !== undefined) return known;
  const withHmac = resetHmac(tabm);
  const id = Object.keys(withHmac.commitments as Message)[0] as string;
  if (key !== undefined) {
    idsByContent.set(key, id);
    if (idsByContent.size > CONTENT_IDS) {
      idsByContent.delete(idsByContent.keys().next().value as string);
    }
  }
  return id;
}

/**
 * Note that `copy` holds `original`'s values (commitments aside: `original`
 * signed), so its unsigned ID is the one already worked out, if any.
 */
export function sameUnsignedId(original: Message, copy: Message): void {
  const id = knownUnsignedId(original);
  if (id !== undefined) rememberUnsignedId(copy, id);
}

/** Combine several commitment IDs into one message ID. */
export function combineIds(ids: string[]): string {
  if (ids.length === 1) return ids[0] as string;
  return base64url(sha256([...ids].sort(compareBytes).join(', ')));
}

/**
 * The ID of a message under a selection of its commitments
 * (by default every commitment, the HMAC included).
 */
export function messageId(msg: Value, req: Message = {}): string {
  if (isBinary(msg)) return base64url(sha256(msg));
  if (!isMessage(msg)) throw new BadRequestError('no_id', 'only messages and binaries have IDs');
  const selected = selectCommitments(msg, req);
  if (selected.length === 0) return unsignedMessageId(msg);
  return combineIds(selected);
}

/** The ID over signed commitments only, or the unsigned ID if there are none. */
export function signedId(msg: Message): string {
  return messageId(msg, { committers: 'all' });
}

// Hashpaths ---------------------------------------------------------------------------

export type HashpathAlg = (a: Uint8Array, b: Uint8Array) => Uint8Array;

export const sha256Chain: HashpathAlg = (a, b) => sha256(Buffer.concat([a, b]));

export const accumulate256: HashpathAlg = (a, b) => {
  const sum =
    (BigInt(`0x${Buffer.from(a).toString('hex')}`) +
      BigInt(`0x${Buffer.from(sha256Chain(a, b)).toString('hex')}`)) %
    2n ** 256n;
  return Uint8Array.from(Buffer.from(sum.toString(16).padStart(64, '0'), 'hex'));
};

/** The hashpath algorithm a message asks for (`hashpath-alg`), default sha-256-chain. */
export function hashpathAlg(msg: Message): HashpathAlg {
  const name = (normalizeKeys(msg) as Message)['hashpath-alg'];
  if (name === undefined || name === 'sha-256-chain') return sha256Chain;
  if (name === 'accumulate-256') return accumulate256;
  throw new BadRequestError('bad_hashpath_alg', `unknown hashpath-alg ${String(name)}`);
}

/** A message's current hashpath: its stored one, or its ID. */
export function currentHashpath(msg: Value): string {
  if (isBinary(msg)) return base64url(sha256(msg));
  if (!isMessage(msg)) throw new HbError('no_hashpath', 'only messages have hashpaths');
  const normal = normalizeKeys(msg) as Message;
  const stored = privateOf(normal).hashpath;
  if (typeof stored === 'string') return stored;
  return messageId(normal, { commitments: 'all' });
}

/** Extend a hashpath by one request: `P/R` or `alg(P1, P2)/R`. */
export function extendHashpath(current: string, contribution: string, alg: HashpathAlg): string {
  const parts = current.split('/').filter((p) => p.length > 0);
  if (parts.length <= 1) return `${current}/${contribution}`;
  const [prev1, prev2] = parts as [string, string];
  const second = prev2.length === 43 ? fromBase64url(prev2) : toBytes(prev2);
  return `${base64url(alg(fromBase64url(prev1), second))}/${contribution}`;
}

const AO_CORE_KEYS = new Set(['path', 'hashpath', 'priv']);

/** What a request adds to a hashpath: its bare key, or its full ID. */
export function requestContribution(req: Message, key: string | undefined): string {
  const bare = Object.keys(req).every((k) => AO_CORE_KEYS.has(k));
  if (bare && key !== undefined) return key;
  return messageId(req, { commitments: 'all' });
}

/** The hashpath of the result of applying `req` (whose first key is `key`) to `base`. */
export function nextHashpath(base: Message, req: Message, key: string | undefined): string {
  return extendHashpath(currentHashpath(base), requestContribution(req, key), hashpathAlg(base));
}
