/**
 * The running node's message. Every request reads it afresh, so an accepted
 * `POST /~meta@1.0/info` takes effect on the next request (as HyperBEAM's
 * listener environment does). Devices reach it through `opts.node`.
 */
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { mimicDefaultTypes, SERVICE_KEYS, TRANSPORT_KEYS } from './options.ts';

export class LiveNode {
  #opts: Opts;

  constructor(opts: Opts) {
    this.#opts = { ...opts, node: this };
  }

  get opts(): Opts {
    return this.#opts;
  }

  /** Replace the node message (hooks and tests); services are kept unless replaced. */
  replace(opts: Opts): void {
    this.#opts = { ...this.#opts, ...opts, node: this };
  }

  /**
   * Adopt a configuration request: its keys (minus the HTTP exchange's own and
   * the node's services) are typed like the defaults and merged in; the request
   * is recorded at the head of `node_history`.
   */
  adopt(request: Message): Opts {
    if (this.#opts.initialized === 'permanent') {
      throw new BadRequestError('permanent', 'Node message is already permanent.');
    }
    const changes: Message = {};
    for (const [key, value] of Object.entries(request)) {
      if (!TRANSPORT_KEYS.has(key)) changes[key] = value;
    }
    let typed: Message;
    try {
      typed = mimicDefaultTypes(changes);
    } catch (error) {
      throw new BadRequestError('bad_option', (error as Error).message);
    }
    for (const key of Object.keys(typed)) {
      if (SERVICE_KEYS.has(key) || key === 'address') {
        throw new BadRequestError('protected_option', `'${key}' cannot be set through info`);
      }
    }
    const history = Array.isArray(this.#opts.node_history) ? this.#opts.node_history : [];
    this.#opts = { ...this.#opts, ...typed, node_history: [request, ...history], node: this };
    return this.#opts;
  }
}
