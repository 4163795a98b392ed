/**
 * Commitment schemes: how a codec commits to (signs, or HMACs) a message,
 * verifies a commitment, and says which keys a commitment covers.
 * `message@1.0`'s commit/verify/committed keys dispatch to these by the
 * commitment's `commitment-device`.
 */
import { NotFoundError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { selectCommitments } from '../engine/ids.ts';

export interface CommitmentScheme {
  /** The codec device the scheme belongs to, e.g. `httpsig@1.0`. */
  readonly device: string;
  /** Add this scheme's commitment(s) to a message. */
  commit(msg: Message, req: Message, opts: Opts): Promise<Message> | Message;
  /** Check one of the message's commitments, by ID. */
  verify(msg: Message, id: string, opts: Opts): Promise<boolean> | boolean;
  /** The keys of the message that one of its commitments covers. */
  committedKeys(msg: Message, id: string): string[];
}

export class SchemeRegistry {
  private readonly schemes = new Map<string, CommitmentScheme>();

  register(scheme: CommitmentScheme): this {
    this.schemes.set(scheme.device.toLowerCase(), scheme);
    return this;
  }

  get(device: string): CommitmentScheme {
    const scheme = this.schemes.get(device.toLowerCase());
    if (!scheme) throw new NotFoundError('scheme_not_found', `no commitment scheme for ${device}`);
    return scheme;
  }

  /** The scheme behind one of a message's commitments (default httpsig@1.0). */
  forCommitment(msg: Message, id: string): CommitmentScheme {
    const commitment = isMessage(msg.commitments) ? msg.commitments[id] : undefined;
    if (!isMessage(commitment)) {
      throw new NotFoundError('commitment_not_found', `the message has no commitment ${id}`);
    }
    const device = commitment['commitment-device'];
    return this.get(typeof device === 'string' ? device : 'httpsig@1.0');
  }
}

/** Keys covered by every commitment the request selects (all, by default). */
export function committedKeys(msg: Message, req: Message, schemes: SchemeRegistry): string[] {
  const lists = selectCommitments(msg, req).map((id) =>
    schemes.forCommitment(msg, id).committedKeys(msg, id),
  );
  const [first = [], ...rest] = lists;
  return first.filter((k) => rest.every((list) => list.includes(k)));
}

/** Whether every selected commitment verifies (true when there are none). */
export async function verifyMessage(
  msg: Message,
  req: Message,
  schemes: SchemeRegistry,
  opts: Opts,
): Promise<boolean> {
  for (const id of selectCommitments(msg, req)) {
    if (!(await schemes.forCommitment(msg, id).verify(msg, id, opts))) return false;
  }
  return true;
}

/** The message reduced to the keys its commitments cover (unchanged if it has none). */
export function withOnlyCommitted(msg: Message, schemes: SchemeRegistry): Message {
  if (!isMessage(msg.commitments) || Object.keys(msg.commitments).length === 0) return msg;
  const keep = new Set([...committedKeys(msg, { commitments: 'all' }, schemes), 'commitments']);
  const out: Message = {};
  for (const key of Object.keys(msg)) if (keep.has(key)) out[key] = msg[key] as Message[string];
  return out;
}
