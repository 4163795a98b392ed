/**
 * httpsig's multipart/form-data bodies, byte-exact with HyperBEAM: parts
 * sorted by name, `form-data;name="x"` (no space) or `inline` dispositions,
 * part headers in sorted order, CRLF-joined parts with no preamble and no
 * trailing CRLF, and a deterministic boundary: base64url(sha256(parts)).
 */
import {
  type Binary,
  base64url,
  canonicalBinary,
  compareBytes,
  concatBinary,
  sha256,
  toBytes,
  tryUtf8Decode,
} from '../../core/binary.ts';
import { CodecError } from '../../core/errors.ts';
import { isMessage, normalizeKey, put } from '../../core/message.ts';
import type { Tabm } from '../structured.ts';
import { parseItem } from '../structured-fields.ts';

const CRLF = '\r\n';

export type PartValue = Binary | Record<string, Binary>;

function encodePart(name: string, value: PartValue, inlineKey: string): Binary {
  const disposition = name === inlineKey ? 'inline' : `form-data;name="${name}"`;
  if (!isMessage(value)) {
    return concatBinary([`content-disposition: ${disposition}${CRLF}${CRLF}`, value as Binary]);
  }
  const headers: Record<string, Binary> = {
    ...(value as Record<string, Binary>),
    'content-disposition': disposition,
  };
  const lines: Binary[] = [];
  for (const key of Object.keys(headers).sort(compareBytes)) {
    if (key === 'body') continue;
    if (lines.length > 0) lines.push(CRLF);
    lines.push(key, ': ', headers[key] as Binary);
  }
  const body = headers.body;
  if (body !== undefined && body.length > 0) lines.push(CRLF, CRLF, body);
  return concatBinary(lines);
}

export interface EncodedMultipart {
  body: Binary;
  boundary: string;
  partNames: string[];
}

/** Encode grouped parts (name -> binary or header map) as a multipart body. */
export function encodeMultipart(
  parts: Record<string, PartValue>,
  inlineKey: string,
): EncodedMultipart {
  const names = Object.keys(parts).sort(compareBytes);
  const encoded = names.map((name) => {
    const value = parts[name] as PartValue;
    // A part holding only `body` is named `<name>/body`, so it is not mistaken
    // for the inline part when read back.
    if (isMessage(value) && Object.keys(value).length === 1 && 'body' in value) {
      return encodePart(`${name}/body`, value, 'body');
    }
    return encodePart(name, value, inlineKey);
  });
  const boundary = base64url(sha256(concatBinary(joinWith(encoded, CRLF))));
  const body = concatBinary([
    ...joinWith(
      encoded.map((p) => concatBinary([`--${boundary}${CRLF}`, p])),
      CRLF,
    ),
    `${CRLF}--${boundary}--`,
  ]);
  return { body, boundary, partNames: names };
}

function joinWith(parts: Binary[], sep: string): Binary[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [sep, p]));
}

/** The boundary of a multipart content-type, if it is one. */
export function boundaryOf(contentType: Binary | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  try {
    const param = parseItem(contentType).params.find(([k]) => k === 'boundary');
    const v = param?.[1];
    if (v && (v.type === 'string' || v.type === 'token')) {
      return typeof v.value === 'string' ? v.value : undefined;
    }
  } catch {
    // Not a structured field: not a multipart body either.
  }
  return undefined;
}

/**
 * How many parts a multipart body holds, counted up to `atMost + 1` without
 * parsing it (0 for a body that is not multipart): a cheap lower bound on
 * the keys it decodes to.
 */
export function countParts(
  contentType: Binary | undefined,
  body: Uint8Array,
  atMost: number,
): number {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined || boundary === '' || body.length === 0) return 0;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  let parts = -1; // the closing delimiter is not a part
  for (
    let at = bytes.indexOf(delimiter);
    at >= 0;
    at = bytes.indexOf(delimiter, at + delimiter.length)
  ) {
    if (++parts > atMost) break;
  }
  return Math.max(parts, 0);
}

function utf8Key(bytes: Uint8Array, what: string): string {
  const text = tryUtf8Decode(bytes);
  if (text === undefined) throw new CodecError('bad_key', `${what} is not valid UTF-8`);
  return text;
}

export interface ParsedMultipart {
  /** Part name -> value, names still in flat `/` form. */
  parts: Tabm;
  /** First path segment of each part, in order. */
  bodyKeys: string[];
}

/** Parse a multipart body; the `inline` part is stored under `inlineKey`. */
export function parseMultipart(body: Binary, boundary: string, inlineKey: string): ParsedMultipart {
  const bytes = Buffer.from(toBytes(body));
  const begin = Buffer.from(`--${boundary}${CRLF}`);
  const end = Buffer.from(`${CRLF}--${boundary}--`);
  const start = bytes.indexOf(begin);
  const stop = bytes.indexOf(end);
  if (start < 0 || stop < start + begin.length) {
    throw new CodecError('bad_multipart', 'multipart body does not match its boundary');
  }
  const inner = bytes.subarray(start + begin.length, stop);
  const separator = Buffer.from(`${CRLF}--${boundary}`);
  const parts: Tabm = {};
  const bodyKeys: string[] = [];
  let from = 0;
  for (;;) {
    const at = inner.indexOf(separator, from);
    const raw = inner.subarray(from, at < 0 ? inner.length : at);
    // Each later part starts after the separator's trailing CRLF.
    const part = from === 0 ? raw : raw.subarray(raw.indexOf(CRLF) === 0 ? 2 : 0);
    const [name, value] = parsePart(part, inlineKey);
    put(parts, name, value);
    bodyKeys.push(name.split('/')[0] as string);
    if (at < 0) break;
    from = at + separator.length;
  }
  return { parts, bodyKeys };
}

function parsePart(part: Buffer, inlineKey: string): [string, Binary | Tabm] {
  const split = part.indexOf(`${CRLF}${CRLF}`);
  const head = split < 0 ? part : part.subarray(0, split);
  const rawBody = split < 0 ? Buffer.alloc(0) : part.subarray(split + 4);
  const headers: Tabm = {};
  let disposition: Binary | undefined;
  for (const line of splitBuffer(head, CRLF)) {
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    const name = normalizeKey(utf8Key(line.subarray(0, colon), 'a part header name'));
    const value = canonicalBinary(line.subarray(colon + 2));
    if (name === 'content-disposition') disposition = value;
    else put(headers, name, value);
  }
  if (disposition === undefined) {
    throw new CodecError('bad_multipart', 'a multipart part has no content-disposition');
  }
  const item = parseItem(disposition);
  let name: string;
  if (item.value.type === 'token' && item.value.value === 'inline') {
    name = inlineKey;
  } else {
    const param = item.params.find(([k]) => k === 'name')?.[1];
    if (!param || (param.type !== 'string' && param.type !== 'token')) {
      throw new CodecError('bad_multipart', 'a multipart part has no name');
    }
    name = utf8Key(toBytes(param.value), 'a part name');
  }
  if (Object.keys(headers).length === 0) return [name, canonicalBinary(rawBody)];
  if (rawBody.length > 0) headers.body = canonicalBinary(rawBody);
  return [name, headers];
}

function splitBuffer(buf: Buffer, sep: string): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (;;) {
    const at = buf.indexOf(sep, from);
    if (at < 0) {
      out.push(buf.subarray(from));
      return out;
    }
    out.push(buf.subarray(from, at));
    from = at + sep.length;
  }
}
