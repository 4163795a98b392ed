/**
 * Where a node's configuration comes from. Highest first:
 *   1. `POST /~meta@1.0/info` by the operator, while the node runs
 *   2. command-line flags: --port, --key, --config, --store
 *   3. environment: HB_PORT, HB_KEY, HB_CONFIG, HB_MODE, HB_STORE, HB_PRINT
 *   4. the configuration file: --config, else HB_CONFIG, else ./config.flat if
 *      it exists. `*.json` files are JSON objects; others are HyperBEAM's
 *      `config.flat` (`key: value` lines, `a/b: c` for nesting)
 *   5. the defaults (config/schema.ts)
 * Every source is parsed by the schema: a value of the wrong type stops the
 * node at startup with an error naming the option.
 * (HyperBEAM lets the file's `port` beat HB_PORT; here the environment always
 * beats the file, as operators expect from twelve-factor tools.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { flatToTabm } from '../codecs/flat.ts';
import { tabmToMessage } from '../codecs/structured.ts';
import { OPTIONS, parseConfig } from '../config/schema.ts';
import { type Binary, fromByteString } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { Atom, Float, isMessage, type Message, type Value } from '../core/message.ts';
import { parsePrintSetting } from '../engine/log.ts';

/** The store module `--store <dir>` and HB_STORE use. */
export const DEFAULT_STORE_MODULE = 'lmdb';

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface ConfigInputs {
  flags?: { port?: string; key?: string; config?: string; store?: string };
  env?: Record<string, string | undefined>;
  /** Relative paths resolve here (default: the working directory). */
  cwd?: string;
}

export interface LoadedConfig {
  /** The node options: file, environment and flags merged and typed (defaults not included). */
  config: Message;
  /** Which source gave each option. */
  sources: Record<string, ConfigSource>;
  /** The configuration file read, if any. */
  file?: string;
}

/**
 * HyperBEAM's config.flat: one `key: value` per line (a line that does not
 * split into exactly two parts at `: ` is ignored), `/` in keys nests, an
 * `ao-types` line types values. Values then take their options' types.
 */
export function parseConfigFlat(text: string): Message {
  const flat: Record<string, Binary> = {};
  for (const rawLine of text.split('\n')) {
    const parts = rawLine.replace(/\r$/, '').split(': ');
    if (parts.length !== 2) continue;
    flat[parts[0] as string] = fromByteString(parts[1] as string);
  }
  return parseConfig(tabmToMessage(flatToTabm(flat)));
}

/** A JSON configuration: an object of options (`-` or `_` in names). */
export function parseConfigJson(text: string): Message {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(
      'bad_config',
      `the configuration is not JSON: ${(error as Error).message}`,
    );
  }
  if (!isMessage(parsed) || !isConfigValue(parsed)) {
    throw new BadRequestError(
      'bad_config',
      'a JSON configuration is an object of options (no nulls)',
    );
  }
  return parseConfig(parsed);
}

/** A JSON-able value, as configuration files hold them. */
export function isConfigValue(value: unknown): value is Value {
  if (value === null) return false;
  if (['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (value instanceof Atom || value instanceof Float || value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.every(isConfigValue);
  return isMessage(value) && Object.values(value).every(isConfigValue);
}

function readConfigFile(path: string): Message {
  const text = readFileSync(path, 'utf8');
  return extname(path).toLowerCase() === '.json' ? parseConfigJson(text) : parseConfigFlat(text);
}

function integer(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) {
    throw new BadRequestError('bad_config', `${name} must be a port number, not '${text}'`);
  }
  return Number(text);
}

function storeAt(dir: string): Value {
  return [{ 'store-module': DEFAULT_STORE_MODULE, prefix: dir }];
}

export function loadConfig(inputs: ConfigInputs = {}): LoadedConfig {
  const env = inputs.env ?? {};
  const flags = inputs.flags ?? {};
  const cwd = inputs.cwd ?? process.cwd();
  const config: Message = {};
  const sources: Record<string, ConfigSource> = {};
  const apply = (source: ConfigSource, values: Message) => {
    for (const [key, value] of Object.entries(values)) {
      config[key] = value;
      sources[key] = source;
    }
  };

  const named = flags.config ?? env.HB_CONFIG;
  const location = resolve(cwd, named ?? OPTIONS.hb_config_location.default);
  let file: string | undefined;
  if (existsSync(location)) {
    file = location;
    apply('file', readConfigFile(location));
  } else if (named !== undefined) {
    throw new BadRequestError('bad_config', `no configuration file at ${location}`);
  }

  const fromEnv: Message = {};
  if (env.HB_PORT) fromEnv.port = integer('HB_PORT', env.HB_PORT);
  if (env.HB_KEY) fromEnv.priv_key_location = env.HB_KEY;
  if (env.HB_MODE) {
    if (env.HB_MODE !== 'debug' && env.HB_MODE !== 'prod') {
      throw new BadRequestError(
        'bad_config',
        `HB_MODE must be debug or prod, not '${env.HB_MODE}'`,
      );
    }
    fromEnv.mode = env.HB_MODE;
  }
  if (env.HB_STORE) fromEnv.store = storeAt(env.HB_STORE);
  if (env.HB_PRINT) fromEnv.debug_print = parsePrintSetting(env.HB_PRINT);
  if (named !== undefined) fromEnv.hb_config_location = named;
  apply('env', fromEnv);

  const fromFlags: Message = {};
  if (flags.port !== undefined) fromFlags.port = integer('--port', flags.port);
  if (flags.key !== undefined) fromFlags.priv_key_location = flags.key;
  if (flags.store !== undefined) fromFlags.store = storeAt(flags.store);
  if (flags.config !== undefined) fromFlags.hb_config_location = flags.config;
  apply('flag', fromFlags);

  if (typeof config.priv_key_location === 'string') {
    config.priv_key_location = resolve(cwd, config.priv_key_location);
  }
  return file === undefined ? { config, sources } : { config, sources, file };
}
