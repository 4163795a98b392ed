/**
 * Ready-to-use options: the built-in devices, codecs and commitment schemes,
 * an in-memory store and result cache. Pass overrides to change any of them.
 */
import { codecs, schemes } from './codecs/index.ts';
import { createDeviceRegistry } from './devices/index.ts';
import type { Opts } from './engine/context.ts';
import { MemoryResultCache } from './engine/result-cache.ts';
import { MemoryStore } from './stores/memory.ts';
import { MessageCache } from './stores/message-cache.ts';

export function createOpts(overrides: Opts = {}): Opts {
  return {
    devices: createDeviceRegistry(),
    codecs,
    schemes,
    store: new MessageCache([new MemoryStore()]),
    cache: new MemoryResultCache(),
    ...overrides,
  };
}
