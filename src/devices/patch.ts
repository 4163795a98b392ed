/**
 * `patch@1.0`: moves messages a computation produced into the state
 * (HyperBEAM's dev_patch). The source is `patch-from` (request, then state,
 * then `from`; default `/`), `req:`/`base:` choosing which message it is read
 * from; the destination is `patch-to`/`to` (default `/`) on the state.
 *
 *   patches  entries of the source with `method: PATCH` or
 *            `device: patch@1.0` are merged at the destination (without
 *            `method`) and removed from the source; others stay
 *   all      the whole source is merged at the destination and removed
 *   compute  is `patches`; init, normalize and snapshot leave the state alone
 *
 * A missing source is `not_found`, so inside a stack the device is skipped.
 */

import { isMessage, type Message, NOT_FOUND, omit, valueAt, withValueAt } from '../core/message.ts';
import { defineDevice, error, ok, type Result } from '../engine/device.ts';

function setting(base: Message, req: Message, names: string[]): string {
  for (const name of names) {
    for (const msg of [req, base]) if (typeof msg[name] === 'string') return msg[name] as string;
  }
  return '/';
}

/** Merge `patch` into the state at `to`. */
function applyAt(state: Message, to: string, patch: Message): Message {
  const path = to.replace(/^\/+|\/+$/g, '');
  if (path === '') return { ...state, ...patch };
  const existing = valueAt(state, path);
  return withValueAt(state, path, { ...(isMessage(existing) ? existing : {}), ...patch });
}

export function move(mode: 'patches' | 'all', base: Message, req: Message): Result {
  const from = setting(base, req, ['patch-from', 'from']);
  const to = setting(base, req, ['patch-to', 'to']);
  const [, which = 'base', fromPath = from] = /^(?:\/?(req|base):)?(.*)$/.exec(from) ?? [];
  const sourceMsg = which === 'req' ? req : base;
  const path = fromPath.replace(/^\/+|\/+$/g, '');
  const source = path === '' ? sourceMsg : valueAt(sourceMsg, path);
  if (!isMessage(source)) return error(NOT_FOUND);
  let state = base;
  if (mode === 'all') {
    if (which === 'base' && path !== '') state = withValueAt(state, path, {});
    return ok(applyAt(state, to, source));
  }
  const kept: Message = {};
  for (const [key, entry] of Object.entries(source)) {
    const isPatch =
      isMessage(entry) &&
      (String(entry.method ?? '').toUpperCase() === 'PATCH' || entry.device === 'patch@1.0');
    if (isPatch) state = applyAt(state, to, omit(entry as Message, ['method']));
    else kept[key] = entry;
  }
  if (which === 'base' && path !== '') state = withValueAt(state, path, kept);
  return ok(state);
}

export const patchDevice = defineDevice({
  name: 'patch@1.0',
  keys: {
    init: (base) => ok(base),
    normalize: (base) => ok(base),
    snapshot: (base) => ok(base),
    compute: (base, req) => move('patches', base, req),
    patches: (base, req) => move('patches', base, req),
    all: (base, req) => move('all', base, req),
  },
});
