/**
 * Processes scheduled by other nodes (HyperBEAM's find_remote_scheduler,
 * get_remote_schedule and remote_slot). `locate` says whether this node
 * schedules a process, and else where its scheduler is: the process's
 * `?hint=`, a location record kept here, or one a remote-node store's node
 * holds (checked and kept here). `RemoteSchedule` reads such a process's
 * assignments from its scheduler, and uses or keeps one only once it holds:
 * signed by the scheduler, for this process and slot, extending the hash
 * chain of the one before. Kept assignments are at
 * `remote-assignments/<process>/<slot>`, so a schedule read once is read here
 * after, even with its scheduler gone.
 */
import { commitmentsOf, committersOf, verifyMessage } from '../codecs/commitments.ts';
import type { CodecRegistry } from '../codecs/registry.ts';
import { base64url, fromBase64url, sha256 } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import { keptPromise } from '../core/kept.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { Context, MessageStore } from '../engine/context.ts';
import { messageId } from '../engine/ids.ts';
import type { HttpClient } from '../net/http-client.ts';
import type { TieredMessageStore } from '../stores/tiered.ts';
import {
  type LocationEntry,
  type SchedulerLocations,
  StaleNonceError,
  urlOf,
} from './locations.ts';
import { naturalOf } from './numbers.ts';
import { schedulersOf } from './process-message.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly remoteSchedules: RemoteSchedules;
  }
}

/** Where a process is scheduled. */
export type Whereabouts =
  | { readonly here: true }
  | {
      readonly here: false;
      readonly address: string;
      /** The scheduler's root URL; none when no record or hint says where it is. */
      readonly url?: string;
      readonly variant: string;
    };

/** A process's schedule as the runtime reads it. */
export interface ScheduleReader {
  /** The last assigned slot (-1: none); a remote one is not asked when `needed` is known. */
  current(needed?: number): Promise<number>;
  read(slot: number): Promise<Message | undefined>;
}

/** Assignments fetched at once. */
const PAGE = 100;
const RECENT_LIMIT = 4096;
const ROOT = 'remote-assignments';
const slotPath = (pid: string, slot: number) => `${ROOT}/${pid}/${slot}`;

/** A scheduler's root URL: proxied requests go to its paths, whatever the record's URL had. */
function rootOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** What went wrong with another node's scheduler: a 502 with the reason. */
export class RemoteSchedulerError extends HbError {
  constructor(message: string) {
    super('bad_remote_schedule', message, { status: 502 });
  }
}

interface Verified {
  /** The last slot kept, in order from 0 (-1: none). */
  slot: number;
  chain: Uint8Array;
}

export class RemoteSchedules {
  private readonly messages: MessageStore;
  private readonly http: HttpClient;
  private readonly codecs: CodecRegistry;
  private readonly locations: SchedulerLocations;
  /** Per process: what is kept, and the fetch under way (one at a time). */
  private readonly kept = new Map<string, Promise<Verified>>();
  /** Recently checked assignments: computing follows fetching closely. */
  private readonly recent = new Map<string, Message>();

  constructor(deps: {
    messages: MessageStore;
    http: HttpClient;
    codecs: CodecRegistry;
    locations: SchedulerLocations;
  }) {
    this.messages = deps.messages;
    this.http = deps.http;
    this.codecs = deps.codecs;
    this.locations = deps.locations;
  }

  /** Whether this node schedules `process`, and else where its scheduler is. */
  async locate(process: Message, ctx: Context): Promise<Whereabouts | undefined> {
    const { addresses, hint } = schedulersOf(process);
    if (addresses.length === 0) return undefined;
    if (addresses.includes(ctx.services.wallet.address)) return { here: true };
    const address = addresses[addresses.length - 1] as string;
    if (hint && ctx.config.scheduler_follow_hints) {
      return { here: false, address, url: hint, variant: 'ao.N.1' };
    }
    // HyperBEAM tries the list from its end.
    for (const candidate of [...addresses].reverse()) {
      const entry = await this.record(candidate, ctx);
      const url = entry && urlOf(entry.record);
      if (entry && url) {
        const variant = entry.record.variant;
        return {
          here: false,
          address: candidate,
          url,
          variant: typeof variant === 'string' ? variant : 'ao.N.1',
        };
      }
    }
    return { here: false, address, variant: 'ao.N.1' };
  }

  /** The address's location record: kept here, else from the nodes of remote-node stores. */
  private async record(address: string, ctx: Context): Promise<LocationEntry | undefined> {
    const known = await this.locations.latest(address);
    if (known) return known;
    for (const peer of this.peers()) {
      const record = await this.askLocation(peer, address, ctx).catch(() => undefined);
      if (!record) continue;
      const nonce = naturalOf(record.nonce) as number;
      const ttl = naturalOf(record['time-to-live']) as number;
      try {
        return await this.locations.put(address, record, nonce, ttl);
      } catch (error) {
        if (!(error instanceof StaleNonceError)) throw error;
      }
    }
    return undefined;
  }

  /** The nodes this node reads messages through. */
  private peers(): string[] {
    const stores = (this.messages as Partial<TieredMessageStore>).stores ?? [];
    return stores
      .map((s) => s.describe())
      .filter((d) => d['store-module'] === 'remote-node' && typeof d.node === 'string')
      .map((d) => d.node as string);
  }

  /** A peer's record for `address`, if it is signed by that address and complete. */
  private async askLocation(peer: string, address: string, ctx: Context) {
    const res = await this.http.send(
      peer,
      {
        path: `/~scheduler@1.0/location?address=${address}`,
        timeoutMs: ctx.config.http_request_send_timeout,
      },
      this.codecs,
    );
    const record = res.message.body;
    if (res.status !== 200 || !isMessage(record)) return undefined;
    if (!committersOf(record).includes(address)) return undefined;
    if (!(await verifyMessage(record, { committers: [address] }, this.codecs))) return undefined;
    if (!urlOf(record) || naturalOf(record.nonce) === undefined) return undefined;
    return naturalOf(record['time-to-live']) ? record : undefined;
  }

  /**
   * How the runtime reads a process's schedule: kept here when this node
   * schedules it (or nothing says where it is), else read from its scheduler.
   */
  async readerFor(process: Message, pid: string, ctx: Context): Promise<ScheduleReader> {
    const where = await this.locate(process, ctx);
    if (where && !where.here && where.url) {
      const remote = this.schedule(pid, where.address, where.url);
      return {
        current: (needed) => remote.current(ctx, needed),
        read: (slot) => remote.read(slot, ctx),
      };
    }
    const schedules = ctx.services.schedules;
    return {
      current: () => schedules.current(pid),
      read: (slot) => schedules.read(pid, slot),
    };
  }

  /** The schedule of a process scheduled at `url` by `address`. */
  schedule(pid: string, address: string, url: string): RemoteSchedule {
    return new RemoteSchedule(this, pid, address, url);
  }

  /** Send a request to a scheduler; its reply, or a RemoteSchedulerError. */
  async ask(url: string, req: Parameters<HttpClient['send']>[1], ctx: Context) {
    const root = rootOf(url);
    if (!root) throw new RemoteSchedulerError(`The scheduler's location is not a URL: ${url}`);
    return this.http.send(
      root,
      { timeoutMs: ctx.config.http_request_send_timeout, ...req },
      this.codecs,
    );
  }

  /**
   * POST a signed message to the scheduler at `url`: an ANS-104 item as the
   * item it is, anything else in the request's `body`. Its reply, as it came.
   */
  postSchedule(url: string, msg: Message, ctx: Context) {
    const ans104 = Object.values(commitmentsOf(msg)).some(
      (c) => isMessage(c) && c['commitment-device'] === 'ans104@1.0',
    );
    return this.ask(
      url,
      {
        method: 'POST',
        path: '/~scheduler@1.0/schedule',
        message: ans104 ? msg : { body: msg },
        codec: ans104 ? 'ans104@1.0' : 'httpsig@1.0',
      },
      ctx,
    );
  }

  /** What is kept of a process's remote schedule. */
  private verified(pid: string): Promise<Verified> {
    return keptPromise(this.kept, pid, () => this.recover(pid));
  }

  private async recover(pid: string): Promise<Verified> {
    const slots = new Set(
      ((await this.messages.list(`${ROOT}/${pid}`)) ?? []).map((n) => naturalOf(n)),
    );
    let slot = -1;
    while (slots.has(slot + 1)) slot++;
    if (slot < 0) return { slot, chain: new Uint8Array() };
    const last = await this.messages.read(slotPath(pid, slot));
    const chain = last?.['hash-chain'];
    return { slot, chain: typeof chain === 'string' ? fromBase64url(chain) : new Uint8Array() };
  }

  private remember(path: string, assignment: Message): void {
    this.recent.set(path, assignment);
    if (this.recent.size > RECENT_LIMIT) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
  }

  /** The last slot kept here (-1: none). */
  async keptSlot(pid: string): Promise<number> {
    return (await this.verified(pid)).slot;
  }

  async read(pid: string, slot: number): Promise<Message | undefined> {
    if (slot > (await this.verified(pid)).slot) return undefined;
    const path = slotPath(pid, slot);
    return this.recent.get(path) ?? this.messages.read(path);
  }

  /**
   * Fetch and keep assignments until `slot` is kept (or the scheduler has no
   * more): each is checked before any of its page is kept.
   */
  async fetchTo(schedule: RemoteSchedule, slot: number, ctx: Context): Promise<void> {
    const pid = schedule.pid;
    const run = this.verified(pid).then(async (state) => {
      while (state.slot < slot) {
        const from = state.slot + 1;
        const page = await this.fetchPage(schedule, from, Math.max(slot, from + PAGE - 1), ctx);
        if (page.length === 0) break;
        const chain = this.check(schedule, page, from, state.chain);
        if (!(await this.signedBy(page, schedule.address))) {
          throw new RemoteSchedulerError(
            `Assignments of ${pid} from ${schedule.url} do not verify as signed by ${schedule.address}. Nothing of them was kept.`,
          );
        }
        const paths = page.map((_, i) => slotPath(pid, from + i));
        const entries = page.map((a, i) => ({ message: a, links: [paths[i] as string] }));
        await this.messages.writeAll(entries);
        for (const { message, links } of entries) this.remember(links[0] as string, message);
        state.slot = from + page.length - 1;
        state.chain = chain;
        if (page.length < Math.min(PAGE, slot - from + 1)) break;
      }
      return state;
    });
    // Later calls wait for this one; a failure leaves what was kept as it was.
    this.kept.set(
      pid,
      run.catch(() => this.recover(pid)),
    );
    await run;
  }

  private async fetchPage(
    { pid, url }: RemoteSchedule,
    from: number,
    to: number,
    ctx: Context,
  ): Promise<Message[]> {
    const res = await this.ask(
      url,
      {
        path: `/~scheduler@1.0/schedule?target=${pid}&from=${from}&to=${to}`,
        headers: { 'accept-codec': 'httpsig@1.0' },
      },
      ctx,
    );
    if (res.status !== 200) {
      throw new RemoteSchedulerError(
        `The scheduler at ${url} answered ${res.status} for the schedule of ${pid}: ${String(res.message.body ?? '')}`,
      );
    }
    const assignments = res.message.assignments;
    if (!isMessage(assignments)) {
      throw new RemoteSchedulerError(`The scheduler at ${url} answered no assignments for ${pid}.`);
    }
    const page: Message[] = [];
    for (let slot = from; slot <= to; slot++) {
      const assignment = assignments[String(slot)];
      if (!isMessage(assignment)) break;
      page.push(assignment);
    }
    return page;
  }

  /** Check a page of assignments starting at `from`; returns the chain after it. */
  private check(
    { pid, address, url }: RemoteSchedule,
    page: Message[],
    from: number,
    chain: Uint8Array,
  ): Uint8Array {
    const refuse = (slot: number, why: string) =>
      new RemoteSchedulerError(
        `Assignment ${slot} of ${pid} from ${url} is refused: ${why}. Nothing of it was kept.`,
      );
    let current = chain;
    page.forEach((assignment, i) => {
      const slot = from + i;
      if (assignment.slot !== slot || assignment.process !== pid) {
        throw refuse(slot, 'it is for another slot or process');
      }
      if (!committersOf(assignment).includes(address)) {
        throw refuse(slot, `it is not signed by the scheduler ${address}`);
      }
      const body = assignment.body;
      if (!isMessage(body)) throw refuse(slot, 'it carries no message');
      current = sha256(
        Buffer.concat([current, Buffer.from(messageId(body, { committers: 'all' }), 'utf8')]),
      );
      if (assignment['hash-chain'] !== base64url(current)) {
        throw refuse(slot, 'its hash chain does not follow from the slot before');
      }
    });
    return current;
  }

  /** Whether the scheduler's signatures hold (checked after the cheap checks of `check`). */
  private async signedBy(page: Message[], address: string): Promise<boolean> {
    for (const assignment of page) {
      if (!(await verifyMessage(assignment, { committers: [address] }, this.codecs))) return false;
    }
    return true;
  }
}

/** One process's schedule on another node, as the runtime and scheduler read it. */
export class RemoteSchedule {
  private readonly remote: RemoteSchedules;
  readonly pid: string;
  /** The scheduler's wallet address: every assignment must be signed by it. */
  readonly address: string;
  readonly url: string;

  constructor(remote: RemoteSchedules, pid: string, address: string, url: string) {
    this.remote = remote;
    this.pid = pid;
    this.address = address;
    this.url = url;
  }

  /** The scheduler's last slot; not asked when `needed` is kept here already. */
  async current(ctx: Context, needed?: number): Promise<number> {
    const kept = await this.remote.keptSlot(this.pid);
    if (needed !== undefined && needed <= kept) return kept;
    const slot = await this.slot(ctx);
    const current = naturalOf(slot.message.current);
    if (slot.status !== 200 || current === undefined) {
      if (slot.status === 404 || slot.message.current === -1) return kept;
      throw new RemoteSchedulerError(
        `The scheduler at ${this.url} answered ${slot.status} without a current slot for ${this.pid}.`,
      );
    }
    return Math.max(current, kept);
  }

  /** The scheduler's `slot` reply, as it sent it. */
  slot(ctx: Context) {
    return this.remote.ask(this.url, { path: `/~scheduler@1.0/slot?target=${this.pid}` }, ctx);
  }

  /** An assignment: kept here, else fetched (with those after it) and checked. */
  async read(slot: number, ctx: Context): Promise<Message | undefined> {
    const kept = await this.remote.read(this.pid, slot);
    if (kept) return kept;
    await this.remote.fetchTo(this, slot, ctx);
    return this.remote.read(this.pid, slot);
  }

  /** Assignments `from`..`to`, in order, stopping at the first the scheduler does not have. */
  async range(from: number, to: number, ctx: Context): Promise<Message[]> {
    if (to >= from && (await this.remote.keptSlot(this.pid)) < to) {
      await this.remote.fetchTo(this, to, ctx);
    }
    const out: Message[] = [];
    for (let slot = from; slot <= to; slot++) {
      const assignment = await this.remote.read(this.pid, slot);
      if (!assignment) break;
      out.push(assignment);
    }
    return out;
  }
}
