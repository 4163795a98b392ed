/**
 * The result cache: remembers `base(request) => result` by the step's
 * hashpath. Which steps use it is decided by `cache_control` directives,
 * from the options first, then the base's and request's `cache-control`.
 */

import { isMessage, normalizeKey, type Value } from '../core/message.ts';
import type { Directives } from './context.ts';
import type { Result } from './device.ts';

export interface ResultCache {
  read(key: string): Promise<Result | undefined> | Result | undefined;
  write(key: string, result: Result): Promise<void> | void;
}

/** An in-memory result cache holding at most `limit` results (least recently used go first). */
export class MemoryResultCache implements ResultCache {
  private readonly entries = new Map<string, Result>();
  private readonly limit: number;
  constructor(limit = 10_000) {
    this.limit = limit;
  }
  read(key: string): Result | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  write(key: string, result: Result): void {
    this.entries.delete(key);
    this.entries.set(key, result);
    if (this.entries.size > this.limit) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }
  get size(): number {
    return this.entries.size;
  }
}

export interface CacheSettings {
  store: boolean;
  lookup: boolean;
  onlyIfCached: boolean;
}

type Partial3 = { store?: boolean; lookup?: boolean; onlyIfCached?: boolean };

function directives(value: unknown): Partial3 {
  // A list, or HTTP's comma-separated text (`no-cache, only-if-cached`).
  const list = (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => normalizeKey(v.trim()));
  const has = (d: string) => list.includes(d);
  return {
    store: has('always') ? true : has('no-store') ? false : has('store') ? true : undefined,
    lookup: has('always') ? true : has('no-cache') ? false : has('cache') ? true : undefined,
    onlyIfCached: has('only-if-cached') ? true : undefined,
  };
}

function fromMessage(msg: Value | undefined): Partial3 {
  return isMessage(msg) && msg['cache-control'] !== undefined
    ? directives(msg['cache-control'])
    : {};
}

/** Cache settings for a step: directives win over the first message, which wins over the second. */
export function cacheSettings(
  run: Directives,
  first: Value | undefined,
  second: Value | undefined,
): CacheSettings {
  const fromOpts = directives(run.cacheControl);
  if (run.hashpath === 'ignore') fromOpts.store = false;
  const sources = [fromOpts, fromMessage(first), fromMessage(second)];
  const pick = (k: keyof Partial3) => sources.find((s) => s[k] !== undefined)?.[k] ?? false;
  return { store: pick('store'), lookup: pick('lookup'), onlyIfCached: pick('onlyIfCached') };
}
