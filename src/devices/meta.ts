/**
 * `meta@1.0`: the node's own device (HyperBEAM's dev_meta).
 *   GET  /~meta@1.0/info           the node message (private keys hidden), plus `address`
 *   GET  /~meta@1.0/info/<key>     one option, e.g. `info/address`, `info/port`
 *   POST /~meta@1.0/info           change options: only with the operator's signature
 *   GET  /~meta@1.0/build          what the node runs
 * `initialized: permanent` freezes the configuration. `operator` names who
 * may change it (default: the node's own address; `unclaimed`: anyone).
 * Answers carry their own `status` (400 `Unauthorized`, ...), as HyperBEAM's.
 */

import { committersOf } from '../codecs/commitments.ts';
import { buildInfo } from '../core/build-info.ts';
import { HbError } from '../core/errors.ts';
import { Atom, Float, isMessage, isPrivateKey, type Message, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import type { DeviceRegistry } from '../engine/registry.ts';

/** The version of HyperBEAM whose protocol this node speaks. */
export const PROTOCOL_VERSION = 0.8;

/** Options as `operatorOf` and `nodeMessageView` read them (the node's configuration). */
type Options = Readonly<Record<string, unknown>>;

/**
 * Who may change the node's configuration: the `operator` option (text or
 * atom), else the node's own `address`, else `unclaimed` (anyone).
 */
export function operatorOf(config: Options, address?: string): string {
  const operator = config.operator;
  if (typeof operator === 'string' && operator !== '') return operator;
  if (operator instanceof Atom) return operator.name;
  return address ?? 'unclaimed';
}

/** Whether a request is signed by the node's operator (anyone, when unclaimed). */
export function isAdmin(req: Message, config: Options, address?: string): boolean {
  const operator = operatorOf(config, address);
  return operator === 'unclaimed' || committersOf(req).includes(operator);
}

/** A node option as a message value; services and functions have none. */
function publicValue(value: unknown): Value | undefined {
  if (value === null || value === undefined || typeof value === 'function') return undefined;
  if (['string', 'number', 'boolean'].includes(typeof value)) return value as Value;
  if (value instanceof Atom || value instanceof Float || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    return value.map(publicValue).filter((v): v is Value => v !== undefined);
  }
  if (!isMessage(value)) {
    const describe = (value as { describe?: () => Value }).describe;
    return typeof describe === 'function' ? describe.call(value) : undefined;
  }
  const out: Message = {};
  for (const [key, inner] of Object.entries(value)) {
    if (isPrivateKey(key)) continue;
    const shown = publicValue(inner);
    if (shown !== undefined) out[key] = shown;
  }
  return out;
}

/**
 * The node message as `info` shows it: the public, encodable options, the
 * preloaded devices' names and the node's `address`.
 */
export function nodeMessageView(
  config: Options,
  services: { readonly devices?: DeviceRegistry; readonly wallet?: { address: string } } = {},
): Message {
  const view: Message = {};
  for (const [key, value] of Object.entries(config)) {
    // `hashpath*` keys cannot travel in httpsig@1.0 (they name commitment hashpaths).
    if (isPrivateKey(key) || key === 'devices' || key.startsWith('hashpath')) continue;
    const shown = publicValue(value);
    if (shown !== undefined) view[key] = shown;
  }
  if (services.devices) {
    view.preloaded_devices = services.devices.names().map((name) => ({ name }));
  }
  if (services.wallet) view.address = services.wallet.address;
  return view;
}

function changeConfiguration(req: Message, ctx: Context): Result {
  if (ctx.config.initialized === 'permanent') {
    return fail(
      400,
      'The node message of this machine is already permanent. It cannot be changed.',
    );
  }
  if (!isAdmin(req, ctx.config, ctx.services.wallet.address)) return fail(400, 'Unauthorized');
  if (!ctx.node) return fail(400, 'This node cannot be reconfigured while it runs.');
  try {
    const updated = ctx.node.reconfigure(req);
    const length = updated.node_history.length;
    return ok({
      'history-length': length,
      status: 200,
      body: `Node message updated. History: ${length} updates.`,
    });
  } catch (error) {
    if (error instanceof HbError && error.status < 500) return fail(400, error.message);
    throw error;
  }
}

export const metaDevice = defineDevice({
  name: 'meta@1.0',
  exports: ['info', 'build'],
  // The node's configuration as it is: the same reply while it is.
  configured: ['info'],
  keys: {
    info(_base, req, ctx) {
      switch (req.method ?? 'GET') {
        case 'GET':
          return ok({ ...nodeMessageView(ctx.config, ctx.services), status: 200 });
        case 'POST':
          return changeConfiguration(req, ctx);
        default:
          return fail(400, 'Unsupported Meta/info method.');
      }
    },
    build() {
      const info = buildInfo();
      return ok({
        node: 'HyperBEAM',
        version: PROTOCOL_VERSION,
        source: info.source,
        'source-short': info.source.slice(0, 7),
        'build-time': info.builtAt,
        implementation: 'hyperbeam-ts',
        'implementation-version': info.version,
      });
    },
  },
});
