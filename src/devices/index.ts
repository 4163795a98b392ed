/**
 * The devices this node ships, by name. A device is a TypeScript module that
 * exports a `defineDevice({...})` object; add it here to preload it.
 */
import type { Device } from '../core/device.ts';
import { DeviceRegistry } from '../core/registry.ts';
import { cacheDevice } from './cache.ts';
import { codecDevices } from './codecs.ts';
import { cronDevice } from './cron.ts';
import { hyperbuddyDevice } from './hyperbuddy.ts';
import { messageDevice } from './message.ts';
import { metaDevice } from './meta.ts';
import { processDevice } from './process.ts';
import { pushDevice } from './push.ts';
import { schedulerDevice } from './scheduler.ts';
import { stackDevice } from './stack.ts';
import { testDevice } from './test-device.ts';

export const builtinDevices: readonly Device[] = [
  messageDevice,
  metaDevice,
  cacheDevice,
  schedulerDevice,
  processDevice,
  pushDevice,
  cronDevice,
  stackDevice,
  hyperbuddyDevice,
  testDevice,
  ...codecDevices,
];

export function createDeviceRegistry(extra: Iterable<Device> = []): DeviceRegistry {
  return new DeviceRegistry([...builtinDevices, ...extra]);
}
