/**
 * Commitments: which of a message's commitments a request selects
 * (`committers`, `commitments`), whether they verify, and which keys they
 * cover. Each commitment names the codec that made it (`commitment-device`);
 * the codec registry finds it.
 */
import { isBinary } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { Atom, isMessage, type Message, normalizeKey, type Value } from '../core/message.ts';
import type { CodecRegistry } from './registry.ts';

type Selector = 'all' | 'none' | string[];

function selector(value: Value | undefined, fallback: 'all' | 'none'): Selector {
  if (value === undefined) return fallback;
  if (Array.isArray(value)) return value.map(String);
  if (isMessage(value)) return Object.values(value).map(String);
  const name =
    typeof value === 'string'
      ? normalizeKey(value)
      : value instanceof Atom
        ? value.name
        : String(value);
  return name === 'all' || name === 'none' ? name : [String(value)];
}

export function commitmentsOf(msg: Message): Message {
  const c = msg.commitments;
  return isMessage(c) ? c : {};
}

/**
 * The commitment IDs a request selects (HyperBEAM's commitment_ids_from_request):
 * `committers` (addresses, `all` or `none`) and `commitments` (IDs, `all` or
 * `none`); with neither, every commitment.
 */
export function selectCommitments(base: Message, req: Message): string[] {
  const commitments = commitmentsOf(base);
  const committers = selector(req.committers, 'none');
  const ids = selector(req.commitments, committers === 'none' ? 'all' : 'none');
  const fromIds = ids === 'none' ? [] : ids === 'all' ? Object.keys(commitments) : ids;
  for (const id of fromIds) {
    if (!Object.hasOwn(commitments, id))
      throw new BadRequestError('commitment_not_found', `no commitment ${id}`);
  }
  let fromCommitters: string[] = [];
  if (committers !== 'none') {
    const wanted =
      committers === 'all'
        ? [
            ...new Set(
              Object.values(commitments).flatMap((c) =>
                isMessage(c) && isBinary(c.committer) ? [String(c.committer)] : [],
              ),
            ),
          ]
        : committers;
    for (const address of wanted) {
      const matches = Object.keys(commitments).filter((id) => {
        const c = commitments[id];
        return isMessage(c) && c.committer === address;
      });
      if (matches.length === 0) {
        throw new BadRequestError('committer_not_found', `no commitment by ${address}`);
      }
      fromCommitters = fromCommitters.concat(matches);
    }
  }
  return [...fromCommitters, ...fromIds];
}

/** The committer addresses of a message's commitments. */
export function committersOf(msg: Message): string[] {
  return Object.values(commitmentsOf(msg)).flatMap((c) =>
    isMessage(c) && isBinary(c.committer) ? [String(c.committer)] : [],
  );
}

/** Keys covered by every commitment the request selects (all, by default). */
export function committedKeys(msg: Message, req: Message, codecs: CodecRegistry): string[] {
  const lists = selectCommitments(msg, req).map((id) =>
    codecs.forCommitment(msg, id).committedKeys(msg, id),
  );
  const [first = [], ...rest] = lists;
  return first.filter((k) => rest.every((list) => list.includes(k)));
}

/**
 * Commitments known to hold, by the commitments object they sit in: a message
 * copied with the same commitments and the very same values (a reply passed
 * on, its status set aside) holds them too, without hashing it all again.
 */
const held = new WeakMap<object, { msg: Message; ids: Set<string> }>();

function sameValues(a: Message, b: Message): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** The commitments known to hold for these very values; with `create`, a new (empty) record. */
function heldFor(msg: Message, create: boolean): Set<string> | undefined {
  const commitments = msg.commitments;
  if (!isMessage(commitments)) return undefined;
  const known = held.get(commitments);
  if (known && sameValues(msg, known.msg)) return known.ids;
  if (!create) return undefined;
  const ids = new Set<string>();
  held.set(commitments, { msg, ids });
  return ids;
}

/** Record that commitments hold on `msg` (the node just made them). */
export function holds(msg: Message, ids: readonly string[]): void {
  const known = heldFor(msg, true);
  for (const id of ids) known?.add(id);
}

/** Whether every selected commitment verifies (true when there are none). */
export async function verifyMessage(
  msg: Message,
  req: Message,
  codecs: CodecRegistry,
): Promise<boolean> {
  const ids = selectCommitments(msg, req);
  if (ids.length === 0) return true;
  const known = heldFor(msg, false);
  for (const id of ids) {
    if (known?.has(id)) continue;
    if (!(await codecs.forCommitment(msg, id).verify(msg, id))) return false;
  }
  holds(msg, ids);
  return true;
}

/** The message reduced to the keys its commitments cover (unchanged if it has none). */
export function withOnlyCommitted(msg: Message, codecs: CodecRegistry): Message {
  if (!isMessage(msg.commitments) || Object.keys(msg.commitments).length === 0) return msg;
  const keep = new Set([...committedKeys(msg, { commitments: 'all' }, codecs), 'commitments']);
  const out: Message = {};
  for (const key of Object.keys(msg)) if (keep.has(key)) out[key] = msg[key] as Message[string];
  return out;
}
