/**
 * HTTP statuses for results (HyperBEAM's dev_meta:embed_status). In order:
 * a `status` key a signature covers is never changed; an atom body that names
 * an outcome (`not_found` -> 404); the result's own `status` key; the
 * resolver's outcome (`ok` -> 200, `error` -> 400, ...). The status is then
 * written into the message, so it travels with it.
 */
import { committedKeys, committersOf } from '../codecs/commitments.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import {
  Atom,
  isMessage,
  listToMessage,
  type Message,
  privateOf,
  type Value,
} from '../core/message.ts';
import type { Result } from '../engine/device.ts';

const OUTCOMES: Record<string, number> = {
  ok: 200,
  created: 201,
  error: 400,
  not_found: 404,
  failure: 500,
  unavailable: 503,
};

function fromName(name: string): number | undefined {
  return Object.hasOwn(OUTCOMES, name) ? OUTCOMES[name] : undefined;
}

function fromValue(value: Value | undefined): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (value instanceof Atom) return fromName(value.name);
  if (typeof value === 'string') {
    return /^\d{3}$/.test(value) ? Number(value) : fromName(value);
  }
  return undefined;
}

/** The HTTP status of a result message, given the resolver's outcome. */
export function statusOf(msg: Message, outcome: string): number {
  const body = msg.body;
  const code =
    (body instanceof Atom ? fromName(body.name) : undefined) ??
    fromValue(msg.status) ??
    fromName(outcome) ??
    500;
  return code >= 100 && code <= 599 ? code : 500;
}

/**
 * A literal atom that is not an outcome (`true`, `false`, `unset`...) is sent
 * as its name. (HyperBEAM cannot map these to a status and answers 500.)
 */
function literalAtomAsText(msg: Message): Message {
  if (msg['ao-result'] !== 'body') return msg;
  const body = msg.body;
  if (typeof body === 'boolean') return { ...msg, body: String(body) };
  if (body instanceof Atom && fromName(body.name) === undefined) return { ...msg, body: body.name };
  return msg;
}

function isStatusCommitted(msg: Message, codecs: CodecRegistry): boolean {
  // A signature over a status the message lacks does not hold anyway.
  if (!('status' in msg) || committersOf(msg).length === 0) return false;
  return committedKeys(msg, { committers: 'all' }, codecs).includes('status');
}

/** Messages embedStatus made: embedding again changes nothing (a response hook passing one on). */
const embedded = new WeakSet<Message>();

/** The result as a message carrying its HTTP status. */
export function embedStatus(result: Result, codecs: CodecRegistry): Message {
  const body = result.body;
  if (Array.isArray(body)) return embedStatus({ ...result, body: listToMessage(body) }, codecs);
  if (!isMessage(body)) {
    return { status: statusOf({ body }, result.status), body: body as Value };
  }
  if (embedded.has(body) || isStatusCommitted(body, codecs)) return body;
  const msg = literalAtomAsText(body);
  const out = { ...msg, status: statusOf(body, result.status) };
  embedded.add(out);
  return out;
}

/** The HTTP status a message carries (200 if none). */
export function httpStatus(msg: Message): number {
  // A signed message sent as signed carries its status beside it (pipeline.ts).
  const code = fromValue(msg.status) ?? fromValue(privateOf(msg).status) ?? 200;
  return code >= 100 && code <= 599 ? code : 500;
}
