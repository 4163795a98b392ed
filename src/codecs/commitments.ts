/**
 * Commitment schemes: how a codec commits to (signs, or HMACs) a message,
 * verifies a commitment, and says which keys a commitment covers.
 * `message@1.0`'s commit/verify/committed keys dispatch to these by the
 * commitment's `commitment-device`.
 */
import { NotFoundError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { Opts } from '../core/opts.ts';

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
