/**
 * Scheduler-location records (HyperBEAM's dev_scheduler_cache
 * read_location/write_location): where the scheduler with a given wallet
 * address can be reached. A record is a message signed by that scheduler:
 *
 *   data-protocol: ao, variant: ao.N.1, type: scheduler-location,
 *   url: <the scheduler's root URL>, nonce: <integer>,
 *   time-to-live: <milliseconds>, codec-device: <codec it was signed with>
 *
 * Each accepted record is kept in the node's store, so it survives a
 * restart, at `scheduler-locations/<address>/<nonce>` (HyperBEAM keeps one
 * link at `scheduler-locations/<address>`; ours are append-only, so a newer
 * record never has to overwrite a link and the newest is the highest
 * nonce). What is stored is an envelope `{record, nonce, stored-at,
 * expires-at}`: the record as signed, and when it stops being served
 * (`stored-at` + `time-to-live`). Nonces only go up: a record whose nonce is
 * not above the stored one for its address is refused.
 */
import { HbError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { MessageStore } from '../engine/context.ts';
import { naturalOf } from './numbers.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly locations: SchedulerLocations;
  }
}

const ROOT = 'scheduler-locations';
const recordPath = (address: string, nonce: number) => `${ROOT}/${address}/${nonce}`;

export interface LocationEntry {
  address: string;
  /** The record, as its scheduler signed it. */
  record: Message;
  nonce: number;
  storedAt: number;
  /** Milliseconds since the epoch after which the record is not served. */
  expiresAt: number;
}

/** A newer record for the address is already known. */
export class StaleNonceError extends HbError {
  override name = 'StaleNonceError';
  readonly known: number;
  constructor(address: string, known: number, given: number) {
    super(
      'stale_nonce',
      `Known nonce higher than requested nonce: the stored record for ${address} has nonce ${known}, so a newer one needs a nonce above ${known} (this one has ${given}).`,
      { status: 400 },
    );
    this.known = known;
  }
}

/** The URL a record names (`url`, or HyperBEAM's older `location`). */
export function urlOf(record: Message): string | undefined {
  const url = record.url ?? record.location;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

function entryOf(address: string, envelope: Message | undefined): LocationEntry | undefined {
  if (!envelope || !isMessage(envelope.record)) return undefined;
  const nonce = naturalOf(envelope.nonce);
  const storedAt = naturalOf(envelope['stored-at']);
  const expiresAt = naturalOf(envelope['expires-at']);
  if (nonce === undefined || storedAt === undefined || expiresAt === undefined) return undefined;
  return { address, record: envelope.record, nonce, storedAt, expiresAt };
}

export class SchedulerLocations {
  private readonly store: MessageStore;
  /** Writes per address, one at a time: the nonce check and the write are one step. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(messages: MessageStore) {
    this.store = messages;
  }

  /** The nonces stored for an address, highest first. */
  private async nonces(address: string): Promise<number[]> {
    const names = (await this.store.list(`${ROOT}/${address}`)) ?? [];
    return names
      .map((name) => naturalOf(name))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => b - a);
  }

  /** The highest nonce stored for an address (expired or not), -1 when there is none. */
  async knownNonce(address: string): Promise<number> {
    return (await this.nonces(address))[0] ?? -1;
  }

  /** The newest record for an address, expired or not. */
  async newest(address: string): Promise<LocationEntry | undefined> {
    const nonce = (await this.nonces(address))[0];
    if (nonce === undefined) return undefined;
    return entryOf(address, await this.store.read(recordPath(address, nonce)));
  }

  /** The newest record for an address, unless it has expired. */
  async latest(address: string, now = Date.now()): Promise<LocationEntry | undefined> {
    const entry = await this.newest(address);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  /**
   * Keep `record` as the location of `address`, valid `ttl` ms from now.
   * Throws StaleNonceError (nothing stored) unless `nonce` is above the known one.
   */
  put(address: string, record: Message, nonce: number, ttl: number): Promise<LocationEntry> {
    const previous = this.queues.get(address) ?? Promise.resolve();
    const next = previous.then(
      () => this.write(address, record, nonce, ttl),
      () => this.write(address, record, nonce, ttl),
    );
    this.queues.set(address, next);
    const settled = () => {
      if (this.queues.get(address) === next) this.queues.delete(address);
    };
    next.then(settled, settled);
    return next;
  }

  private async write(
    address: string,
    record: Message,
    nonce: number,
    ttl: number,
  ): Promise<LocationEntry> {
    const known = await this.knownNonce(address);
    if (nonce <= known) throw new StaleNonceError(address, known, nonce);
    const storedAt = Date.now();
    const entry: LocationEntry = { address, record, nonce, storedAt, expiresAt: storedAt + ttl };
    await this.store.write(
      { record, nonce, 'stored-at': storedAt, 'expires-at': entry.expiresAt },
      [recordPath(address, nonce)],
    );
    return entry;
  }
}
