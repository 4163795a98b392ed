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

import { buildInfo } from '../core/build-info.ts';
import { HbError } from '../core/errors.ts';
import { Atom, Float, isMessage, isPrivateKey, type Message, type Value } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { defineDevice, ok, type Result } from '../engine/device.ts';
import { committersOf } from '../engine/ids.ts';

/** The version of HyperBEAM whose protocol this node speaks. */
export const PROTOCOL_VERSION = 0.8;

/** Who may change the node's configuration: the operator's address, or `unclaimed`. */
export function operatorOf(opts: Opts): string {
  const operator = opts.operator;
  if (typeof operator === 'string') return operator;
  if (operator instanceof Atom) return operator.name;
  return opts.priv_wallet?.address ?? 'unclaimed';
}

/** Whether a request is signed by the node's operator (anyone, when unclaimed). */
export function isAdmin(req: Message, opts: Opts): boolean {
  const operator = operatorOf(opts);
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

/** The node message as `info` shows it: public, encodable options plus `address`. */
export function nodeMessageView(opts: Opts): Message {
  const view: Message = {};
  for (const [key, value] of Object.entries(opts)) {
    // `hashpath*` keys cannot travel in httpsig@1.0 (they name commitment hashpaths).
    if (isPrivateKey(key) || key === 'devices' || key.startsWith('hashpath')) continue;
    const shown = publicValue(value);
    if (shown !== undefined) view[key] = shown;
  }
  if (opts.devices) view.preloaded_devices = opts.devices.names().map((name) => ({ name }));
  if (opts.priv_wallet) view.address = opts.priv_wallet.address;
  return view;
}

const answer = (status: number, body: Value, extra: Message = {}): Result =>
  ok({ ...extra, status, body });

function changeConfiguration(req: Message, opts: Opts): Result {
  if (opts.initialized === 'permanent') {
    return answer(
      400,
      'The node message of this machine is already permanent. It cannot be changed.',
    );
  }
  if (!isAdmin(req, opts)) return answer(400, 'Unauthorized');
  if (!opts.node) return answer(400, 'This node cannot be reconfigured while it runs.');
  try {
    const updated = opts.node.adopt(req);
    const length = (updated.node_history as Value[]).length;
    return answer(200, `Node message updated. History: ${length} updates.`, {
      'history-length': length,
    });
  } catch (error) {
    if (error instanceof HbError && error.status < 500) return answer(400, error.message);
    throw error;
  }
}

export const metaDevice = defineDevice({
  name: 'meta@1.0',
  exports: ['info', 'build'],
  volatile: ['info'],
  keys: {
    info(_base, req, opts) {
      // The live node message, not a per-request copy, is what POST changes.
      const current = opts.node?.opts ?? opts;
      switch (req.method ?? 'GET') {
        case 'GET':
          return ok({ ...nodeMessageView(current), status: 200 });
        case 'POST':
          return changeConfiguration(req, current);
        default:
          return answer(400, 'Unsupported Meta/info method.');
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
