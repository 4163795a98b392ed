/**
 * The device registry: devices by `name@version`. Names are matched
 * case-insensitively. Loading a device by message ID is refused (HyperBEAM
 * ships Erlang bytecode that way; we do not run foreign code).
 */

import { BadRequestError, NotFoundError } from '../core/errors.ts';
import { describe, isDevice, isId, type Value } from '../core/message.ts';
import type { Device } from './device.ts';

export class DeviceRegistry {
  private readonly devices = new Map<string, Device>();

  constructor(devices: Iterable<Device> = []) {
    for (const device of devices) {
      this.register(device);
      for (const alias of device.aliases ?? []) this.register(device, alias);
    }
  }

  register(device: Device, name = device.name): this {
    if (!name) throw new TypeError('a registered device needs a name');
    this.devices.set(name.toLowerCase(), device);
    return this;
  }

  has(name: string): boolean {
    return this.devices.has(name.toLowerCase());
  }

  get(name: string): Device | undefined {
    return this.devices.get(name.toLowerCase());
  }

  /** Every registered device, once each. */
  all(): Device[] {
    return [...new Set(this.devices.values())];
  }

  names(): string[] {
    return [...this.devices.keys()].sort();
  }

  /** The device a message's `device` value refers to. */
  load(ref: Value): Device {
    if (isDevice(ref)) return ref;
    if (typeof ref !== 'string') {
      throw new BadRequestError('bad_device', `not a device reference: ${describe(ref)}`);
    }
    const device = this.devices.get(ref.toLowerCase());
    if (device) return device;
    if (isId(ref)) {
      throw new NotFoundError(
        'device_not_loadable',
        `device ${ref}: loading devices by ID is disabled`,
      );
    }
    throw new NotFoundError('device_not_found', `device ${ref} is not available on this node`, {
      details: { device: ref },
    });
  }
}
