/**
 * Schedules: the ordered, signed assignments of each process this node
 * schedules (HyperBEAM's dev_scheduler_server and dev_scheduler_cache).
 *
 * Slots are handed out one at a time per process, so they are gap-free and
 * ordered however many requests arrive at once; signatures are made in
 * parallel (off the main thread), but assignments are committed to the store
 * in slot order, and a slot is answered only once it is stored. Each
 * assignment is kept at `assignments/<process>/<slot>`, so a restarted node
 * carries on from its last slot.
 *
 * The hash chain is SHA-256(previous chain bytes ‖ scheduled message ID text)
 * (HyperBEAM's definition; unlike HyperBEAM it reads the previous value back
 * as bytes after a restart too).
 */
import { signHttpsigAsync } from '../codecs/httpsig/commit.ts';
import { base64url, fromBase64url, sha256 } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import { keptPromise } from '../core/kept.ts';
import { isMessage, type Message, valueEquals } from '../core/message.ts';
import type { Context, MessageStore } from '../engine/context.ts';
import { messageId, sameUnsignedId, unsignedMessageId } from '../engine/ids.ts';
import { currentBlock } from './block.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly schedules: Schedules;
  }
}

interface ProcessSchedule {
  /** The last slot handed out. */
  slot: number;
  chain: Uint8Array;
  /** Resolves once every assignment handed out so far is queued to be written, in slot order. */
  tail: Promise<void>;
  /** Assignments queued while a write is under way: written together next. */
  queue: Queued[];
  writing: boolean;
  /** A write failed: nothing after it may be stored (it would leave a gap). */
  broken?: Error;
}

interface Queued {
  readonly assignment: Message;
  readonly links: readonly string[];
  /** Paths to lead to the assigned message itself (a signed request it keeps). */
  readonly bodyLinks: readonly string[];
  readonly done: (error?: Error) => void;
}

const assignmentPath = (pid: string, slot: number) => `assignments/${pid}/${slot}`;
/** Where the assignment of a scheduled message is found by the message's ID. */
const messagePath = (pid: string, id: string) => `assignments/${pid}/messages/${id}`;

/**
 * The key an assignment runs on the process: the message's own `path` when it
 * names one (HyperBEAM), but `compute` when that path is only the HTTP route
 * the message was sent along (`/<pid>/schedule`, `/push`), which a signed
 * request covers and HyperBEAM would then try to run.
 */
function computeKeyOf(message: Message): string {
  const path = message.path;
  if (typeof path !== 'string' || path.includes('/') || ['', 'schedule', 'push'].includes(path)) {
    return 'compute';
  }
  return path;
}

const RECENT_LIMIT = 4096;

export class Schedules {
  private readonly store: MessageStore;
  private readonly states = new Map<string, Promise<ProcessSchedule>>();
  /** Recently stored assignments: computing usually follows scheduling closely. */
  private readonly recent = new Map<string, Message>();

  constructor(messages: MessageStore) {
    this.store = messages;
  }

  /** The processes with assignments here. */
  async processes(): Promise<string[]> {
    return (await this.store.list('assignments')) ?? [];
  }

  private state(pid: string): Promise<ProcessSchedule> {
    return keptPromise(this.states, pid, () => this.recover(pid));
  }

  /** The last stored slot and its chain, from the store. */
  private async recover(pid: string): Promise<ProcessSchedule> {
    const slots = ((await this.store.list(`assignments/${pid}`)) ?? [])
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
    if (slots.length === 0) {
      return {
        slot: -1,
        chain: new Uint8Array(),
        tail: Promise.resolve(),
        queue: [],
        writing: false,
      };
    }
    const slot = Math.max(...slots);
    const last = await this.read(pid, slot);
    const chain =
      typeof last?.['hash-chain'] === 'string'
        ? fromBase64url(last['hash-chain'])
        : new Uint8Array();
    return { slot, chain, tail: Promise.resolve(), queue: [], writing: false };
  }

  /** The last assigned slot (-1 when there is none). */
  async current(pid: string): Promise<number> {
    return (await this.state(pid)).slot;
  }

  async read(pid: string, slot: number): Promise<Message | undefined> {
    return this.recent.get(assignmentPath(pid, slot)) ?? this.store.read(assignmentPath(pid, slot));
  }

  /** The slot a message was scheduled in, by the message's ID. */
  async slotOfMessage(pid: string, id: string): Promise<number | undefined> {
    const assignment = await this.store.read(messagePath(pid, id));
    return typeof assignment?.slot === 'number' ? assignment.slot : undefined;
  }

  private remember(path: string, assignment: Message): void {
    this.recent.set(path, assignment);
    if (this.recent.size > RECENT_LIMIT)
      this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Assignments `from`..`to`, in order, stopping at the first missing one. */
  async range(pid: string, from: number, to: number): Promise<Message[]> {
    const out: Message[] = [];
    for (let slot = from; slot <= to; slot++) {
      const assignment = await this.read(pid, slot);
      if (!assignment) break;
      out.push(assignment);
    }
    return out;
  }

  /** Queue an assignment to be written; resolves once it is stored. */
  private enqueue(
    state: ProcessSchedule,
    assignment: Message,
    links: readonly string[],
    bodyLinks: readonly string[],
  ): Promise<void> {
    if (state.broken) return Promise.reject(state.broken);
    const stored = new Promise<void>((resolve, reject) => {
      state.queue.push({
        assignment,
        links,
        bodyLinks,
        done: (error) => (error ? reject(error) : resolve()),
      });
    });
    if (!state.writing) void this.writeQueued(state);
    return stored;
  }

  /** Write what is queued, one transaction per turn, until the queue is empty. */
  private async writeQueued(state: ProcessSchedule): Promise<void> {
    state.writing = true;
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0);
      try {
        await this.store.writeAll(
          batch.map((q) => ({
            message: q.assignment,
            links: q.links,
            nestedLinks: { body: q.bodyLinks },
          })),
        );
        for (const q of batch) q.done();
      } catch (error) {
        state.broken = error as Error;
        for (const q of [...batch, ...state.queue.splice(0)]) q.done(state.broken);
      }
    }
    state.writing = false;
  }

  /** Give `message` the next slot of `pid`; resolves with the stored, signed assignment. */
  async assign(pid: string, message: Message, ctx: Context): Promise<Message> {
    const wallet = ctx.services.wallet;
    if (!wallet) throw new HbError('no_wallet', 'the scheduler needs the node wallet to sign');
    const state = await this.state(pid);
    // From here to the signature request nothing awaits: slots follow arrival order.
    const slot = ++state.slot;
    const id = messageId(message, { committers: 'all' });
    state.chain = sha256(Buffer.concat([state.chain, Buffer.from(id, 'utf8')]));
    const chain = base64url(state.chain);
    // The signed request this message is (store_all_signed) is stored in its
    // assignment, once, and read by its IDs there.
    const keeping = ctx.request?.keeping;
    const isRequest = keeping !== undefined && valueEquals(keeping.message, message);
    const blockPromise = currentBlock(ctx);
    const signed = blockPromise.then(async (block) => {
      const unsigned: Message = {
        path: computeKeyOf(message),
        'data-protocol': 'ao',
        variant: 'ao.N.1',
        process: pid,
        epoch: '0',
        slot,
        'block-height': block.height,
        'block-hash': block.hash,
        'block-timestamp': block.timestamp,
        timestamp: Date.now(),
        'hash-chain': chain,
        body: message,
      };
      const signing = signHttpsigAsync(unsigned, wallet);
      signing.catch(() => undefined); // awaited below, unless working out the ID throws
      // The IDs it and a kept request are stored under, worked out while the thread pool signs.
      unsignedMessageId(unsigned);
      if (isRequest) unsignedMessageId(message);
      const assignment = await signing;
      sameUnsignedId(unsigned, assignment);
      return assignment;
    });
    // Signatures are made in parallel; assignments are queued in slot order and
    // written with their slot and message links, those queued together in one
    // transaction (a group commit), so the stored schedule never has a gap.
    // (The write's promise is wrapped: returned bare, it would be awaited here.)
    const kept = isRequest ? keeping.takeOver() : undefined;
    const queued = state.tail.then(async () => {
      const assignment = await signed;
      const links = [assignmentPath(pid, slot), messagePath(pid, id)];
      const bodyLinks = kept ? [unsignedMessageId(message)] : [];
      return { stored: this.enqueue(state, assignment, links, bodyLinks) };
    });
    // Not assigned after all: the request is stored on its own.
    kept?.(queued.then((q) => q.stored).catch(() => ctx.services.messages.write(message)));
    state.tail = queued.then(() => undefined);
    state.tail.catch(() => undefined); // the failure is this call's to report
    try {
      await (await queued).stored;
      this.remember(assignmentPath(pid, slot), await signed);
    } catch (error) {
      // A slot that could not be stored must not leave a gap: start again from the store.
      this.states.delete(pid);
      throw error;
    }
    return signed;
  }
}

export function isAssignment(value: unknown): value is Message {
  return isMessage(value) && typeof value.slot === 'number' && typeof value.process === 'string';
}
