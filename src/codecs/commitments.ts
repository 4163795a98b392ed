/**
 * Commitments: which of a message's commitments a request selects
 * (`committers`, `commitments`), whether they verify, and which keys they
 * cover. Each commitment names the codec that made it (`commitment-device`);
 * the codec registry finds it.
 */
import { isBinary } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import {
  Atom,
  isMessage,
  isPrivateKey,
  type Message,
  normalizeKey,
  type Value,
} from '../core/message.ts';
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
  const record = knownFor(msg, 'absent');
  const lists = selectCommitments(msg, req).map((id) => {
    let keys = record?.keys.get(id);
    if (keys === undefined) {
      keys = codecs.forCommitment(msg, id).committedKeys(msg, id);
      record?.keys.set(id, keys);
    }
    return keys;
  });
  const [first = [], ...rest] = lists;
  return first.filter((k) => rest.every((list) => list.includes(k)));
}

/**
 * What is known of a message's commitments, by the commitments object they
 * sit in: which hold, and the keys each covers. A message copied with the
 * same commitments and the very same values (a reply passed on with a new
 * hashpath, or its status set aside) shares the record, without hashing it
 * all again. Private keys are never committed, so they may differ.
 */
interface Known {
  msg: Message;
  holding: Set<string>;
  keys: Map<string, string[]>;
}
const known = new WeakMap<object, Known>();

function sameValues(a: Message, b: Message): boolean {
  let count = 0;
  for (const key of Object.keys(a)) {
    if (isPrivateKey(key)) continue;
    if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
    count++;
  }
  for (const key of Object.keys(b)) if (!isPrivateKey(key)) count--;
  return count === 0;
}

/**
 * The record for these very values; else, with `create`, a new (empty) one:
 * `always` replaces a record of other values, `absent` only fills a gap.
 */
function knownFor(msg: Message, create?: 'always' | 'absent'): Known | undefined {
  const commitments = msg.commitments;
  if (!isMessage(commitments)) return undefined;
  const record = known.get(commitments);
  if (record && sameValues(msg, record.msg)) return record;
  if (create === undefined || (record && create === 'absent')) return undefined;
  const fresh: Known = { msg, holding: new Set(), keys: new Map() };
  known.set(commitments, fresh);
  return fresh;
}

/** Record that commitments hold on `msg` (the node just made them). */
export function holds(msg: Message, ids: readonly string[]): void {
  const record = knownFor(msg, 'always');
  for (const id of ids) record?.holding.add(id);
}

/** Whether every commitment of `msg` is known to hold, without checking any. */
export function knownToHold(msg: Message): boolean {
  const record = knownFor(msg);
  const ids = Object.keys(commitmentsOf(msg));
  return record !== undefined && ids.length > 0 && ids.every((id) => record.holding.has(id));
}

/** Whether every selected commitment verifies (true when there are none). */
export async function verifyMessage(
  msg: Message,
  req: Message,
  codecs: CodecRegistry,
): Promise<boolean> {
  const ids = selectCommitments(msg, req);
  if (ids.length === 0) return true;
  const record = knownFor(msg);
  for (const id of ids) {
    if (record?.holding.has(id)) continue;
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
