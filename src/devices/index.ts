/**
 * The devices this node ships, by name. A device is a TypeScript module that
 * exports a `defineDevice({...})` object; add it here to preload it.
 */
import type { Device } from '../engine/device.ts';
import { DeviceRegistry } from '../engine/registry.ts';
import { cacheDevice } from './cache.ts';
import { codecDevices } from './codecs.ts';
import { cronDevice } from './cron.ts';
import { dedupDevice } from './dedup.ts';
import { faffDevice } from './faff.ts';
import { genesisWasmDevice } from './genesis-wasm.ts';
import { greenzoneDevice } from './greenzone.ts';
import { hyperbuddyDevice } from './hyperbuddy.ts';
import { jsonIfaceDevice } from './json-iface.ts';
import { luaDevice } from './lua.ts';
import { messageDevice } from './message.ts';
import { metaDevice } from './meta.ts';
import { multipassDevice } from './multipass.ts';
import { nodeProcessDevice } from './node-process.ts';
import { p4Device } from './p4.ts';
import { patchDevice } from './patch.ts';
import { processDevice } from './process.ts';
import { pushDevice } from './push.ts';
import { relayDevice } from './relay.ts';
import { routerDevice } from './router.ts';
import { schedulerDevice } from './scheduler.ts';
import { simplePayDevice } from './simple-pay.ts';
import { snpDevice } from './snp.ts';
import { stackDevice } from './stack.ts';
import { testDevice } from './test-device.ts';
import { wasiDevice } from './wasi.ts';
import { wasm64Device } from './wasm-64.ts';

export const builtinDevices: readonly Device[] = [
  messageDevice,
  metaDevice,
  cacheDevice,
  schedulerDevice,
  processDevice,
  pushDevice,
  relayDevice,
  routerDevice,
  p4Device,
  simplePayDevice,
  luaDevice,
  nodeProcessDevice,
  snpDevice,
  greenzoneDevice,
  faffDevice,
  cronDevice,
  stackDevice,
  wasm64Device,
  wasiDevice,
  jsonIfaceDevice,
  multipassDevice,
  patchDevice,
  dedupDevice,
  genesisWasmDevice,
  hyperbuddyDevice,
  testDevice,
  ...codecDevices,
];

export function createDeviceRegistry(extra: Iterable<Device> = []): DeviceRegistry {
  return new DeviceRegistry([...builtinDevices, ...extra]);
}
