/**
 * The bulk `set` (resolver.ts) against its definition: one `setKey`
 * resolution per key, in sorted order, as HyperBEAM's hb_ao:set/3 does it.
 * Random bases and changes (nested messages, `/`-paths, reserved, private and
 * mixed-case keys, `unset`/`undefined`, sub-resolutions, devices in the base
 * and in the changes) must give the same message or the same error.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  isMessage,
  isPrivateKey,
  type Message,
  normalizeKeys,
  omit,
  Resolve,
  sortedKeys,
  UNDEFINED,
  UNSET,
  type Value,
} from '../core/message.ts';
import { createContext } from '../defaults.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import { type Context, internal as internalCtx } from './context.ts';
import { defineDevice, ok } from './device.ts';
import { subPath } from './hyperpath.ts';
import { get, keys, remove, resolveMany, set, setKey } from './resolver.ts';

/** A device with its own `set`: every key it sets is counted. */
const countSet = defineDevice({
  name: 'count-set@1.0',
  keys: {
    set: (base, req) => {
      const out: Message = { ...base, sets: `${String(base.sets ?? '')}.` };
      for (const [k, v] of Object.entries(req)) if (k !== 'path') out[k] = v;
      return ok(out);
    },
  },
});

/** A device that answers every key but `set` itself. */
const upper = defineDevice({
  name: 'upper@1.0',
  handler: {
    func: (key, base) => ok(`${key.toUpperCase()}:${Object.keys(base).length}`),
    excludes: ['set', 'keys', 'remove'],
  },
});

const ctx: Context = createContext({ devices: createDeviceRegistry([countSet, upper]) });

/** HyperBEAM's set/3 as the resolver had it before the bulk set: one resolution per key. */
async function reference(msg: Message, changes: Message, c: Context): Promise<Message> {
  const internal = internalCtx(c);
  let base = normalizeKeys(msg) as Message;
  let rest = omit(normalizeKeys(changes) as Message, ['hashpath', 'priv']);
  if (rest.device === undefined) {
    for (const key of sortedKeys(rest)) {
      if (isPrivateKey(key)) continue;
      let value = rest[key] as Value;
      if (value instanceof Resolve) {
        const r = await resolveMany(value.messages, internal);
        if (r.status === 'ok') value = r.body;
      }
      base = await setKey(base, key, value, internal);
    }
    return base;
  }
  for (;;) {
    const [key] = await keys(rest, internal);
    if (key === undefined) return base;
    const value = (await get(key, rest, internal)) ?? (rest[key] as Value);
    base = await setKey(base, key, value, internal);
    rest = await remove(rest, key, internal);
  }
}

const KEYS = [
  'a',
  'b',
  'A',
  'B',
  'c',
  'id',
  'keys',
  'path',
  'set-mode',
  'set',
  'priv',
  'private',
  'a/b',
  'a/c',
  'A/b',
  'a//b',
  '/a/b',
  'b/a/c',
  'a/b/c',
  'x/y/z',
  'a/path',
  'a/id',
  'a/priv',
  'priv/x',
  'keys/1',
  'a/keys',
  '',
  '/',
];

const scalar = fc.oneof(
  fc.constantFrom<Value>('v', 'w', '', 1, 2, true, UNSET, UNDEFINED, 'explicit'),
  fc.constant(null).map(() => subPath([{ v: '7' }, { path: 'v' }])),
  fc.constant(null).map(() => subPath([{ v: '7' }, { path: 'missing' }])),
);

const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value; message: Message }>((tie) => ({
  value: fc.oneof(
    { weight: 4, arbitrary: scalar },
    { weight: 2, arbitrary: tie('message') },
    { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  ),
  message: fc
    .tuple(
      fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
      fc.constantFrom<Value | undefined>(
        undefined,
        undefined,
        undefined,
        'message@1.0',
        'count-set@1.0',
        'upper@1.0',
      ),
    )
    .map(([msg, device]) => (device === undefined ? msg : { ...msg, device })),
})).value;

const messageArb = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }),
    fc.constantFrom<Value | undefined>(undefined, undefined, 'message@1.0', 'count-set@1.0'),
    fc.constantFrom<Value | undefined>(undefined, undefined, { volatile: false }, 'x'),
  )
  .map(([msg, device, priv]) => {
    const out: Message = { ...msg };
    if (device !== undefined) out.device = device;
    if (priv !== undefined) out.priv = priv;
    return out;
  });

const changesArb = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 10 }),
    fc.constantFrom<Value | undefined>(undefined, undefined, 'message@1.0', 'upper@1.0'),
  )
  .map(([msg, device]) => (device === undefined ? msg : { ...msg, device }));

type Outcome = { ok: Message } | { error: string };

async function outcome(work: () => Promise<Message>): Promise<Outcome> {
  try {
    return { ok: await work() };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { error: `${e.code ?? ''}: ${e.message ?? String(error)}` };
  }
}

describe('bulk set', () => {
  it('gives what one resolution per key gives', async () => {
    await fc.assert(
      fc.asyncProperty(messageArb, changesArb, async (base, changes) => {
        const expected = await outcome(() => reference(base, changes, ctx));
        const actual = await outcome(() => set(base, changes, ctx));
        assert.deepEqual(actual, expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('does not modify its inputs', async () => {
    await fc.assert(
      fc.asyncProperty(messageArb, changesArb, async (base, changes) => {
        const before = structuredClone([base, changes]);
        await outcome(() => set(base, changes, ctx));
        assert.deepEqual(structuredClone([base, changes]), before);
      }),
      { numRuns: 500 },
    );
  });

  it('sets 20,000 keys, nested ones too, in one pass', async () => {
    const changes: Message = {};
    for (let i = 0; i < 10_000; i++) {
      changes[`k${i}`] = 'v';
      changes[`n/k${i}`] = 'v';
    }
    const result = await set({}, changes, ctx);
    assert.equal(result.k9999, 'v');
    assert.ok(isMessage(result.n));
    assert.equal(Object.keys(result.n).length, 10_000);
    const viaDevice = await set({}, { ...changes, device: 'message@1.0' }, ctx);
    assert.equal(viaDevice.k9999, 'v');
    assert.equal(viaDevice.device, 'message@1.0');
  });

  it('a path through a value that is not a message is a 422 (the request asked for it)', async () => {
    await assert.rejects(set({ a: 'text' }, { 'a/b': 'v' }, ctx), {
      name: 'DeviceError',
      code: 'set_failed',
      status: 422,
    });
    await assert.rejects(set({}, { 'id/0': 'v' }, ctx), { code: 'set_failed', status: 422 });
  });

  it('keys that each run a message@1.0 function over a large message: 413 once over budget', async () => {
    const changes: Message = {};
    for (let i = 0; i < 3_000; i++) changes[`k${i}`] = 'v';
    for (let i = 0; i < 200; i++) changes[`keys/${i}`] = 'v';
    await assert.rejects(set({}, changes, ctx), { code: 'set_too_costly', status: 413 });
    // A few are fine.
    const few: Message = { ...changes };
    for (let i = 3; i < 200; i++) delete few[`keys/${i}`];
    assert.equal((await set({}, few, ctx)).k2999, 'v');
  });
});
