/**
 * RFC 9421 signature bases, as HyperBEAM builds them.
 *
 * HyperBEAM's differences from the RFC (all needed for equal IDs/signatures):
 * derived components (`@path`, `@status`...) are not derived but read from the
 * message key of the same name, and their base line is written without `@`;
 * values are only space-trimmed with `\n` folded to a space; parameters are
 * sorted by name.
 */
import {
  type Binary,
  compareBytes,
  concatBinary,
  sha256,
  toByteString,
} from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { normalizeKey, own } from '../../core/message.ts';
import {
  bytesItem,
  type InnerList,
  type Item,
  type Params,
  parseDictionary,
  serializeDictionary,
  serializeMember,
  str,
} from '../structured-fields.ts';

/** The fields of an encoded HTTP message; the body, if any, under `body`. */
export type HttpFields = Record<string, Binary>;

export const DERIVED_COMPONENTS = new Set([
  'method',
  'target-uri',
  'authority',
  'scheme',
  'request-target',
  'path',
  'query',
  'query-param',
  'status',
]);

export const stripAt = (c: string) => (c.startsWith('@') ? c.slice(1) : c);
export const addDerived = (c: string) => (DERIVED_COMPONENTS.has(c) ? `@${c}` : c);

/** Strip `@`, re-add it for derived names, then sort (the HMAC's component order). */
export function normalizeComponents(components: string[]): string[] {
  return components.map((c) => addDerived(stripAt(c))).sort(compareBytes);
}

/** The `content-digest` header value for a body (RFC 9530, sha-256). */
export function contentDigest(body: Binary): string {
  return serializeDictionary([['sha-256', bytesItem(sha256(body))]]) as string;
}

/** Replace `body` by its `content-digest`, so the body is covered through the digest. */
export function withContentDigest(fields: HttpFields): HttpFields {
  if (!('body' in fields)) return fields;
  const { body, ...rest } = fields;
  return { ...rest, 'content-digest': contentDigest(body as Binary) };
}

function trimAndFold(value: Binary): Binary {
  if (typeof value === 'string') {
    const plain =
      value.charCodeAt(0) !== 0x20 &&
      value.charCodeAt(value.length - 1) !== 0x20 &&
      !value.includes('\n');
    return plain ? value : value.replace(/^ +| +$/g, '').replace(/\n/g, ' ');
  }
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === 0x20) start++;
  while (end > start && value[end - 1] === 0x20) end--;
  const out = value.slice(start, end);
  for (let i = 0; i < out.length; i++) if (out[i] === 0x0a) out[i] = 0x20;
  return concatBinary([out]);
}

export type SigParams = Record<string, string | number>;
const PARAM_NAMES = new Set(['created', 'expires', 'nonce', 'alg', 'keyid', 'tag']);

/** The signature-input inner list for components and params. */
export function signatureInput(components: string[], params: SigParams): InnerList {
  const sorted: Params = Object.keys(params)
    .filter((k) => PARAM_NAMES.has(k))
    .sort()
    .map((k) => {
      const v = params[k] as string | number;
      return [
        k,
        typeof v === 'number' ? { type: 'integer', value: v } : { type: 'string', value: v },
      ];
    });
  return { kind: 'inner', items: components.map((c) => str(c.toLowerCase())), params: sorted };
}

/** Component names as sf-strings, kept: the same few names are quoted again and again. */
const quoted = new Map<string, Binary>();

function quotedName(name: string): Binary {
  let text = quoted.get(name);
  if (text === undefined) {
    text = serializeMember(str(name));
    if (quoted.size > 4096) quoted.clear();
    quoted.set(name, text);
  }
  return text;
}

/** Build the signature base for the given components over the encoded fields. */
export function signatureBase(components: string[], input: InnerList, fields: HttpFields): Binary {
  const parts: Binary[] = [];
  components.forEach((component, i) => {
    const name = normalizeKey(stripAt(component));
    const value = own(fields, name);
    if (value === undefined) {
      throw new CodecError('field_not_found', `signed component '${name}' is not in the message`);
    }
    if (i > 0) parts.push('\n');
    parts.push(quotedName(name), ': ', trimAndFold(value));
  });
  parts.push('\n"@signature-params": ', serializeMember(input));
  return concatBinary(parts);
}

/** Component names listed by the first member of a signature-input dictionary. */
export function componentsOf(signatureInputHeader: Binary): string[] {
  const first = parseDictionary(signatureInputHeader)[0];
  if (first?.[1].kind !== 'inner') {
    throw new CodecError('bad_signature_input', 'signature-input has no component list');
  }
  return first[1].items.map((item: Item) => itemText(item));
}

export function itemText(item: Item): string {
  const v = item.value;
  if (v.type === 'string' || v.type === 'token') return toByteString(v.value as Binary);
  throw new CodecError('bad_signature_input', 'a component name is not a string');
}
