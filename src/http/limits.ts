/**
 * Caps on what one decoded request may ask of the node, checked before any
 * of it is resolved. A request beyond one gets 413, saying which:
 *   http_max_keys       keys in the request message, counting those of its
 *                       nested messages and the items of its lists;
 *   http_max_depth      nesting of messages and lists (a key `a/b/c` nests
 *                       as deep as its parts; a HyperPATH's `(...)` too);
 *   http_max_path_keys  keys the messages of its path hold together: the
 *                       request's keys are copied into every message of its
 *                       HyperPATH, and each is resolved in turn.
 * The walk is one linear pass that stops at the first cap exceeded. Before
 * decoding, a multipart body with more parts than `http_max_keys` is refused
 * as well (each part is at least one key), so it is not parsed for nothing.
 */
import type { Codec, HttpForm } from '../codecs/codec.ts';
import type { NodeConfig } from '../config/schema.ts';
import { HbError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';

export interface RequestLimits {
  keys: number;
  depth: number;
  pathKeys: number;
}

export class RequestTooLarge extends HbError {
  override name = 'RequestTooLarge';
}

export function requestLimits(config: NodeConfig): RequestLimits {
  return {
    keys: config.http_max_keys,
    depth: config.http_max_depth,
    pathKeys: config.http_max_path_keys,
  };
}

function tooLarge(code: string, text: string): RequestTooLarge {
  return new RequestTooLarge(code, text, { status: 413 });
}

/** How many levels a key nests: its non-empty `/`-separated parts (at least one). */
function keyDepth(key: string): number {
  let parts = 0;
  let from = 0;
  while (from <= key.length) {
    const at = key.indexOf('/', from);
    const end = at < 0 ? key.length : at;
    if (end > from) parts++;
    if (at < 0) break;
    from = at + 1;
  }
  return Math.max(parts, 1);
}

/** The keys of a message, nested ones included; throws once a cap is exceeded. */
export function countKeys(msg: Message, limits: RequestLimits): number {
  let count = 0;
  const stack: [Value, number][] = [[msg, 0]];
  const visit = (value: Value, depth: number) => {
    if (++count > limits.keys) {
      throw tooLarge(
        'too_many_keys',
        `The request has more than ${limits.keys} keys (http_max_keys).`,
      );
    }
    if (depth > limits.depth) {
      throw tooLarge(
        'too_deep',
        `The request is nested deeper than ${limits.depth} levels (http_max_depth).`,
      );
    }
    if (isMessage(value) || Array.isArray(value)) stack.push([value, depth]);
  };
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [value, depth] = top;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else {
      const msg = value as Message;
      for (const key in msg) {
        if (Object.hasOwn(msg, key)) visit(msg[key] as Value, depth + keyDepth(key));
      }
    }
  }
  return count;
}

/** The most messages a HyperPATH can become, and how deep its `(...)` sub-paths nest. */
export function pathShape(path: string): { messages: number; depth: number } {
  const query = path.indexOf('?');
  const text = query < 0 ? path : path.slice(0, query);
  // Segments are percent-decoded twice, so escaped slashes split too.
  let messages = 1;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2f) messages++;
    else if (c === 0x28) deepest = Math.max(deepest, ++depth);
    else if (c === 0x29 && depth > 0) depth--;
    else if (c === 0x25) {
      const encoded = text.slice(i, i + 5).toLowerCase();
      if (encoded.startsWith('%2f') || encoded === '%252f') messages++;
    }
  }
  return { messages, depth: deepest };
}

/** Refuse (413) a decoded request beyond the node's limits. */
export function checkRequest(singleton: Message, limits: RequestLimits): void {
  const keys = countKeys(singleton, limits);
  const path = singleton.path;
  if (typeof path !== 'string') return;
  const { messages, depth } = pathShape(path);
  if (depth > limits.depth) {
    throw tooLarge(
      'too_deep',
      `The request path nests sub-paths deeper than ${limits.depth} levels (http_max_depth).`,
    );
  }
  const query = path.indexOf('?');
  let queryKeys = 0;
  if (query >= 0) for (let i = query; i < path.length; i++) if (path[i] === '&') queryKeys++;
  const carried = (keys + queryKeys + 1) * messages;
  if (carried > limits.pathKeys) {
    throw tooLarge(
      'too_many_path_keys',
      `The request's ${messages} path messages would carry ${carried} keys, more than ` +
        `${limits.pathKeys} (http_max_path_keys).`,
    );
  }
}

/**
 * Refuse (413) a body that holds more keys than a request may, before it is
 * read: the codec counts them cheaply (httpsig@1.0: the parts of a multipart body).
 */
export function checkBody(codec: Codec | undefined, http: HttpForm, limits: RequestLimits): void {
  if (http.body.length === 0 || !codec?.minKeys) return;
  if (codec.minKeys(http, limits.keys) > limits.keys) {
    throw tooLarge(
      'too_many_parts',
      `The request body has more than ${limits.keys} parts (http_max_keys).`,
    );
  }
}
