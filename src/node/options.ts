/**
 * The node message: a node's configuration, with HyperBEAM's option names
 * (hb_opts:default_message) so configuration files and `POST /~meta@1.0/info`
 * requests carry over. Only options this node honours are listed; anything
 * else a configuration sets is kept (and shown by `info`) but has no effect.
 */
import { Atom, Float, isMessage, type Message, put, type Value } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';

/** Options a node honours, with their defaults. */
export const NODE_DEFAULTS: Readonly<Opts> = Object.freeze({
  // Where things are.
  hb_config_location: 'config.flat',
  priv_key_location: 'hyperbeam-key.json',
  port: 8734,
  host: 'localhost',
  /** The interface to listen on (`0.0.0.0`: all, as HyperBEAM). */
  bind: '0.0.0.0',
  gateway: 'https://arweave.net',
  mode: 'debug',
  // Who may do what.
  initialized: true,
  force_signed: true,
  force_signed_requests: false,
  store_all_signed: true,
  // Encoding.
  commitment_device: 'httpsig@1.0',
  default_codec: 'httpsig@1.0',
  default_req: '/~hyperbuddy@1.0/index',
  // Resolution.
  cache_control: ['no-cache', 'no-store'],
  await_inprogress: 'named',
  error_strategy: 'throw',
  http_extra_opts: { force_message: true, cache_control: ['always'] },
  on: {},
  node_history: [],
  // HTTP limits and timeouts (milliseconds, bytes).
  idle_timeout: 300_000,
  http_request_timeout: 60_000,
  http_resolve_timeout: 300_000,
  http_max_header_size: 64 * 1024,
  http_max_body_size: 64 * 1024 * 1024,
  /** Keys a request message may hold, nested ones and list items included (413 beyond). */
  http_max_keys: 10_000,
  /** How deep a request's messages, lists, `a/b/c` keys and `(...)` sub-paths may nest. */
  http_max_depth: 64,
  /** Keys a request's path messages may hold together (its keys are copied into each). */
  http_max_path_keys: 100_000,
  debug_print: false,
  prometheus: true,
  /** Accept gateway items whose signatures GraphQL cannot reproduce (HyperBEAM: true). */
  ans104_trust_gql: false,
});

/** Keys that hold the node's services, not configuration: never set from outside. */
export const SERVICE_KEYS = new Set([
  'devices',
  'codecs',
  'schemes',
  'store',
  'cache',
  'node',
  'on_step',
  'priv_wallet',
  'metrics',
  'quiet',
  'http_request',
]);

/** Request keys that describe the HTTP exchange, not the node: never adopted as options. */
export const TRANSPORT_KEYS = new Set([
  'path',
  'method',
  'commitments',
  'accept',
  'accept-encoding',
  'accept-language',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'transfer-encoding',
  'user-agent',
]);

/** `await-inprogress` -> `await_inprogress`: option names use underscores. */
export function optionName(key: string): string {
  return key.replace(/-/g, '_');
}

/** Options whose values are atoms in HyperBEAM, where `true`/`false` are booleans. */
const ATOM_OPTIONS = new Set([
  'initialized',
  'await_inprogress',
  'mode',
  'hashpath',
  'error_strategy',
  'debug_print',
]);

function coerce(key: string, value: Value, fallback: unknown): Value {
  const text = typeof value === 'string' ? value : value instanceof Atom ? value.name : undefined;
  if (text === undefined) return value;
  if (typeof fallback === 'boolean' || ATOM_OPTIONS.has(key)) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    return text;
  }
  if (typeof fallback === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) {
      throw new TypeError(`option '${key}' must be a number, not '${text}'`);
    }
    return Number.isInteger(fallback) && Number.isInteger(n) ? n : new Float(n);
  }
  return text;
}

/**
 * Give configuration values the types of the defaults (HyperBEAM's
 * mimic_default_types): `port: "1234"` becomes 1234, `force_signed: "false"`
 * becomes false. Keys are renamed with underscores; unknown keys stay as given.
 */
export function mimicDefaultTypes(msg: Message): Message {
  const out: Message = {};
  for (const [rawKey, value] of Object.entries(msg)) {
    const key = optionName(rawKey);
    put(
      out,
      key,
      Object.hasOwn(NODE_DEFAULTS, key) ? coerce(key, value, NODE_DEFAULTS[key]) : value,
    );
  }
  return out;
}

/** A JSON-able value, as configuration files hold them. */
export function isConfigValue(value: unknown): value is Value {
  if (value === null) return false;
  if (['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (value instanceof Atom || value instanceof Float || value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.every(isConfigValue);
  return isMessage(value) && Object.values(value).every(isConfigValue);
}
