/**
 * HyperPATHs: the URL syntax of AO-Core (HyperBEAM's hb_singleton).
 *
 *   /~message@1.0&greeting=Hello&count+integer=42/count?x=1&1.y=2
 *
 * A request (the "singleton": path plus headers) becomes a list of messages to
 * resolve in turn. Path segments are keys; `Key~device` runs a key with
 * another device (an empty key builds the base); `&k=v` sets keys inline,
 * `k+type=v` casts (integer, float, atom, list, map, resolve); `(...)` is a
 * sub-path resolved first; `seg=value` is shorthand for `seg&seg=value`.
 * Query and header keys apply to every message, or to one with an `N.` scope
 * (0 is the base). Segments are percent-decoded twice; query values never.
 */
import { decodeValue, encodeValue, messageToTabm, tabmToMessage } from '../codecs/structured.ts';
import { byteLength, isBinary, tryUtf8Decode } from '../core/binary.ts';
import { BadRequestError, CodecError } from '../core/errors.ts';
import {
  As,
  isId,
  isInteger,
  isMessage,
  type Message,
  type PathItem,
  put,
  Resolve,
  type Value,
} from '../core/message.ts';

export const MAX_SEGMENT_LENGTH = 512;

/** Split at the first separator outside parentheses: [separator, before, after]. */
function splitFirst(seps: string, text: string): [string | undefined, string, string] {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && seps.includes(c)) return [c, text.slice(0, i), text.slice(i + 1)];
  }
  return [undefined, text, ''];
}

/** Split on a separator outside parentheses, dropping empty parts; parts are bounded. */
function splitAll(sep: string, text: string): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const [, head, tail] = splitFirst(sep, rest);
    if (head.length > 0) {
      if (byteLength(head) > MAX_SEGMENT_LENGTH) {
        throw new BadRequestError(
          'segment_too_long',
          `a path segment is longer than ${MAX_SEGMENT_LENGTH} bytes`,
        );
      }
      parts.push(head);
    }
    rest = tail;
  }
  return parts;
}

/** Percent-decode (RFC 3986; `+` stays `+`). The result must be UTF-8 text. */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  if (/%(?![0-9a-fA-F]{2})/.test(text)) {
    throw new BadRequestError(
      'cannot_decode',
      `bad percent-encoding in ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const raw = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25) {
      out.push(Number.parseInt(raw.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 2;
    } else out.push(raw[i] as number);
  }
  const decoded = tryUtf8Decode(Uint8Array.from(out));
  if (decoded === undefined)
    throw new BadRequestError('cannot_decode', 'a path segment is not valid UTF-8');
  return decoded;
}

function maybeSubpath(text: string): string | Resolve {
  if (text.length >= 2 && text.startsWith('(') && text.endsWith(')')) {
    return subPath(parseHyperpath(text.slice(1, -1)));
  }
  return text;
}

/** Apply a `key+type` cast: [key, value], or undefined when the value is dropped. */
function typed(rawKey: string, value: Value): [string, Value] | undefined {
  const [sep, key, type] = splitFirst('+', rawKey);
  if (sep === undefined) return [key, value];
  const name = type.toLowerCase();
  if (value === true)
    throw new BadRequestError('bad_cast', `'${rawKey}' names a type but has no value`);
  if (name === 'resolve') {
    if (value instanceof Resolve) {
      throw new BadRequestError(
        'bad_cast',
        `'${rawKey}' is already a sub-path; write ${key}=(...)`,
      );
    }
    return [key, subPath(parseHyperpath(String(value)))];
  }
  if (!isBinary(value)) throw new BadRequestError('bad_cast', `'${rawKey}' cannot cast a sub-path`);
  if (name === 'binary') return [key, value];
  try {
    const decoded = decodeValue(name, value);
    return decoded === undefined ? undefined : [key, decoded];
  } catch (error) {
    if (error instanceof CodecError) {
      throw new BadRequestError('bad_cast', `cannot cast '${key}' to ${type}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function parseInlinedKeys(text: string, msg: Message): Message {
  const out = { ...msg };
  for (const pair of splitAll('&', text)) {
    const [sep, key, rawValue] = splitFirst('=&', pair);
    if (sep === undefined) {
      if (key.includes('+'))
        throw new BadRequestError('bad_cast', `'${key}' names a type but has no value`);
      put(out, key, true);
      continue;
    }
    const entry = typed(key, maybeSubpath(rawValue));
    if (entry) put(out, entry[0], entry[1]);
  }
  return out;
}

function parsePartMods(mods: string, msg: Message): Message | As {
  if (mods === '') return msg;
  const rest = mods.slice(1);
  switch (mods[0]) {
    case '~': {
      const [, device, inlined] = splitFirst('&', rest);
      return new As(maybeSubpath(device), parseInlinedKeys(inlined, msg));
    }
    case '&':
      return parseInlinedKeys(rest, msg);
    case '=':
      // `seg=value` is shorthand for `seg&seg=value` (current HyperBEAM and clients).
      return parseInlinedKeys(`${String(msg.path)}=${rest}`, msg);
    case '+':
      if (!splitFirst('=', rest)[0]) {
        throw new BadRequestError(
          'bad_path',
          `'${String(msg.path)}+${rest}' is not a key or a typed value`,
        );
      }
      return parseInlinedKeys(`${String(msg.path)}+${rest}`, msg);
    default:
      return msg;
  }
}

function parsePart(part: string): PathItem {
  if (isId(part)) return part;
  const sub = maybeSubpath(part);
  if (sub instanceof Resolve) return sub;
  const [sep, key, rest] = splitFirst('&~+=', part);
  if (sep === undefined) return { path: key };
  return parsePartMods(sep + rest, { path: key });
}

function scopeOf(key: string): [number, string] | undefined {
  const parts = key.split('.');
  if (parts.length !== 2) return undefined;
  const [front, rest] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(front)) {
    throw new BadRequestError(
      'invalid_scope',
      `'${key}': a scope must be a message number (N.key)`,
    );
  }
  const n = Number(front) + 1;
  if (n < 1) throw new BadRequestError('invalid_scope', `'${key}': scopes start at 0 (the base)`);
  return [n, rest];
}

function roundTrip(msg: Message): Message {
  return tabmToMessage(messageToTabm(msg));
}

/** Parse a singleton (a path, or a message with `path` and other keys) into messages. */
export function parseHyperpath(singleton: Message | string): PathItem[] {
  const raw: Message = typeof singleton === 'string' ? { path: singleton } : singleton;
  const rawPath = raw.path ?? '';
  if (typeof rawPath !== 'string') throw new BadRequestError('bad_path', 'the path must be text');
  const [hasQuery, pathText, queryText] = splitFirst('?', rawPath);
  const query = hasQuery ? parseInlinedKeys(queryText, {}) : {};
  const { path: _path, ...headers } = raw;
  const globals: Message = { ...headers, ...query };

  const items: PathItem[] = [];
  for (const segment of splitAll('/', pathText).map(percentDecode)) {
    for (const part of splitAll('/', percentDecode(segment))) items.push(parsePart(part));
  }
  const first = items[0];
  const msgs =
    items.length === 0 || isId(first) || first instanceof As || first instanceof Resolve
      ? items
      : [{}, ...items];

  const global: Message = {};
  const scoped = new Map<number, Message>();
  for (const [rawKey, rawValue] of Object.entries(globals)) {
    const entry = typed(rawKey, rawValue);
    if (!entry) continue;
    const scope = scopeOf(entry[0]);
    if (!scope) put(global, entry[0], entry[1]);
    else {
      const target = scoped.get(scope[0]) ?? {};
      put(target, scope[1], entry[1]);
      scoped.set(scope[0], target);
    }
  }

  return msgs.map((msg, i) => {
    const extra = { ...global, ...scoped.get(i + 1) };
    if (msg instanceof As && isMessage(msg.msg) && msg.msg.path === '') {
      return new As(msg.device, roundTrip({ ...msg.msg, ...extra }));
    }
    if (!isMessage(msg)) return msg;
    return roundTrip({ ...msg, ...extra });
  });
}

/** `key~device&k=v...`: an `As` step written back as one segment. */
function asSegment(step: As): string {
  if (typeof step.device !== 'string') {
    throw new BadRequestError('bad_path', 'only named devices can be written in a path');
  }
  const msg: Message = isMessage(step.msg) ? step.msg : { path: step.msg };
  let segment = `${String(msg.path ?? '')}~${step.device}`;
  for (const [key, value] of Object.entries(msg)) {
    if (key === 'path') continue;
    if (value === true) segment += `&${key}`;
    else if (typeof value === 'string') segment += `&${key}=${value}`;
    else if (value instanceof Resolve)
      segment += `&${key}=(${String(toHyperpath(value.messages).path).slice(1)})`;
    else {
      const [type, encoded] = encodeValue(value);
      segment += `&${key}+${type}=${String(encoded)}`;
    }
  }
  return segment;
}

/** The inverse: fold a message list into one singleton (`path` plus scoped keys). */
/** A sub-path, with its HyperPATH text. */
export function subPath(messages: PathItem[]): Resolve {
  return new Resolve(messages, String(toHyperpath(messages).path));
}

export function toHyperpath(messages: PathItem[]): Message {
  const out: Message = {};
  const scopes = new Map<string, number[]>();
  let path = '';
  messages.forEach((msg, index) => {
    if (typeof msg === 'string') path += `/${msg}`;
    else if (msg instanceof Resolve)
      path += `/(${String(toHyperpath(msg.messages).path).slice(1)})`;
    else if (msg instanceof As) path += `/${asSegment(msg)}`;
    else if (isMessage(msg)) {
      for (const [key, value] of Object.entries(msg)) {
        if (key === 'path') path += `/${String(value)}`;
        else if (key === 'method') out.method = value;
        else {
          const name = value instanceof Resolve ? `${key}+resolve` : key;
          out[name] =
            value instanceof Resolve ? (toHyperpath(value.messages).path as Value) : value;
          scopes.set(name, [...(scopes.get(name) ?? []), index]);
        }
      }
    } else
      throw new BadRequestError('bad_path', 'only messages, IDs and sub-paths fold into a path');
  });
  out.path = path;
  for (const [key, indexes] of scopes) {
    if (indexes.length !== 1) continue;
    const value = out[key] as Value;
    delete out[key];
    if (isInteger(value)) out[`${indexes[0]}.${key}+integer`] = String(value);
    else out[`${indexes[0]}.${key}`] = value;
  }
  return out;
}
