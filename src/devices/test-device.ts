/**
 * `test-device@1.0`: HyperBEAM's dev_test, a small device that exercises the
 * engine (function keys, state threading, private keys, WASM imports,
 * hooks). Process and WASM tests build on it.
 */

import { BadRequestError } from '../core/errors.ts';
import { isInteger, isMessage, type Message, privateOf, type Value } from '../core/message.ts';
import { withDirectives } from '../engine/context.ts';
import { defineDevice, error, ok } from '../engine/device.ts';
import { get, set } from '../engine/resolver.ts';

/** Test workers by test ID, reachable through `update_state` and `increment_counter`. */
export const testWorkers = new Map<string, (event: Message) => void>();

function notify(id: Value | undefined, event: Message, missing: string) {
  if (id === undefined) return error('No test ID found in message.');
  const worker = testWorkers.get(String(id));
  if (!worker) return error(missing);
  worker(event);
  return ok(String(id));
}

export const testDevice = defineDevice({
  name: 'test-device@1.0',
  keys: {
    info: () =>
      ok({
        status: 200,
        body: {
          description: 'Test device for testing the AO-Core framework',
          version: '1.0',
          paths: {
            info: 'Get device info',
            test_func: 'Test function',
            compute: 'Compute function',
            init: 'Initialize function',
            restore: 'Restore function',
            mul: 'Multiply function',
            snapshot: 'Snapshot function',
            response: 'Response function',
            update_state: 'Update state function',
          },
        },
      }),
    test_func: () => ok('GOOD_FUNCTION'),
    /** Keeps a running list of computed slots and reports the latest one. */
    compute: async (base, req, ctx) => {
      const slot = (await get('slot', req, ctx)) as Value;
      const seen = await get('already-seen', base, ctx);
      return ok(
        await set(
          base,
          {
            'random-key': 'random-value',
            results: { 'assignment-slot': slot },
            'already-seen': [slot, ...(Array.isArray(seen) ? seen : [])],
          },
          ctx,
        ),
      );
    },
    init: async (base, _req, ctx) => ok(await set(base, { 'already-seen': [] }, ctx)),
    restore: async (base, _req, ctx) => {
      const seen = await get('already-seen', base, ctx);
      if (seen === undefined) return error('No viable state to restore.');
      const priv = privateOf(base);
      const testKey = isMessage(priv['test-key']) ? priv['test-key'] : {};
      return ok({ ...base, priv: { ...priv, 'test-key': { ...testKey, 'started-state': seen } } });
    },
    /** A WASM import: multiplies the two `args`. */
    mul: async (base, req, ctx) => {
      const state = await get('state', base, withDirectives(ctx, { hashpath: 'ignore' }));
      const args = await get('args', req, withDirectives(ctx, { hashpath: 'ignore' }));
      if (!Array.isArray(args) || args.length !== 2 || !args.every(isInteger)) {
        throw new BadRequestError('bad_args', 'mul needs two integer args');
      }
      return ok({ state: state ?? {}, results: [(args[0] as number) * (args[1] as number)] });
    },
    snapshot: () => ok({}),
    update_state: async (_base, req, ctx) =>
      notify(await get('test-id', req, ctx), { update: req }, 'No test worker found.'),
    increment_counter: async (_base, req, ctx) =>
      notify(
        await get('test-id', req, ctx),
        { increment: true },
        'No test worker found for increment.',
      ),
    /** Sleeps `duration` ms (default 750), then returns `return`, the request body, or a note. */
    delay: async (base, req, ctx) => {
      const duration = Number(
        (await get('duration', base, ctx)) ?? (await get('duration', req, ctx)) ?? 750,
      );
      await new Promise((r) => setTimeout(r, duration));
      const result = (await get('return', base, ctx)) ??
        (await get('body', req, ctx)) ?? { result: 'slept' };
      return ok(result);
    },
  },
});
