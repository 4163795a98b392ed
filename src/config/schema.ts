/**
 * The node's options, in one table: name (HyperBEAM's, so a HyperBEAM
 * `config.flat` works unchanged), type, default and what it does. The table
 * drives parsing of every configuration source (config.flat, JSON, the
 * environment, flags, `POST /~meta@1.0/info`), what `info` shows, startup
 * validation (a wrong value is refused naming the option) and the README's
 * option list (`npm run options`). Keys the table does not know are kept as
 * given: devices may read them (HyperBEAM's node message is open too).
 */
import { Atom, Float, isMessage, type Message, type Value } from '../core/message.ts';

export type OptionType =
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'string' }
  /** One of fixed words (HyperBEAM atoms); `true`/`false` among them read as booleans. */
  | { kind: 'choice'; values: readonly (string | boolean)[] }
  | { kind: 'list' }
  /** `true`/`false`, or a list (comma-separated text): log topics. */
  | { kind: 'switch-or-list' }
  | { kind: 'message' }
  /** Anything a configuration can hold (a store descriptor or a list of them...). */
  | { kind: 'value' };

export interface OptionSpec {
  readonly type: OptionType;
  readonly default: Value;
  readonly description: string;
  /** Group in the README's table. */
  readonly group: string;
}

const bool = { kind: 'boolean' } as const;
const str = { kind: 'string' } as const;
const int = (min = 0, max = Number.MAX_SAFE_INTEGER) => ({ kind: 'integer', min, max }) as const;
const ms = int(0);
const bytes = int(0);
const choice = <const V extends readonly (string | boolean)[]>(...values: V) =>
  ({ kind: 'choice', values }) as const;

export const OPTIONS = {
  // Where things are.
  hb_config_location: {
    group: 'node',
    type: str,
    default: 'config.flat',
    description: 'The configuration file read at start, if it exists.',
  },
  priv_key_location: {
    group: 'node',
    type: str,
    default: 'hyperbeam-key.json',
    description: "The node's wallet (an Arweave RSA JWK); created if missing.",
  },
  port: {
    group: 'node',
    type: int(0, 65_535),
    default: 8734,
    description: 'The HTTP port (0: any free one).',
  },
  host: {
    group: 'node',
    type: str,
    default: 'localhost',
    description: 'The host name the node calls itself.',
  },
  bind: {
    group: 'node',
    type: str,
    default: '0.0.0.0',
    description: 'The interface to listen on.',
  },
  gateway: {
    group: 'node',
    type: str,
    default: 'https://arweave.net',
    description: 'The Arweave gateway.',
  },
  mode: {
    group: 'node',
    type: choice('debug', 'prod'),
    default: 'debug',
    description: '`prod` hides error details from replies.',
  },
  store: {
    group: 'node',
    type: { kind: 'value' },
    default: [{ 'store-module': 'memory' }],
    description:
      'Where messages and results are kept: a store descriptor or a list, local first ' +
      '(`hyperbeam start` uses `lmdb` at `cache-mainnet`; embedded nodes keep them in memory).',
  },
  // Who may do what.
  initialized: {
    group: 'access',
    type: choice(true, false, 'permanent'),
    default: true,
    description:
      '`false`: only `meta@1.0/info` is served; `permanent`: the configuration is frozen.',
  },
  operator: {
    group: 'access',
    type: str,
    default: '',
    description:
      "Who may change the configuration (default: the node's address; `unclaimed`: anyone).",
  },
  force_signed: {
    group: 'access',
    type: bool,
    default: true,
    description: 'Sign every response with the node key.',
  },
  force_signed_requests: {
    group: 'access',
    type: bool,
    default: false,
    description: 'Refuse unsigned requests (401).',
  },
  store_all_signed: {
    group: 'access',
    type: bool,
    default: true,
    description: 'Keep every signed request message.',
  },
  cache_writers: {
    group: 'access',
    type: { kind: 'list' },
    default: [],
    description: 'Addresses that may write through `cache@1.0` (default: the operator).',
  },
  ans104_trust_gql: {
    group: 'access',
    type: bool,
    default: false,
    description: 'Accept gateway items whose signatures GraphQL cannot reproduce.',
  },
  // Encoding.
  commitment_device: {
    group: 'encoding',
    type: str,
    default: 'httpsig@1.0',
    description: 'How the node signs what it makes.',
  },
  default_codec: {
    group: 'encoding',
    type: str,
    default: 'httpsig@1.0',
    description: 'The reply codec when a request names none.',
  },
  default_req: {
    group: 'encoding',
    type: str,
    default: '/~hyperbuddy@1.0/index',
    description: 'Where `GET /` goes.',
  },
  // Resolution.
  cache_control: {
    group: 'resolution',
    type: { kind: 'value' },
    default: ['no-cache', 'no-store'],
    description: 'Result-cache directives for internal resolutions.',
  },
  await_inprogress: {
    group: 'resolution',
    type: choice(true, false, 'named'),
    default: 'named',
    description: 'Share identical resolutions in flight (`named`: for devices that group them).',
  },
  error_strategy: {
    group: 'resolution',
    type: str,
    default: 'throw',
    description: '`throw`: device errors propagate.',
  },
  http_extra_opts: {
    group: 'resolution',
    type: { kind: 'message' },
    default: { force_message: true, cache_control: ['always'] },
    description: 'Directives for resolving HTTP requests.',
  },
  routes: {
    group: 'network',
    type: { kind: 'list' },
    default: [],
    description:
      'Where outbound requests go: `{template, node | nodes, strategy, choose, priority}`, first match wins.',
  },
  route_owners: {
    group: 'network',
    type: { kind: 'list' },
    default: [],
    description: 'Who may add routes (`POST /~router@1.0/routes`); empty: the operator.',
  },
  router_registration_opts: {
    group: 'network',
    type: { kind: 'list' },
    default: [],
    description:
      'Routes this node offers other routers (`POST /~router@1.0/register`): `{registration-peer, template, prefix, price}`.',
  },
  router_preprocess_default: {
    group: 'network',
    type: choice('local', 'error'),
    default: 'local',
    description: 'A request no route matches, under the router hook: run here, or 404.',
  },
  relay_allow_commit_request: {
    group: 'network',
    type: bool,
    default: false,
    description: 'Let relay@1.0 sign forwarded requests with the node key (`commit-request`).',
  },
  on: {
    group: 'resolution',
    type: { kind: 'message' },
    default: {},
    description: 'Hooks: `start`, `request`, `response`, `step`.',
  },
  node_history: {
    group: 'resolution',
    type: { kind: 'list' },
    default: [],
    description: 'Accepted configuration changes, newest first.',
  },
  // HTTP.
  idle_timeout: {
    group: 'http',
    type: ms,
    default: 300_000,
    description: 'Idle keep-alive connections close after this (ms).',
  },
  http_request_timeout: {
    group: 'http',
    type: ms,
    default: 60_000,
    description: 'Time to receive a request (ms; 408).',
  },
  http_resolve_timeout: {
    group: 'http',
    type: ms,
    default: 300_000,
    description: 'Time to answer a request (ms; 504).',
  },
  http_connect_timeout: {
    group: 'http',
    type: ms,
    default: 10_000,
    description: 'Time to connect to another node (ms).',
  },
  http_request_send_timeout: {
    group: 'http',
    type: ms,
    default: 60_000,
    description: 'Time for a whole request to another node (ms; 504 beyond).',
  },
  http_reply_cache: {
    group: 'http',
    type: bytes,
    default: 16 * 1024 * 1024,
    description:
      'Bytes of replies kept for repeated unsigned GETs whose resolution was repeatable (0: none).',
  },
  http_max_header_size: {
    group: 'http',
    type: bytes,
    default: 64 * 1024,
    description: 'Request header bytes (413 beyond).',
  },
  http_max_body_size: {
    group: 'http',
    type: bytes,
    default: 64 * 1024 * 1024,
    description: 'Request body bytes (413 beyond).',
  },
  http_max_keys: {
    group: 'http',
    type: int(1),
    default: 10_000,
    description: 'Keys in one request, nested ones counted (413 beyond).',
  },
  http_max_depth: {
    group: 'http',
    type: int(1),
    default: 64,
    description: 'Nesting depth of one request (413 beyond).',
  },
  http_max_path_keys: {
    group: 'http',
    type: int(1),
    default: 100_000,
    description: "Keys a request's HyperPATH carries, counted once per step (413 beyond).",
  },
  debug_print: {
    group: 'http',
    type: { kind: 'switch-or-list' },
    default: false,
    description: 'Log topics: `true` for all, or a list.',
  },
  quiet: {
    group: 'http',
    type: bool,
    default: false,
    description: 'Print nothing, not even errors (embedded nodes in tests).',
  },
  prometheus: {
    group: 'http',
    type: bool,
    default: true,
    description: 'Serve metrics at `/~hyperbuddy@1.0/metrics`.',
  },
  // Payments.
  p4_non_chargable_routes: {
    group: 'payments',
    type: { kind: 'list' },
    default: ['/~p4@1.0/balance', '/~p4@1.0/topup', '/~meta@1.0/*'],
    description:
      'Routes p4@1.0 never charges for: `{template}` (as HyperBEAM), or a bare template (router-style).',
  },
  p4_recipient: {
    group: 'payments',
    type: str,
    default: '',
    description: 'Who charges are for (an address); empty: the operator.',
  },
  p4_legacy_debit: {
    group: 'payments',
    type: bool,
    default: false,
    description:
      "HyperBEAM's May 2025 ledger protocol: ledgers are asked to `debit`, and a shortfall is a 429 (not `charge` and 402).",
  },
  simple_pay_price: {
    group: 'payments',
    type: int(0),
    default: 1,
    description: 'simple-pay@1.0: the price of each message of a request.',
  },
  simple_pay_ledger: {
    group: 'payments',
    type: { kind: 'message' },
    default: {},
    description:
      'simple-pay@1.0: starting balances by address, written into the store once (then kept there).',
  },
  faff_allow_list: {
    group: 'payments',
    type: { kind: 'list' },
    default: [],
    description: 'faff@1.0: the only signers served.',
  },
  scheduling_mode: {
    group: 'processes',
    type: choice('aggressive', 'local_confirmation', 'remote_confirmation', 'disabled'),
    default: 'local_confirmation',
    description:
      '`disabled`: this node assigns no slots (a green zone member signing as its zone node); otherwise an assignment is acknowledged once durable.',
  },
  // Trust.
  snp_trusted: {
    group: 'trust',
    type: { kind: 'list' },
    default: [],
    description:
      'Trusted guest software for snp@1.0: entries of vcpus, vcpu_type, vmm_type, guest_features, firmware, kernel, initrd, append.',
  },
  snp_cert_chain: {
    group: 'trust',
    type: str,
    default: '',
    description:
      'More AMD roots for snp@1.0, as PEM (an ASK then its ARK), beside the shipped ones.',
  },
  snp_test_vcek: {
    group: 'trust',
    type: str,
    default: '',
    description:
      'Tests only: a VCEK certificate (PEM, or base64 DER) whose key (`priv_snp_test_vcek_key`, PEM) signs reports `generate` makes without SEV-SNP hardware.',
  },
  priv_snp_test_vcek_key: {
    group: 'trust',
    type: str,
    default: '',
    description: 'Tests only: the private key of `snp_test_vcek` (PEM).',
  },
  snp_strict: {
    group: 'trust',
    type: bool,
    default: false,
    description: "snp@1.0 also requires the report's report_data to be the message's nonce.",
  },
  green_zone_peer_location: {
    group: 'trust',
    type: str,
    default: '',
    description: 'greenzone@1.0: the URL of the zone node this node joins and becomes.',
  },
  green_zone_peer_id: {
    group: 'trust',
    type: str,
    default: '',
    description:
      'greenzone@1.0: the address that zone node signs with (its replies are refused otherwise).',
  },
  green_zone_adopt_config: {
    group: 'trust',
    type: { kind: 'switch-or-list' },
    default: true,
    description:
      "greenzone@1.0 join: take on the zone's required options first (`true`), only the listed ones, or none.",
  },
  green_zone_required_config: {
    group: 'trust',
    type: { kind: 'message' },
    default: {},
    description:
      'greenzone@1.0 init: the options every member must run with; empty: `routes`, `on`, `scheduling_mode: disabled`, `initialized: permanent`.',
  },
  green_zone_required_opts: {
    group: 'trust',
    type: { kind: 'message' },
    default: {},
    description: "The zone's required options, set by `init` (members read them from here).",
  },
  trusted_nodes: {
    group: 'trust',
    type: { kind: 'message' },
    default: {},
    description:
      'The nodes that joined this zone: address -> its report message and public key (set by `join`).',
  },
  priv_green_zone_aes: {
    group: 'trust',
    type: str,
    default: '',
    description: "The green zone's AES-256 key (base64), set by `init` or `join`.",
  },
  // Processes.
  process_live_limit: {
    group: 'processes',
    type: int(1),
    default: 64,
    description: 'Processes kept live in memory.',
  },
  process_live_memory: {
    group: 'processes',
    type: bytes,
    default: 2 ** 33,
    description: 'Memory live processes may hold.',
  },
  process_snapshot_slots: {
    group: 'processes',
    type: int(1),
    default: 100,
    description: 'Snapshot a process every this many slots.',
  },
  process_snapshot_interval: {
    group: 'processes',
    type: ms,
    default: 60_000,
    description: 'Snapshot a process at least this often (ms).',
  },
  push_max_depth: {
    group: 'processes',
    type: int(1),
    default: 100,
    description: 'Push chains stop beyond this depth (508).',
  },
  scheduler_follow_redirects: {
    group: 'processes',
    type: bool,
    default: true,
    description:
      'For a process scheduled by another node: proxy schedule posts and reads to it (false: answer 307).',
  },
  scheduler_follow_hints: {
    group: 'processes',
    type: bool,
    default: true,
    description: "Use a process's `?hint=<url>` as its scheduler's location.",
  },
  scheduler_location_ttl: {
    group: 'processes',
    type: int(1),
    default: 7 * 24 * 60 * 60 * 1000,
    description: "The time-to-live of the node's own scheduler location record (ms).",
  },
  wasm_time_limit: {
    group: 'processes',
    type: ms,
    default: 30_000,
    description: 'One WASM call may run this long (ms).',
  },
  wasm_memory_limit: {
    group: 'processes',
    type: bytes,
    default: 2 ** 32,
    description: 'WASM memory may grow to this (bytes).',
  },
  node_processes: {
    group: 'processes',
    type: { kind: 'message' },
    default: {},
    description:
      'Processes this node runs by name (`/<name>~node-process@1.0/...`): name -> process definition, spawned on first use.',
  },
  lua_instruction_limit: {
    group: 'processes',
    type: int(1000),
    default: 100_000_000,
    description: 'One Lua call may run this many instructions.',
  },
  lua_memory_limit: {
    group: 'processes',
    type: bytes,
    default: 2 ** 28,
    description: 'The Lua heap of one VM may grow to this (bytes).',
  },
  wasm_live_limit: {
    group: 'processes',
    type: int(1),
    default: 128,
    description: 'WASM instances kept live.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

type TypeOf<T extends OptionType> = T extends { kind: 'boolean' }
  ? boolean
  : T extends { kind: 'integer' }
    ? number
    : T extends { kind: 'string' }
      ? string
      : T extends { kind: 'choice'; values: readonly (infer V)[] }
        ? V
        : T extends { kind: 'list' }
          ? Value[]
          : T extends { kind: 'switch-or-list' }
            ? boolean | Value[]
            : T extends { kind: 'message' }
              ? Message
              : Value;

/** The node's configuration: every known option typed, plus any other key as given. */
export type NodeConfig = { readonly [K in OptionName]: TypeOf<(typeof OPTIONS)[K]['type']> } & {
  readonly [key: string]: Value;
};

/** A configuration value that is not what its option takes. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly option: string;
  constructor(option: string, message: string) {
    super(`option '${option}': ${message}`);
    this.option = option;
  }
}

/** `await-inprogress` -> `await_inprogress`: option names use underscores. */
export function optionName(key: string): string {
  return key.replace(/-/g, '_');
}

export function isOption(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

function textOf(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Atom) return value.name;
  return undefined;
}

/** A list, or comma-separated text as one. */
function listOf(value: Value, text: string | undefined): Value[] | undefined {
  if (Array.isArray(value)) return value;
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** A value as its option takes it; text (config.flat, the environment) is converted. */
export function parseOption(name: string, value: Value): Value {
  if (!isOption(name)) return value;
  const type: OptionType = OPTIONS[name].type;
  const text = textOf(value);
  const fail = (what: string): never => {
    const shown = text ?? (typeof value === 'object' ? JSON.stringify(value) : String(value));
    throw new ConfigError(name, `must be ${what}, not ${shown.slice(0, 60)}`);
  };
  switch (type.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (text === 'true') return true;
      if (text === 'false') return false;
      return fail('true or false');
    case 'integer': {
      const n =
        typeof value === 'number'
          ? value
          : value instanceof Float
            ? value.value
            : text !== undefined && /^-?\d+$/.test(text.trim())
              ? Number(text)
              : Number.NaN;
      const { min = 0, max = Number.MAX_SAFE_INTEGER } = type;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        return fail(`an integer from ${min} to ${max}`);
      }
      return n;
    }
    case 'string':
      return text ?? fail('text');
    case 'choice': {
      const word =
        typeof value === 'boolean'
          ? value
          : text === 'true'
            ? true
            : text === 'false'
              ? false
              : text;
      if (word !== undefined && type.values.includes(word)) return word;
      return fail(`one of ${type.values.join(', ')}`);
    }
    case 'switch-or-list':
      if (typeof value === 'boolean') return value;
      if (text === 'true' || text === 'false') return text === 'true';
      return listOf(value, text) ?? fail('true, false or a list');
    case 'list':
      return listOf(value, text) ?? fail('a list');
    case 'message':
      return isMessage(value) ? value : fail('a message');
    default:
      return value;
  }
}

/** Every option with its default. */
export function defaults(): Message {
  const out: Message = {};
  for (const [name, spec] of Object.entries(OPTIONS)) out[name] = spec.default as Value;
  return out;
}

/** Parse a whole configuration (any source): names with `_`, values typed; errors name the option. */
export function parseConfig(input: Message): Message {
  const out: Message = {};
  for (const [key, value] of Object.entries(input)) {
    const name = optionName(key);
    Object.defineProperty(out, name, {
      value: parseOption(name, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
