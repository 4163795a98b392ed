/**
 * The test devices that core-vectors.json refers to as {"$fixture": name},
 * written from the descriptions in each vector's `fixtures` field.
 */

import { As, isMessage, type Message, type Value } from '../../src/core/message.ts';
import { getKey, messageDevice } from '../../src/devices/message.ts';
import { inputPrefix, outputPrefix } from '../../src/devices/stack.ts';
import { type Device, defineDevice, ok, withStatus } from '../../src/engine/device.ts';
import { get, setKey } from '../../src/engine/resolver.ts';

const messageSet = messageDevice.keys!.set!;
const str = (v: Value | undefined) => (v === undefined ? '' : String(v));

export function fixtureDevice(spec: Message): Device {
  switch (spec.$fixture) {
    case 'args-device':
      return defineDevice({
        keys: {
          key_using_only_state: (s) => ok(str(s.state_key)),
          key_using_state_and_msg: (s, m) => ok(str(s.state_key) + str(m.msg_key)),
          key_using_all: (s, m, ctx) =>
            ok(str(s.state_key) + str(m.msg_key) + String(ctx.config.opts_key)),
        },
      });
    case 'default-device':
      return defineDevice({ default: () => ok('DEFAULT'), keys: { state_key: () => ok('STATE') } });
    case 'handler-device':
      return defineDevice({
        handler: (key, m1, m2, ctx) =>
          key === 'set' ? messageSet(m1, m2, ctx) : ok('HANDLER VALUE'),
      });
    case 'count-set-device':
      return defineDevice({
        keys: { set: (s) => ok({ ...s, set_count: `${str(s.set_count)}.` }) },
      });
    case 'exports-handler-device':
      return defineDevice({ exports: ['test1', 'Test2'], handler: () => ok('Handler-Value') });
    case 'excludes-handler-device':
      return defineDevice({ excludes: ['set'], handler: () => ok('Handler-Value') });
    case 'modify-set-device':
      return defineDevice({
        keys: {
          set: (m1, m2) => {
            const key = Object.keys(m2)
              .filter((k) => k !== 'path' && k !== 'priv')
              .sort()[0] as string;
            return ok({ ...m1, [key]: m2[key] as Value, modified: true });
          },
        },
      });
    case 'append': {
      const sep = str(spec.sep);
      const status = str(spec.status);
      return defineDevice({
        keys: {
          append: (m1, m2) =>
            m1.pass === 3
              ? ok(m1)
              : withStatus(status, { ...m1, result: str(m1.result) + sep + str(m2.bin) }),
          ...(spec.extra ? { special: (m1: Message) => ok({ ...m1, output: 1337 }) } : {}),
        },
      });
    }
    case 'prefix-device':
      return defineDevice({
        keys: {
          prefix_set: async (m1, m2, ctx) => {
            const key = str(await get('key', m2, ctx));
            const value = (await get(`${inputPrefix(m1)}/${key}`, m2, ctx)) as Value;
            return ok(await setKey(m1, `${outputPrefix(m1)}/${key}`, value, ctx));
          },
        },
      });
    case 'make-cool':
      return defineDevice({
        handler: (key, m, _req, ctx) => {
          if (key === 'keys') return ok(Object.keys(m));
          return messageSet(m, { [key]: `${str(getKey(key, m))}-Cool` }, ctx);
        },
      });
    default:
      throw new Error(`unknown fixture ${String(spec.$fixture)}`);
  }
}

/** Replace {"$fixture": ...} specs with devices, one device per distinct spec. */
export function withFixtures(value: Value, memo = new Map<string, Device>()): Value {
  if (Array.isArray(value)) return value.map((v) => withFixtures(v, memo));
  if (value instanceof As)
    return new As(value.device, withFixtures(value.msg as Value, memo) as Message);
  if (!isMessage(value)) return value;
  if (typeof value.$fixture === 'string') {
    const id = JSON.stringify(value);
    let device = memo.get(id);
    if (!device) {
      device = fixtureDevice(value);
      memo.set(id, device);
    }
    return device;
  }
  const out: Message = {};
  for (const [k, v] of Object.entries(value)) out[k] = withFixtures(v, memo);
  return out;
}
