/**
 * `ans104@1.0`: messages as ANS-104 data items (HyperBEAM's dev_codec_ans104).
 *
 * Short UTF-8 values (at most 128 bytes) become tags; `data`, `target` and
 * `last_tx` (the anchor) fill the item's fields; nested messages and large
 * values become items of a bundle in the data, indexed by a JSON manifest.
 * A signed item's owner and signature become a commitment keyed by the item
 * ID. When the tags cannot be re-derived from the message (mixed case, order,
 * duplicates, long values), the commitment keeps them as `original-tags`, so
 * the item can be rebuilt byte for byte and still verify.
 */
import {
  type Binary,
  base64url,
  byteLength,
  canonicalBinary,
  compareBytes,
  fromBase64url,
  isBinary,
  toBytes,
  tryUtf8Decode,
} from '../../core/binary.ts';
import { BadRequestError, CodecError, SignatureError } from '../../core/errors.ts';
import { isId, isMessage, type Message, normalizeKey, own, put } from '../../core/message.ts';
import { addressOf, type Wallet } from '../../crypto/wallet.ts';
import type { Codec, Received, ReceivedHttp } from '../codec.ts';
import {
  messageToTabm,
  parseAoTypes,
  type Tabm,
  type TabmValue,
  tabmToMessage,
} from '../structured.ts';
import { serializeList, str } from '../structured-fields.ts';
import { readBundle, writeBundle } from './bundle.ts';
import {
  type DataItem,
  isSigned,
  itemId,
  newItem,
  parseItem,
  serializeItem,
  signItem,
  signItemAsync,
  type Tag,
  unsignedItemId,
  verifyItem,
} from './data-item.ts';

export const ANS104 = 'ans104@1.0';
/** Values up to this many bytes (and valid UTF-8) are tags; larger ones become items. */
export const MAX_TAG_VALUE_IN_TAGS = 128;

const ALGS: Record<number, string> = { 1: 'rsa-pss', 2: 'ed25519', 3: 'ethereum', 4: 'solana' };
const TYPE_OF_ALG: Record<string, number> = { 'rsa-pss': 1, ed25519: 2, ethereum: 3, solana: 4 };
const KEY_TYPE: Record<number, 'rsa' | 'ed25519' | 'secp256k1'> = {
  1: 'rsa',
  2: 'ed25519',
  3: 'secp256k1',
  4: 'ed25519',
};

/**
 * Keys that are not tags: the item's own fields, and IDs it recomputes
 * (HyperBEAM drops those too). Owner and signature come from the commitment,
 * so keys named `owner` or `signature` stay ordinary keys.
 */
const FIELD_KEYS = new Set(['id', 'unsigned_id', 'format', 'target', 'last_tx', 'data']);
const BUNDLE_TAGS: Tag[] = [
  { name: 'bundle-format', value: 'binary' },
  { name: 'bundle-version', value: '2.0.0' },
];
const BUNDLE_KEYS = new Set(['bundle-format', 'bundle-version', 'bundle-map']);

const utf8Name = (name: Binary): string => {
  const text = typeof name === 'string' ? name : tryUtf8Decode(name);
  if (text === undefined) throw new CodecError('bad_key', 'a tag name is not valid UTF-8');
  return text;
};

/** Tags to message keys: names lower-cased; repeated names become one structured-field list. */
export function tagsToKeys(tags: Tag[]): Tabm {
  const grouped = new Map<string, Binary[]>();
  for (const { name, value } of tags) {
    const key = normalizeKey(utf8Name(name));
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const out: Tabm = {};
  for (const [key, values] of grouped) {
    put(
      out,
      key,
      values.length === 1 ? (values[0] as Binary) : serializeList(values.map((v) => str(v))),
    );
  }
  return out;
}

function isTagValue(value: TabmValue): value is Binary {
  return (
    isBinary(value) &&
    byteLength(value) <= MAX_TAG_VALUE_IN_TAGS &&
    (typeof value === 'string' || tryUtf8Decode(value) !== undefined)
  );
}

/** Tags as a message would re-derive them: its tag-sized keys, sorted. */
function derivedTags(keys: Tabm): Tag[] {
  return Object.keys(keys)
    .sort(compareBytes)
    .flatMap((k) =>
      isTagValue(keys[k] as TabmValue) ? [{ name: k, value: keys[k] as Binary }] : [],
    );
}

function sameTags(a: Tag[], b: Tag[]): boolean {
  const eq = (x: Binary, y: Binary) =>
    Buffer.compare(Buffer.from(toBytes(x)), Buffer.from(toBytes(y))) === 0;
  return (
    a.length === b.length &&
    a.every((t, i) => eq(t.name, (b[i] as Tag).name) && eq(t.value, (b[i] as Tag).value))
  );
}

function fieldBytes(value: TabmValue | undefined, what: string): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (!isBinary(value)) throw new CodecError('bad_value', `${what} must be a binary`);
  if (typeof value === 'string' && value.length === 43 && isId(value)) {
    try {
      return fromBase64url(value);
    } catch {
      // Not base64url after all: used as the raw bytes below.
    }
  }
  return toBytes(value);
}

function manifestJson(index: [string, string][]): string {
  return `{${index.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** Nested items as a HyperBEAM bundle: a manifest item plus the items, by unsigned ID. */
function bundleOf(items: Map<string, DataItem>): { data: Uint8Array; manifestId: Uint8Array } {
  const keys = [...items.keys()].sort(compareBytes);
  const entries = keys.map((k) => {
    const item = items.get(k) as DataItem;
    return { key: k, id: unsignedItemId(item), bytes: serializeItem(item) };
  });
  const manifest = newItem({
    tags: [
      { name: 'data-protocol', value: 'bundle-map' },
      { name: 'variant', value: '0.0.1' },
    ],
    data: new TextEncoder().encode(manifestJson(entries.map((e) => [e.key, base64url(e.id)]))),
  });
  const manifestId = unsignedItemId(manifest);
  const data = writeBundle(
    [{ id: manifestId, bytes: serializeItem(manifest) }, ...entries],
    'hyperbeam',
  );
  return { data, manifestId };
}

function originalTagsOf(value: TabmValue | undefined): Tag[] {
  if (value === undefined) return [];
  if (!isMessage(value))
    throw new CodecError('bad_original_tags', 'original-tags must be a message');
  const numbered = Object.keys(value)
    .map((k) => [Number(k), (value as Tabm)[k]] as const)
    .sort((a, b) => a[0] - b[0]);
  return numbered.map(([, tag]) => {
    if (!isMessage(tag) || !isBinary((tag as Tabm).name) || !isBinary((tag as Tabm).value)) {
      throw new CodecError('bad_original_tags', 'each original tag needs a name and a value');
    }
    return { name: (tag as Tabm).name as Binary, value: (tag as Tabm).value as Binary };
  });
}

/** A TABM (or a bare binary) as a data item (HyperBEAM's dev_codec_ans104:to/1). */
export function tabmToItem(input: TabmValue): DataItem {
  if (isBinary(input))
    return newItem({ tags: [{ name: 'ao-type', value: 'binary' }], data: toBytes(input) });
  if (!isMessage(input))
    throw new CodecError('unsupported_value', 'ans104@1.0 cannot encode this value');
  const tabm: Tabm = {};
  for (const [k, v] of Object.entries(input)) put(tabm, normalizeKey(k), v);
  const commitments = isMessage(tabm.commitments) ? (tabm.commitments as Tabm) : {};
  delete tabm.commitments;
  const own104 = Object.entries(commitments).filter(
    ([, c]) => isMessage(c) && (c as Tabm)['commitment-device'] === ANS104,
  );
  if (own104.length > 1)
    throw new CodecError('multisignatures_not_supported', 'an ANS-104 item has one signature');
  const others = Object.entries(commitments).filter(
    ([, c]) => !(isMessage(c) && (c as Tabm)['commitment-device'] === ANS104),
  );
  const commitment = (own104[0]?.[1] ?? {}) as Tabm;
  // Commitments of other codecs travel along as a nested message, unless the
  // item carries its own signature: that covers exactly what was signed, and
  // an ANS-104 signature never covers other commitments (see ans104Scheme.commit).
  const signed = isBinary(commitment.signature);
  if (others.length > 0 && !signed) put(tabm, 'commitments', Object.fromEntries(others) as Tabm);

  const signatureType = TYPE_OF_ALG[String(commitment.alg)] ?? 1;
  const originalTags = originalTagsOf(commitment['original-tags']);
  const item = newItem({
    signatureType,
    ...(isBinary(commitment.owner) ? { owner: toBytes(commitment.owner) } : {}),
    ...(isBinary(commitment.signature) ? { signature: toBytes(commitment.signature) } : {}),
    target: fieldBytes(own(tabm, 'target'), 'target'),
    anchor: fieldBytes(own(tabm, 'last_tx'), 'last_tx'),
  });

  // With original tags, exactly their names are tags; otherwise short UTF-8 values are.
  const tagNames = new Set(originalTags.map((t) => normalizeKey(utf8Name(t.name))));
  const tagKeys: Tabm = {};
  const nested = new Map<string, DataItem>();
  for (const key of Object.keys(tabm).sort(compareBytes)) {
    if (FIELD_KEYS.has(key)) continue;
    const value = tabm[key] as TabmValue;
    const isTag = originalTags.length > 0 ? tagNames.has(key) : isTagValue(value);
    if (isTag && isBinary(value)) put(tagKeys, key, value);
    else nested.set(key, tabmToItem(value));
  }
  if (originalTags.length > 0) {
    const expected = tagsToKeys(
      originalTags.filter((t) => !BUNDLE_KEYS.has(normalizeKey(utf8Name(t.name)))),
    );
    const given = Object.fromEntries(Object.entries(tagKeys).filter(([k]) => !BUNDLE_KEYS.has(k)));
    if (
      JSON.stringify(Object.entries(expected).sort()) !==
      JSON.stringify(Object.entries(given).sort())
    ) {
      throw new CodecError('invalid_original_tags', 'original-tags do not match the message');
    }
  }
  let tags = originalTags.length > 0 ? originalTags : derivedTags(tagKeys);

  const data = own(tabm, 'data');
  if (data !== undefined && !isBinary(data)) nested.set('data', tabmToItem(data));
  if (nested.size === 0) {
    item.data = data === undefined ? new Uint8Array(0) : toBytes(data as Binary);
  } else {
    if (isBinary(data) && byteLength(data) > 0) nested.set('data', tabmToItem(data));
    const bundle = bundleOf(nested);
    item.data = bundle.data;
    const isBundleTag = (t: Tag) =>
      BUNDLE_TAGS.some((b) => b.name === t.name && b.value === t.value);
    tags = [
      ...BUNDLE_TAGS,
      ...tags.filter((t) => !isBundleTag(t) && t.name !== 'bundle-map'),
      { name: 'bundle-map', value: base64url(bundle.manifestId) },
    ];
  }
  item.tags = tags;
  return item;
}

function tagValue(tags: Tag[], name: string): Binary | undefined {
  return tags.find((t) => t.name === name)?.value;
}

/** The nested items of a HyperBEAM bundle, by key; undefined if the data is not one. */
function unbundle(item: DataItem): Map<string, DataItem> | undefined {
  if (
    tagValue(item.tags, 'bundle-format') !== 'binary' ||
    tagValue(item.tags, 'bundle-version') !== '2.0.0'
  ) {
    return undefined;
  }
  const manifestId = tagValue(item.tags, 'bundle-map');
  if (typeof manifestId !== 'string') return undefined;
  try {
    const { format, entries } = readBundle(item.data);
    if (format !== 'hyperbeam') return undefined;
    const byId = new Map(entries.map((e) => [base64url(e.id), e.bytes]));
    const manifestBytes = byId.get(manifestId);
    if (!manifestBytes) return undefined;
    const index = JSON.parse(Buffer.from(parseItem(manifestBytes).data).toString('utf8')) as Record<
      string,
      string
    >;
    const out = new Map<string, DataItem>();
    for (const [key, id] of Object.entries(index)) {
      const bytes = byId.get(id);
      if (!bytes) return undefined;
      out.set(key, parseItem(bytes));
    }
    return out;
  } catch {
    return undefined; // Not a bundle we can read: the data stays as it is.
  }
}

/** Whether re-encoding the item's message would give these exact tags. */
function tagsRederivable(item: DataItem, keys: Tabm, bundled: boolean): boolean {
  if (!item.tags.every((t) => isTagValue(t.value))) return false;
  const manifest = tagValue(item.tags, 'bundle-map');
  const expected = bundled
    ? [...BUNDLE_TAGS, ...derivedTags(keys), { name: 'bundle-map', value: manifest as Binary }]
    : derivedTags(keys);
  return sameTags(item.tags, expected);
}

/** A data item as a TABM (HyperBEAM's dev_codec_ans104:from/1). */
export function itemToTabm(item: DataItem): TabmValue {
  if (tagValue(item.tags, 'ao-type') === 'binary') return canonicalBinary(item.data);
  const nested = unbundle(item);
  const tags = nested ? item.tags.filter((t) => !BUNDLE_KEYS.has(String(t.name))) : item.tags;
  const keys = tagsToKeys(tags);
  const out: Tabm = {};
  if (nested) {
    for (const [key, child] of nested) put(out, key, itemToTabm(child));
  } else if (item.data.length > 0) {
    out.data = canonicalBinary(item.data);
  }
  for (const [k, v] of Object.entries(keys)) put(out, k, v);
  if (item.target.length > 0) out.target = canonicalBinary(item.target);
  if (item.anchor.length > 0) out.last_tx = canonicalBinary(item.anchor);

  const extra = isMessage(out.commitments) ? (out.commitments as Tabm) : {};
  delete out.commitments;
  const originalTags = tagsRederivable(item, keys, nested !== undefined)
    ? undefined
    : numberedTags(item.tags);
  const commitments: Tabm = { ...extra };
  if (isSigned(item)) {
    commitments[base64url(itemId(item))] = {
      'commitment-device': ANS104,
      alg: ALGS[item.signatureType] ?? 'rsa-pss',
      committer: addressOf(KEY_TYPE[item.signatureType] ?? 'rsa', item.owner),
      owner: canonicalBinary(item.owner),
      signature: canonicalBinary(item.signature),
      ...(originalTags ? { 'original-tags': originalTags } : {}),
    };
  } else if (originalTags) {
    commitments[base64url(unsignedItemId(item))] = {
      'commitment-device': ANS104,
      alg: 'unsigned',
      'original-tags': originalTags,
    };
  }
  if (Object.keys(commitments).length > 0) out.commitments = commitments;
  return out;
}

function numberedTags(tags: Tag[]): Tabm {
  const out: Tabm = {};
  tags.forEach((t, i) => {
    out[String(i + 1)] = { name: t.name, value: t.value };
  });
  return out;
}

// Commitments ---------------------------------------------------------------------------

function commitmentOf(msg: Message, id: string): Message {
  const c = isMessage(msg.commitments) ? own(msg.commitments, id) : undefined;
  if (!isMessage(c)) throw new BadRequestError('commitment_not_found', `no commitment ${id}`);
  return c;
}

/** The item a message with only the given commitment encodes to. */
function itemFor(msg: Message, id: string): DataItem {
  return tabmToItem(messageToTabm({ ...msg, commitments: { [id]: commitmentOf(msg, id) } }));
}

/** Whether the message still encodes to the item its commitment signed (or, unsigned, names). */
function verifyCommitment(msg: Message, id: string): boolean {
  return verifiedItem(msg, id) !== undefined;
}

/** The item the commitment signed, if the message still encodes to it. */
function verifiedItem(msg: Message, id: string): DataItem | undefined {
  const commitment = commitmentOf(msg, id);
  try {
    const item = itemFor(msg, id);
    if (commitment.alg === 'unsigned') {
      return base64url(unsignedItemId(item)) === id ? item : undefined;
    }
    const holds =
      verifyItem(item) &&
      base64url(itemId(item)) === id &&
      commitment.committer === addressOf(KEY_TYPE[item.signatureType] ?? 'rsa', item.owner);
    return holds ? item : undefined;
  } catch (error) {
    if (error instanceof CodecError) return undefined; // the message no longer encodes to the item
    throw error;
  }
}

/** The item a commitment signs: the message without other commitments (an unsigned one's tags kept). */
function itemToSign(msg: Message): DataItem {
  const prior = Object.entries(isMessage(msg.commitments) ? msg.commitments : {}).find(
    ([, c]) => isMessage(c) && c['commitment-device'] === ANS104 && c.alg === 'unsigned',
  )?.[1] as Message | undefined;
  const { commitments: _dropped, ...rest } = msg;
  return tabmToItem(messageToTabm(prior ? { ...rest, commitments: { unsigned: prior } } : rest));
}

/** Sign a message as an ANS-104 item; its other commitments are dropped. */
export function signAns104(msg: Message, wallet: Wallet): Message {
  return tabmToMessage(itemToTabm(signItem(itemToSign(msg), wallet)) as Tabm);
}

/** A received data item: signed, and verified over the bytes received. */
function fromHttp(http: ReceivedHttp): Received {
  const item = parseItem(http.body);
  if (!isSigned(item))
    throw new SignatureError('unsigned_item', 'ANS-104 data items must be signed.');
  if (!verifyItem(item)) {
    throw new SignatureError('invalid_signature', 'The ANS-104 data item does not verify.');
  }
  const message = tabmToMessage(itemToTabm(item) as Tabm);
  const id = base64url(itemId(item));
  // Verified over the bytes received: its covered keys are known without re-encoding it.
  coveredKeys.set(message, new Map([[id, keysOf(message, item)]]));
  return { message, verified: [id] };
}

/**
 * Covered keys per message object and commitment (messages are not changed
 * in place): a message's keys are asked for again and again (request,
 * schedule, each compute of its process).
 */
const coveredKeys = new WeakMap<Message, Map<string, string[]>>();

/** The keys the item covers; none if the message no longer matches it (as HyperBEAM). */
function committedKeys(msg: Message, id: string): string[] {
  let known = coveredKeys.get(msg);
  if (!known) {
    known = new Map();
    coveredKeys.set(msg, known);
  }
  let keys = known.get(id);
  if (!keys) {
    keys = coveredBy(msg, id);
    known.set(id, keys);
  }
  return [...keys];
}

function coveredBy(msg: Message, id: string): string[] {
  const item = verifiedItem(msg, id);
  return item ? keysOf(msg, item) : [];
}

/** The keys of `msg` that `item` (its signed form) covers. */
function keysOf(msg: Message, item: DataItem): string[] {
  const keys = new Set(
    item.tags.map((t) => normalizeKey(utf8Name(t.name))).filter((k) => !BUNDLE_KEYS.has(k)),
  );
  for (const [k, v] of Object.entries(msg)) if (isMessage(v) && k !== 'commitments') keys.add(k);
  const tabm = messageToTabm(msg);
  if (keys.has('ao-types')) {
    for (const [k, type] of parseAoTypes(tabm['ao-types']))
      if (type.startsWith('empty-')) keys.add(k);
  }
  for (const k of ['id', 'last_tx', 'owner', 'target', 'signature', 'data']) keys.add(k);
  return [...keys].sort(compareBytes);
}

export const ans104Codec: Codec<DataItem> = {
  name: ANS104,
  contentType: 'application/ans104',
  toTabm: (item) => {
    const tabm = itemToTabm(item instanceof Uint8Array ? parseItem(item) : item);
    return isMessage(tabm) ? (tabm as Tabm) : { data: tabm };
  },
  fromTabm: tabmToItem,
  serialize: (item) => canonicalBinary(serializeItem(item)),
  deserialize: (bytes) => parseItem(toBytes(bytes)),
  toHttp: (msg) => ({
    headers: { 'codec-device': ANS104, 'content-type': 'application/ans104' },
    body: serializeItem(tabmToItem(messageToTabm(msg))),
  }),
  fromHttp,
  /** Sign off the main thread; the message's other commitments are dropped. */
  async commit(msg, _req, { wallet }) {
    if (!wallet)
      throw new BadRequestError('no_wallet', 'committing with ans104@1.0 needs a wallet');
    return tabmToMessage(itemToTabm(await signItemAsync(itemToSign(msg), wallet)) as Tabm);
  },
  verify: (msg, id) => verifyCommitment(msg, id),
  committedKeys,
};

export {
  itemId,
  parseItem,
  serializeItem,
  signItem,
  unsignedItemId,
  verifyItem,
} from './data-item.ts';
