/**
 * Resolution results kept in the store, by hashpath, behind an in-memory
 * LRU: `computed/<hashpath>` links to the result message. Results arrive in
 * message form (literals wrapped as `{ao-result: body, body}`), so any
 * result can be stored; the resolver unwraps them again for callers that
 * did not ask for messages.
 */

import { isMessage, privateOf, withPrivate } from '../core/message.ts';
import type { Result } from '../engine/device.ts';
import { MemoryResultCache, type ResultCache } from '../engine/result-cache.ts';
import { RESULTS, type TieredMessageStore } from './tiered.ts';

export class StoreResultCache implements ResultCache {
  private readonly memory: MemoryResultCache;
  private readonly messages: TieredMessageStore;

  constructor(messages: TieredMessageStore, memoryLimit = 10_000) {
    this.messages = messages;
    this.memory = new MemoryResultCache(memoryLimit);
  }

  async read(hashpath: string): Promise<Result | undefined> {
    const hit = this.memory.read(hashpath);
    if (hit) return hit;
    const stored = await this.messages.read(`${RESULTS}/${hashpath}`);
    if (!stored) return undefined;
    const result: Result = { status: 'ok', body: withPrivate(stored, { hashpath }) };
    this.memory.write(hashpath, result);
    return result;
  }

  async write(hashpath: string, result: Result): Promise<void> {
    this.memory.write(hashpath, result);
    if (result.status !== 'ok' || !isMessage(result.body)) return;
    const body = result.body;
    const priv = privateOf(body);
    const id = await this.messages.write(Object.keys(priv).length ? withPrivate(body, {}) : body);
    await this.messages.link(id, `${RESULTS}/${hashpath}`);
  }

  describe() {
    return { 'cache-module': 'store', memory: this.memory.size };
  }
}
