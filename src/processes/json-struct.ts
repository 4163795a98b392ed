/**
 * A message in the legacy AO JSON shape (HyperBEAM's
 * dev_json_iface:message_to_json_struct): what legacy compute units and AOS
 * read. `Id`, `Owner` (first signer; for an unsigned message, its `owner`
 * key, as a legacy dryrun claims it), `From` (`from-process`, else the owner),
 * `Target`, `Anchor`, `Data`, `Signature`, and every other key as a tag in
 * Header-Case (or the item's original tags, when it kept them).
 */

import { commitmentsOf, committersOf } from '../codecs/commitments.ts';
import { messageToTabm, type Tabm, type TabmValue } from '../codecs/structured.ts';
import { type Binary, base64url, isBinary, toBytes, tryUtf8Decode } from '../core/binary.ts';
import { isMessage, type Message, omit } from '../core/message.ts';
import { messageId } from '../engine/ids.ts';

export interface JsonTag {
  name: string;
  value: string;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

const NOT_TAGS = new Set(['id', 'anchor', 'owner', 'data', 'target', 'signature', 'commitments']);

/** `data-protocol` -> `Data-Protocol`. */
export function headerCase(key: string): string {
  return key
    .split('-')
    .map((part) => (part === '' ? part : part[0]?.toUpperCase() + part.slice(1)))
    .join('-');
}

function text(value: Binary): string {
  const bytes = toBytes(value);
  return tryUtf8Decode(bytes) ?? base64url(bytes);
}

function jsonOf(value: TabmValue): JsonValue {
  if (isBinary(value)) return text(value);
  if (isMessage(value)) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Tabm)) out[k] = jsonOf(v);
    return out;
  }
  return String(value);
}

function originalTags(msg: Message): JsonTag[] | undefined {
  for (const commitment of Object.values(commitmentsOf(msg))) {
    if (!isMessage(commitment) || commitment['commitment-device'] !== 'ans104@1.0') continue;
    const tags = commitment['original-tags'];
    if (!isMessage(tags)) continue;
    return Object.keys(tags)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => tags[k] as Message)
      .map((t) => ({ name: text(t.name as Binary), value: text(t.value as Binary) }));
  }
  return undefined;
}

export function messageToJsonStruct(msg: Message): { [key: string]: JsonValue } {
  const tabm = messageToTabm(omit(msg, ['commitments']));
  const field = (key: string) => (isBinary(tabm[key]) ? text(tabm[key] as Binary) : '');
  // A raw 32-byte ID (as ANS-104 stores `target`) is always shown as base64url.
  const idField = (key: string) => {
    const value = tabm[key];
    if (!isBinary(value)) return '';
    const bytes = toBytes(value);
    return bytes.length === 32 && typeof value !== 'string' ? base64url(bytes) : text(value);
  };
  const owner = committersOf(msg)[0] ?? (typeof msg.owner === 'string' ? msg.owner : '');
  const tags: JsonTag[] =
    originalTags(msg) ??
    Object.keys(tabm)
      .filter((k) => !NOT_TAGS.has(k))
      .sort()
      .map((k) => {
        const value = jsonOf(tabm[k] as TabmValue);
        return {
          name: headerCase(k),
          value: typeof value === 'string' ? value : JSON.stringify(value),
        };
      });
  const signature = tabm.signature;
  return {
    Id: Object.keys(msg).length === 0 ? '' : messageId(msg, { committers: 'all' }),
    Anchor: field('anchor'),
    Owner: owner,
    From: idField('from-process') || owner,
    Tags: tags.map((t) => ({ name: t.name, value: t.value })),
    Target: idField('target'),
    Data: field('data'),
    Signature: isBinary(signature)
      ? toBytes(signature).length === 512
        ? base64url(toBytes(signature))
        : text(signature)
      : '',
  };
}
