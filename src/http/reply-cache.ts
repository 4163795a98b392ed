/**
 * Replies to repeated requests, served again without resolving them. A
 * reply is kept only when it is a function of its request's bytes: an
 * unsigned GET or HEAD without a body or `cache-control`, answered 2xx, by a
 * resolution whose every step the result cache could keep (nothing volatile,
 * no stored message read, no hooks: the engine's `RequestTrace`). The key is
 * the request line plus every header as sent; an entry holds for the
 * configuration it was made under. Bounded by bytes, least recently used
 * first out.
 */
import type { IncomingMessage } from 'node:http';
import type { NodeConfig } from '../config/schema.ts';
import type { HttpReply } from './reply.ts';

/** A reply larger than this share of the budget is not kept. */
const LARGEST_SHARE = 16;

interface Entry {
  readonly config: NodeConfig;
  readonly reply: HttpReply;
  readonly size: number;
}

export class ReplyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #budget: number;
  #size = 0;

  constructor(budget: number) {
    this.#budget = budget;
  }

  /** The key of a request whose reply may be kept; undefined for any other. */
  key(req: IncomingMessage): string | undefined {
    if (this.#budget === 0 || (req.method !== 'GET' && req.method !== 'HEAD')) return undefined;
    const { headers } = req;
    if (
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      headers['cache-control'] !== undefined ||
      headers.signature !== undefined ||
      headers['signature-input'] !== undefined
    ) {
      return undefined;
    }
    return `${req.method} ${req.url}\n${req.rawHeaders.join('\n')}`;
  }

  get(key: string, config: NodeConfig): HttpReply | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.config !== config) {
      this.#size -= entry.size;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.reply;
  }

  put(key: string, config: NodeConfig, reply: HttpReply): void {
    if (reply.status < 200 || reply.status > 299) return;
    let size = key.length + reply.body.length;
    for (const [name, value] of Object.entries(reply.headers)) size += name.length + value.length;
    if (size > this.#budget / LARGEST_SHARE) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#size -= old.size;
    }
    this.#entries.set(key, { config, reply, size });
    this.#size += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#size <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#size -= entry.size;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
