/**
 * The AO-Core message model.
 *
 * A message is a map from keys to values, or a bare binary. Values are:
 * binaries (`string` for text, `Uint8Array` for other bytes), integers
 * (integral `number`s), floats (non-integral `number`s, or `Float` for
 * integral ones), atoms (`true`/`false` as JS booleans, others as `Atom`),
 * lists, nested messages, `Link`s to messages by ID, lazy `Resolve`s, and
 * `Opaque` runtime data that is never encoded (it lives under `priv`).
 *
 * Messages are treated as immutable values: every operation returns a new
 * object and nothing mutates its inputs, which lets IDs be memoised.
 */
import { type Binary, byteLength, compareBytes, isBinary } from './binary.ts';
import { BadRequestError } from './errors.ts';

/** An atom other than true/false (which are JS booleans). Interned. */
export class Atom {
  private static readonly table = new Map<string, Atom>();
  readonly name: string;
  private constructor(name: string) {
    this.name = name;
  }
  static of(name: string): Atom {
    let atom = Atom.table.get(name);
    if (!atom) {
      atom = new Atom(name);
      Atom.table.set(name, atom);
    }
    return atom;
  }
  toString(): string {
    return this.name;
  }
}

/** A float whose value happens to be integral (2.0): plain numbers would read as integers. */
export class Float {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A reference to another message by ID, loaded lazily when read. */
export class Link {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
}

/** Runtime data (a WASM instance, a wallet, a socket...) that is never encoded. */
export class Opaque<T = unknown> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
}

/**
 * A path list to resolve: `{resolve, Messages}` in HyperBEAM. `path` is its
 * HyperPATH text, which is how a message holding one is encoded (HyperBEAM
 * cannot encode one at all).
 */
export class Resolve {
  readonly messages: PathItem[];
  readonly path: string;
  constructor(messages: PathItem[], path: string) {
    this.messages = messages;
    this.path = path;
  }
}

/** Resolve `msg` with `device` as its device: `{as, Device, Msg}` in HyperBEAM. */
export class As {
  readonly device: DeviceRef;
  readonly msg: Message | string;
  constructor(device: DeviceRef, msg: Message | string) {
    this.device = device;
    this.msg = msg;
  }
}

/**
 * A device as a value (a message may name its device by an object): the
 * engine's devices are these, branded so they are never taken for messages.
 */
export interface DeviceValue {
  readonly [DEVICE_BRAND]: true;
  readonly name?: string;
}

export type DeviceRef = string | DeviceValue | Resolve;

export type Value =
  | Binary
  | number
  | boolean
  | Atom
  | Float
  | Link
  | Opaque
  | Resolve
  | As
  | DeviceValue
  | Value[]
  | Message;

export interface Message {
  [key: string]: Value;
}

/** An element of a message list to resolve: a message, an ID, a sub-resolution, or an `as`. */
export type PathItem = Value;

export const NOT_FOUND = Atom.of('not_found');
export const UNSET = Atom.of('unset');
export const UNDEFINED = Atom.of('undefined');
export const OK = Atom.of('ok');

/** Marks device objects, so they are never mistaken for messages. */
export const DEVICE_BRAND: unique symbol = Symbol.for('hyperbeam.device');

export function isDevice(value: unknown): value is DeviceValue {
  return typeof value === 'object' && value !== null && DEVICE_BRAND in value;
}

export function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !(DEVICE_BRAND in value);
}

/** Erlang's `?IS_ID`: any binary of 32, 42 or 43 bytes. */
export function isId(value: unknown): value is Binary {
  if (!isBinary(value)) return false;
  const n = byteLength(value);
  return n === 43 || n === 32 || n === 42;
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function isFloat(value: unknown): value is number | Float {
  return value instanceof Float || (typeof value === 'number' && !Number.isInteger(value));
}

/** Key normalisation: IDs keep their case, everything else is lower-cased. */
export function normalizeKey(key: string | number | Atom | boolean): string {
  if (typeof key === 'number') return String(key);
  if (typeof key === 'boolean') return String(key);
  if (key instanceof Atom) return key.name;
  const lower = key.toLowerCase();
  if (lower === key) return key;
  return isId(key) ? key : lower;
}

export function isPrivateKey(key: string): boolean {
  return normalizeKey(key).startsWith('priv');
}

/** Set a key without letting `__proto__` rewrite the object's prototype. */
export function put(target: Message, key: string, value: Value): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** A message's own value for a key (never one inherited from Object.prototype). */
export function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Build a message from key/value pairs, safely. */
export function fromEntries(entries: Iterable<readonly [string, Value]>): Message {
  const out: Message = {};
  for (const [k, v] of entries) put(out, k, v);
  return out;
}

export function sortedKeys(msg: Message): string[] {
  return Object.keys(msg).sort(compareBytes);
}

/** A list as a 1-indexed numbered message. */
export function listToMessage(list: readonly Value[]): Message {
  const out: Message = {};
  list.forEach((v, i) => {
    out[String(i + 1)] = v;
  });
  return out;
}

/**
 * Normalise a message's top-level keys (not recursively), turning lists into
 * numbered messages. Returns the same object when nothing changes.
 */
export function normalizeKeys(value: Value): Value {
  if (Array.isArray(value)) return listToMessage(value);
  if (!isMessage(value)) return value;
  let changed = false;
  for (const key of Object.keys(value)) {
    if (normalizeKey(key) !== key) {
      changed = true;
      break;
    }
  }
  if (!changed) return value;
  const out: Message = {};
  // Sorted order: on a clash ('A' and 'a') the byte-greater original wins, as in Erlang.
  for (const key of sortedKeys(value)) put(out, normalizeKey(key), value[key] as Value);
  return out;
}

/** The private sub-message (`priv`), or an empty one. */
export function privateOf(msg: Value): Message {
  if (!isMessage(msg)) return {};
  const priv = msg.priv;
  return isMessage(priv) ? priv : {};
}

/** Set the private sub-message; an empty one is not added to a message that had none. */
export function withPrivate(msg: Message, priv: Message): Message {
  if (Object.keys(priv).length === 0 && !('priv' in msg)) return msg;
  return { ...msg, priv };
}

/** Remove all private keys (priv, private, privacy...). */
export function withoutPrivate(msg: Message): Message {
  let out: Message | undefined;
  for (const key of Object.keys(msg)) {
    if (isPrivateKey(key)) {
      out ??= { ...msg };
      delete out[key];
    }
  }
  return out ?? msg;
}

export function omit(msg: Message, keys: Iterable<string>): Message {
  let out: Message | undefined;
  for (const key of keys) {
    if (Object.hasOwn(msg, key)) {
      out ??= { ...msg };
      delete out[key];
    }
  }
  return out ?? msg;
}

/** A message with no keys (or only its private part). */
export function isEmptyMessage(value: Value): boolean {
  if (!isMessage(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 0 || (keys.length === 1 && keys[0] === 'priv');
}

/** HyperBEAM's message_to_ordered_list: numbered keys, consecutive from the smallest. */
export function messageToList(value: Value): Value[] {
  if (Array.isArray(value)) return value;
  if (!isMessage(value) || isEmptyMessage(value)) return [];
  const entries = Object.keys(value)
    .filter((k) => !isPrivateKey(k))
    .map((k) => {
      if (!/^-?\d+$/.test(k)) {
        throw new BadRequestError('not_a_list', `key '${k}' is not a list index`);
      }
      return [Number(k), value[k] as Value] as const;
    })
    .sort((a, b) => a[0] - b[0]);
  const first = entries[0]?.[0] ?? 1;
  return entries.map(([n, v], i) => {
    if (n !== first + i) {
      throw new BadRequestError('not_a_list', `list index ${first + i} is missing`);
    }
    return v;
  });
}

/** Deep equality of values (bytes compared as bytes). */
export function valueEquals(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (isBinary(a) && isBinary(b)) {
    if (typeof a === 'string' && typeof b === 'string') return false;
    return Buffer.compare(Buffer.from(toBytesLoose(a)), Buffer.from(toBytesLoose(b))) === 0;
  }
  if (a instanceof Float || b instanceof Float) {
    const x = a instanceof Float ? a.value : a;
    const y = b instanceof Float ? b.value : b;
    return typeof x === 'number' && typeof y === 'number' && x === y && isFloat(a) && isFloat(b);
  }
  if (a instanceof Link && b instanceof Link) return a.id === b.id;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => valueEquals(v, b[i]));
  }
  if (isMessage(a) && isMessage(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && valueEquals(a[k], b[k]));
  }
  return false;
}

function toBytesLoose(value: Binary): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/** Deep merge: nested messages merge recursively, anything else is replaced. */
export function deepMerge(base: Message, update: Message): Message {
  const out: Message = { ...base };
  for (const [key, value] of Object.entries(update)) {
    const current = out[key];
    put(out, key, isMessage(current) && isMessage(value) ? deepMerge(current, value) : value);
  }
  return out;
}

/** Keys message@1.0's `set` never writes: the device's own, plus `set-mode`. */
export const RESERVED_SET_KEYS: ReadonlySet<string> = new Set([
  'id',
  'commitments',
  'committers',
  'keys',
  'path',
  'set',
  'remove',
  'verify',
  'set-mode',
]);

function isEmptyObject(msg: Message): boolean {
  for (const _ in msg) return false;
  return true;
}

/**
 * message@1.0's `set` of a (normalised) request's keys, applied to `target`
 * in place: keys the request gives `unset` are removed; its other public,
 * non-reserved keys are deep-merged (replaced with `set-mode: explicit`);
 * the target's private part is kept. Returns the keys set (before `unset`).
 * Linear in the size of the request, whatever the size of the target: the
 * device applies it to a copy; the resolver's bulk `set` to a message it owns.
 */
export function applySet(target: Message, req: Message): string[] {
  const priv = privateOf(target);
  const explicit = req['set-mode'] === 'explicit';
  const toSet: string[] = [];
  for (const key of sortedKeys(req)) {
    const value = req[key];
    if (isPrivateKey(key) || RESERVED_SET_KEYS.has(key)) continue;
    if (value !== undefined && value !== UNDEFINED) toSet.push(key);
  }
  for (const key of Object.keys(req)) {
    if (req[key] === UNSET && Object.hasOwn(target, key)) delete target[key];
  }
  for (const key of toSet) {
    const value = req[key] as Value;
    // A `__proto__` key was never copied by the object spreads this replaces.
    if (value === UNSET || key === '__proto__') continue;
    const current = target[key];
    put(
      target,
      key,
      !explicit && isMessage(current) && isMessage(value) ? deepMerge(current, value) : value,
    );
  }
  if (!isEmptyObject(priv) || 'priv' in target) target.priv = priv;
  return toSet;
}

/** A short human description of a value, for errors and logs. */
export function describe(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value instanceof Uint8Array) text = `<${value.length} bytes>`;
  else if (value instanceof Atom) text = value.name;
  else if (isDevice(value)) text = `device ${value.name ?? '(inline)'}`;
  else if (isMessage(value)) text = `{${Object.keys(value).join(', ')}}`;
  else text = String(value);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** The value at a `/`-separated path of nested messages (no device involved). */
export function valueAt(msg: Message, path: string): Value | undefined {
  let current: Value | undefined = msg;
  for (const part of path.split('/')) {
    if (part === '') continue;
    if (!isMessage(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** A copy of `msg` with `value` at a `/`-separated path, creating messages on the way. */
export function withValueAt(msg: Message, path: string, value: Value): Message {
  const [head = '', ...rest] = path.split('/').filter((p) => p !== '');
  if (rest.length === 0) return { ...msg, [head]: value };
  const inner = msg[head];
  return { ...msg, [head]: withValueAt(isMessage(inner) ? inner : {}, rest.join('/'), value) };
}
