/**
 * Stores by configuration. The node option `store` is a store descriptor, or
 * a list of them tried in order: `{store-module: memory}` now; persistent
 * modules are added beside it. A store instance may also be given directly.
 */
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Value } from '../core/message.ts';
import type { MessageStore } from '../core/opts.ts';
import { MemoryStore } from './memory.ts';

export function isMessageStore(value: unknown): value is MessageStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MessageStore).read === 'function' &&
    typeof (value as MessageStore).write === 'function'
  );
}

/** The store a `store` option describes (its first entry, for a list). */
export function openStore(option: Value | MessageStore | undefined): MessageStore {
  if (option === undefined) return new MemoryStore();
  if (isMessageStore(option)) return option;
  const descriptor = Array.isArray(option) ? option[0] : option;
  if (!isMessage(descriptor)) {
    throw new BadRequestError('bad_store', 'a store is described by {store-module, ...}');
  }
  const module = String(descriptor['store-module'] ?? 'memory');
  switch (module) {
    case 'memory':
      return new MemoryStore();
    default:
      throw new BadRequestError('unknown_store', `no store module '${module}'`);
  }
}
