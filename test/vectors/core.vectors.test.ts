/**
 * HyperBEAM's core vectors (../shared/vectors/core-vectors.json): every
 * `parse` vector (HyperPATH -> messages) and every `resolve` vector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  As,
  Atom,
  isMessage,
  type Message,
  type PathItem,
  Resolve,
  type Value,
  valueEquals,
} from '../../src/core/message.ts';
import { createContext } from '../../src/defaults.ts';
import { transform } from '../../src/devices/stack.ts';
import type { Context, Directives } from '../../src/engine/context.ts';
import type { Result } from '../../src/engine/device.ts';
import { parseHyperpath } from '../../src/engine/hyperpath.ts';
import { get, resolve, resolveMany, set, setKey } from '../../src/engine/resolver.ts';
import { withFixtures } from '../support/fixture-devices.ts';
import { readVectors } from '../support/shared.ts';
import { fromVector, type Json } from '../support/vector-values.ts';

interface Vector {
  name: string;
  kind: 'parse' | 'resolve' | 'http';
  api?: string;
  input?: Json;
  msg1?: Json;
  msg2?: Json;
  messages?: Json[];
  opts?: Record<string, Json>;
  expect: {
    messages?: Json[];
    error?: string;
    status?: string;
    value?: Json;
    value_subset?: Record<string, Json>;
    throws?: boolean;
  };
}

const vectors = readVectors<Vector[]>('core-vectors.json');

/** Drop `priv` everywhere (results carry hashpaths the vectors do not record). */
function public_(value: PathItem): PathItem {
  if (value instanceof As) return new As(value.device, public_(value.msg as Value) as Message);
  if (value instanceof Resolve) return new Resolve(value.messages.map(public_), value.path);
  if (Array.isArray(value)) return value.map((v) => public_(v) as Value);
  if (!isMessage(value)) return value;
  const out: Message = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'priv') out[k] = public_(v) as Value;
  return out;
}

function samePathItem(actual: PathItem, expected: PathItem): boolean {
  if (actual instanceof As && expected instanceof As) {
    return (
      actual.device === expected.device && samePathItem(actual.msg as Value, expected.msg as Value)
    );
  }
  if (actual instanceof Resolve && expected instanceof Resolve) {
    return (
      actual.messages.length === expected.messages.length &&
      actual.messages.every((m, i) => samePathItem(m, expected.messages[i] as PathItem))
    );
  }
  if (isMessage(actual) && isMessage(expected)) {
    const keys = Object.keys(actual);
    return (
      keys.length === Object.keys(expected).length &&
      keys.every((k) => k in expected && samePathItem(actual[k] as Value, expected[k] as Value))
    );
  }
  return valueEquals(actual as Value, expected as Value);
}

/** The vectors' opts name directives (HyperBEAM's names) and config options. */
const DIRECTIVES: Record<string, keyof Directives> = {
  hashpath: 'hashpath',
  cache_control: 'cacheControl',
  force_message: 'forceMessage',
  error_strategy: 'errorStrategy',
};

function contextFrom(json: Record<string, Json> | undefined): Context {
  const config: Message = {};
  const directives: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json ?? {})) {
    const value = fromVector(v);
    const plain = value instanceof Atom ? value.name : value;
    const directive = DIRECTIVES[k];
    if (directive) directives[directive] = plain;
    else config[k] = plain;
  }
  return createContext({ config, directives: directives as Directives });
}

describe('core vectors: parse', () => {
  for (const v of vectors.filter((x) => x.kind === 'parse')) {
    it(v.name, () => {
      const input = fromVector(v.input as Json) as Message;
      if (v.expect.error !== undefined) {
        assert.throws(() => parseHyperpath(input), { name: 'BadRequestError' });
        return;
      }
      const actual = parseHyperpath(input);
      const expected = (v.expect.messages as Json[]).map(fromVector);
      assert.equal(actual.length, expected.length);
      actual.forEach((msg, i) => {
        assert.ok(
          samePathItem(msg, expected[i] as PathItem),
          `message ${i}: ${JSON.stringify(msg)}`,
        );
      });
    });
  }
});

async function run(v: Vector, ctx: Context): Promise<Result> {
  const memo = new Map();
  const load = (j: Json | undefined) =>
    (j === undefined ? undefined : withFixtures(fromVector(j) as Value, memo)) as Value;
  const msg1 = load(v.msg1);
  const msg2 = load(v.msg2);
  switch (v.api) {
    case 'hb_ao:resolve/3':
      return resolve(msg1, msg2, ctx);
    case 'hb_ao:resolve/2':
      return resolveMany(parseHyperpath(msg1 as Message), ctx);
    case 'hb_ao:resolve_many/2':
      return resolveMany((v.messages as Json[]).map(load), ctx);
    case 'hb_ao:get/3':
    case 'hb_ao:get/4 with {as, Device, Msg}': {
      const path = isMessage(msg2) ? (msg2.path as Value) : msg2;
      const value = await get(path, msg1, ctx);
      return value === undefined
        ? { status: 'error', body: Atom.of('not_found') }
        : { status: 'ok', body: value };
    }
    case 'hb_ao:set/3':
      return { status: 'ok', body: await set(msg1 as Message, msg2 as Message, ctx) };
    case 'hb_ao:set/4': {
      const { key, value } = msg2 as Message;
      const path = Array.isArray(key) ? key.join('/') : String(key);
      return { status: 'ok', body: await setKey(msg1, path, value as Value, ctx) };
    }
    case 'dev_stack:transform/3': {
      const transformed = await transform(msg1 as Message, '2', ctx);
      return { status: 'ok', body: (transformed as Message).device as Value };
    }
    default:
      throw new Error(`unknown api ${v.api}`);
  }
}

describe('core vectors: resolve', () => {
  for (const v of vectors.filter((x) => x.kind === 'resolve')) {
    it(v.name, async () => {
      const ctx = contextFrom(v.opts);
      if (v.expect.throws) {
        await assert.rejects(run(v, ctx));
        return;
      }
      const result = await run(v, ctx);
      if (v.name === 'resolve-key-twice') assert.deepEqual(await run(v, ctx), result);
      assert.equal(result.status, v.expect.status);
      const keepPriv = v.name.startsWith('hashpath-');
      const actual = keepPriv ? result.body : public_(result.body);
      if (v.expect.value_subset) {
        assert.ok(isMessage(actual));
        for (const [k, e] of Object.entries(v.expect.value_subset)) {
          const expected = withFixtures(fromVector(e) as Value);
          assert.ok(
            samePathItem(public_(actual[k] as Value), public_(expected)) ||
              (typeof e === 'string' && actual[k] === e),
            `${k}: ${JSON.stringify(actual[k])}`,
          );
        }
      } else {
        const expected = fromVector(v.expect.value as Json);
        assert.ok(sameModuloFixtures(actual, expected), `got ${JSON.stringify(actual)}`);
      }
    });
  }
});

/** Compare, treating fixture specs in the expectation as matching any device. */
function sameModuloFixtures(actual: PathItem, expected: PathItem): boolean {
  if (isMessage(expected) && typeof expected.$fixture === 'string')
    return typeof actual === 'object';
  if (isMessage(actual) && isMessage(expected)) {
    const keys = Object.keys(actual);
    return (
      keys.length === Object.keys(expected).length &&
      keys.every(
        (k) => k in expected && sameModuloFixtures(actual[k] as Value, expected[k] as Value),
      )
    );
  }
  return samePathItem(actual, expected);
}
