/**
 * Devices: the code that gives a message's keys meaning.
 *
 * A device is a plain object: named key functions, plus optional `handler`
 * (takes every exported key), `default` (takes keys it has no function for),
 * `exports`/`excludes` (which keys it answers at all) and `grouper` (which
 * concurrent resolutions may share one execution). Keys a device does not
 * answer fall back to `message@1.0`. `info(base)` may compute any of these
 * from the message, as HyperBEAM's info/1 does.
 *
 * The error rule: a key function answers what a client got wrong with
 * `fail(status, message)`, an error result whose body is
 * `{status, body: message}` (plus any keys for the reply, e.g. `location`).
 * An HbError thrown beneath a device (a codec, a parser) becomes the same
 * result at the device boundary; anything else thrown is a bug (500).
 */
import { DEVICE_BRAND, type DeviceRef, type Message, type Value } from '../core/message.ts';
import type { Context } from './context.ts';

/** A resolution's outcome: `ok`, `error`, or a device-specific status (`skip`, `pass`...). */
export interface Result {
  status: string;
  body: Value;
}

export type Returned = Result | Promise<Result>;

/** A key's function: base message, request message, context. */
export type KeyFunction = (base: Message, req: Message, ctx: Context) => Returned;

/** A handler or default: like a key function, but told which key was asked for. */
export type Handler = (key: string, base: Message, req: Message, ctx: Context) => Returned;

export interface DeviceInfo {
  /** Only these keys are answered by the device (others go to message@1.0). */
  exports?: readonly string[];
  /** These keys are never answered by the device. */
  excludes?: readonly string[];
  /** Answers every exported key; `{ func, excludes }` sends the excluded ones to message@1.0. */
  handler?: Handler | { func: Handler; excludes: readonly string[] };
  /** Answers exported keys that have no function: a handler, or another device. */
  default?: Handler | DeviceRef;
  /**
   * Keys whose results depend on more than the base and the request (the
   * node's state, the time): never served from or written to the result
   * cache. `true`: every key of the device.
   */
  volatile?: readonly string[] | true;
  /**
   * Keys whose results depend on the node's configuration besides the base
   * and the request: never in the result cache either, but an identical
   * request may get the same reply while the configuration is the same (the
   * HTTP reply cache is kept per configuration).
   */
  configured?: readonly string[];
  /** Names the group of a resolution; resolutions in one group run once. */
  grouper?: (base: Message, req: Message, ctx: Context) => string | undefined;
}

export interface Device extends DeviceInfo {
  readonly [DEVICE_BRAND]: true;
  /** `name@version`, as messages refer to it. */
  readonly name?: string;
  /** Other names it answers to (HyperBEAM's older or alternative names). */
  readonly aliases?: readonly string[];
  /** One function per key. Keys are looked up normalised, then with `-` as `_`. */
  readonly keys?: Readonly<Record<string, KeyFunction>>;
  /** Info computed from the message being resolved; overrides the static fields. */
  info?(base: Message, ctx: Context): DeviceInfo;
}

export type DeviceSpec = Omit<Device, typeof DEVICE_BRAND>;

export function defineDevice(spec: DeviceSpec): Device {
  return { ...spec, [DEVICE_BRAND]: true } as Device;
}

export const ok = (body: Value): Result => ({ status: 'ok', body });
export const error = (body: Value): Result => ({ status: 'error', body });
export const withStatus = (status: string, body: Value): Result => ({ status, body });

/** What a client got wrong: an error result `{status, body: message, ...extra}`. */
export const fail = (status: number, message: Value, extra: Message = {}): Result =>
  error({ ...extra, status, body: message });

export function isResult(value: unknown): value is Result {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Result).status === 'string' &&
    'body' in value
  );
}
