/**
 * Unit tests for stack@1.0 (HyperBEAM's dev_stack, core.md section 5). The stack vectors
 * in test/vectors cover the reference examples; these cover pass counting, skip, Map mode,
 * stack-keys, bad modes and error handling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceError } from '../core/errors.ts';
import { Atom, type Message, type Value } from '../core/message.ts';
import { createContext } from '../defaults.ts';
import type { Context } from '../engine/context.ts';
import { type Device, defineDevice, error, ok, withStatus } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { createDeviceRegistry } from './index.ts';
import { inputPrefix, outputPrefix, transform } from './stack.ts';

const str = (v: Value | undefined) => (v === undefined ? '' : String(v));

/** Appends `sep` + the request's `bin` to `result`, answering with `status` (until pass 3). */
function appender(name: string, sep: string, status = 'ok', seen: number[] = []): Device {
  return defineDevice({
    name,
    keys: {
      append: (m1, m2) => {
        seen.push(Number(m1.pass));
        if (m1.pass === 3) return ok(m1);
        return withStatus(status, { ...m1, result: str(m1.result) + sep + str(m2.bin) });
      },
    },
  });
}

function optsWith(devices: Device[], config: Message = {}): Context {
  return createContext({
    devices: createDeviceRegistry(devices),
    config,
    directives: { hashpath: 'ignore' },
  });
}

function stackOf(...names: string[]): Message {
  const stack: Message = {};
  names.forEach((name, i) => {
    stack[String(i + 1)] = name;
  });
  return { device: 'stack@1.0', 'device-stack': stack, result: 'INIT' };
}

describe('stack@1.0: Fold mode', () => {
  it('threads the message through every device in order', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1'), appender('d2@1.0', '+D2')]);
    const result = await resolve(stackOf('d1@1.0', 'd2@1.0'), { path: 'append', bin: '!' }, opts);
    assert.equal(result.status, 'ok');
    const body = result.body as Message;
    assert.equal(body.result, 'INIT+D1!+D2!');
    assert.equal(body.device, 'stack@1.0');
  });

  it('restores the device and clears the fold bookkeeping', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1')]);
    const body = (await resolve(stackOf('d1@1.0'), { path: 'append', bin: 'x' }, opts))
      .body as Message;
    assert.equal(body.device, 'stack@1.0');
    assert.equal(body['device-key'], undefined);
    assert.equal(body.pass, undefined);
    // HyperBEAM leaves the module it read the device through (dev_message) behind.
    assert.equal(body['previous-device'], Atom.of('dev_message'));
  });

  it('the result can be resolved on again (the stack is still its device)', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1')]);
    const once = await resolve(stackOf('d1@1.0'), { path: 'append', bin: '1' }, opts);
    const twice = await resolve(once.body, { path: 'append', bin: '2' }, opts);
    assert.equal((twice.body as Message).result, 'INIT+D11+D12');
  });

  it('skips devices that do not implement the key (not_found)', async () => {
    const none = defineDevice({ name: 'none@1.0', keys: { other: () => ok('x') } });
    const opts = optsWith([appender('d1@1.0', '+D1'), none, appender('d2@1.0', '+D2')]);
    const result = await resolve(
      stackOf('d1@1.0', 'none@1.0', 'd2@1.0'),
      { path: 'append', bin: '' },
      opts,
    );
    assert.equal((result.body as Message).result, 'INIT+D1+D2');
  });

  it('skip stops the fold with that message as an ok result', async () => {
    const seen2: number[] = [];
    const opts = optsWith([
      appender('d1@1.0', '+D1', 'skip'),
      appender('d2@1.0', '+D2', 'ok', seen2),
    ]);
    const result = await resolve(stackOf('d1@1.0', 'd2@1.0'), { path: 'append', bin: '' }, opts);
    assert.equal(result.status, 'ok');
    assert.equal((result.body as Message).result, 'INIT+D1');
    assert.deepEqual(seen2, []);
  });

  it('a literal result ends the stack immediately', async () => {
    const seen2: number[] = [];
    const lit = defineDevice({ name: 'lit@1.0', keys: { append: () => ok('literal') } });
    const opts = optsWith([lit, appender('d2@1.0', '+D2', 'ok', seen2)]);
    const result = await resolve(stackOf('lit@1.0', 'd2@1.0'), { path: 'append', bin: '' }, opts);
    assert.deepEqual(result, { status: 'ok', body: 'literal' });
    assert.deepEqual(seen2, []);
  });

  it('an empty stack returns the message unchanged but for bookkeeping', async () => {
    const result = await resolve(
      { device: 'stack@1.0', 'device-stack': {}, result: 'INIT' },
      'append',
      optsWith([]),
    );
    assert.equal(result.status, 'ok');
    assert.equal((result.body as Message).result, 'INIT');
  });

  it('a message without device-stack is a BadRequestError', async () => {
    await assert.rejects(resolve({ device: 'stack@1.0' }, 'append', optsWith([])), {
      name: 'BadRequestError',
      code: 'no_valid_device_stack',
    });
  });
});

describe('stack@1.0: pass', () => {
  it('pass restarts the fold from device 1 and counts passes from 1', async () => {
    const seen1: number[] = [];
    const seen2: number[] = [];
    const opts = optsWith([
      appender('d1@1.0', '+D1', 'pass', seen1),
      appender('d2@1.0', '+D2', 'ok', seen2),
    ]);
    const result = await resolve(stackOf('d1@1.0', 'd2@1.0'), { path: 'append', bin: '2' }, opts);
    assert.equal(result.status, 'ok');
    // Passes 1 and 2 restart at device 1; on pass 3 both devices return the message as is.
    assert.deepEqual(seen1, [1, 2, 3]);
    assert.deepEqual(seen2, [3]);
    assert.equal((result.body as Message).result, 'INIT+D12+D12');
  });

  it('pass is removed afterwards when the message had none', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1', 'pass')]);
    const body = (await resolve(stackOf('d1@1.0'), { path: 'append', bin: '' }, opts))
      .body as Message;
    assert.equal(body.pass, undefined);
  });

  it("pass is restored to the message's own value afterwards", async () => {
    const seen: number[] = [];
    const opts = optsWith([appender('d1@1.0', '+D1', 'pass', seen)]);
    const body = (
      await resolve({ ...stackOf('d1@1.0'), pass: 'mine' }, { path: 'append', bin: '' }, opts)
    ).body as Message;
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(body.pass, 'mine');
  });
});

describe('stack@1.0: Map mode', () => {
  it('runs each device on the original and collects results by stack key', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1'), appender('d2@1.0', '+D2')]);
    const result = await resolve(
      stackOf('d1@1.0', 'd2@1.0'),
      { path: 'append', bin: '!', mode: 'Map' },
      opts,
    );
    assert.equal(result.status, 'ok');
    const body = result.body as Message;
    assert.deepEqual(Object.keys(body).sort(), ['1', '2']);
    assert.equal((body['1'] as Message).result, 'INIT+D1!');
    assert.equal((body['2'] as Message).result, 'INIT+D2!');
  });

  it('the mode may be set on the stack message itself', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1')]);
    const result = await resolve(
      { ...stackOf('d1@1.0'), mode: 'Map' },
      { path: 'append', bin: '' },
      opts,
    );
    assert.equal(((result.body as Message)['1'] as Message).result, 'INIT+D1');
  });

  it('the request mode wins over the message mode', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1')]);
    const result = await resolve(
      { ...stackOf('d1@1.0'), mode: 'Map' },
      { path: 'append', bin: '', mode: 'Fold' },
      opts,
    );
    assert.equal((result.body as Message).result, 'INIT+D1');
  });

  it('leaves out devices that fail or lack the key', async () => {
    const failing = defineDevice({ name: 'bad@1.0', keys: { append: () => error('no') } });
    const none = defineDevice({ name: 'none@1.0', keys: {} });
    const opts = optsWith([appender('d1@1.0', '+D1'), failing, none]);
    const result = await resolve(
      stackOf('d1@1.0', 'bad@1.0', 'none@1.0'),
      { path: 'append', bin: '', mode: 'Map' },
      opts,
    );
    assert.deepEqual(Object.keys(result.body as Message), ['1']);
  });

  it('modes are case-sensitive: anything but Fold or Map is a BadRequestError', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1')]);
    for (const mode of ['fold', 'map', 'MAP', 'other']) {
      await assert.rejects(
        resolve(stackOf('d1@1.0'), { path: 'append', mode }, opts),
        (e: unknown) => {
          assert.equal((e as DeviceError).name, 'BadRequestError');
          assert.equal((e as DeviceError).code, 'bad_mode');
          assert.match((e as Error).message, new RegExp(mode));
          return true;
        },
        mode,
      );
    }
  });
});

describe('stack@1.0: stack-keys', () => {
  const dual = defineDevice({
    name: 'dual@1.0',
    keys: {
      append: (m1) => ok({ ...m1, result: `${str(m1.result)}+A` }),
      other: (m1) => ok({ ...m1, result: `${str(m1.result)}+O` }),
    },
  });

  it('only the listed keys go through the stack', async () => {
    const opts = optsWith([dual]);
    const base = { ...stackOf('dual@1.0'), 'stack-keys': ['append'], other: 'plain value' };
    const stacked = await resolve(base, 'append', opts);
    assert.equal((stacked.body as Message).result, 'INIT+A');
    // `other` is not a stack key: message@1.0 reads it from the stack message.
    assert.deepEqual(await resolve(base, 'other', opts), { status: 'ok', body: 'plain value' });
  });

  it('without stack-keys every key goes through the stack', async () => {
    const opts = optsWith([dual]);
    const result = await resolve(stackOf('dual@1.0'), 'other', opts);
    assert.equal((result.body as Message).result, 'INIT+O');
  });

  it('set and keys are always served by message@1.0', async () => {
    const opts = optsWith([dual]);
    const base = stackOf('dual@1.0');
    assert.deepEqual((await resolve(base, 'keys', opts)).body, [
      'device',
      'device-stack',
      'result',
    ]);
    const set = await resolve(base, { path: 'set', extra: '1' }, opts);
    assert.equal((set.body as Message).extra, '1');
    assert.equal((set.body as Message).result, 'INIT');
  });
});

describe('stack@1.0: failures', () => {
  const failing = defineDevice({ name: 'bad@1.0', keys: { append: () => error('broken') } });

  it('a failing device raises device_failed by default', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1'), failing]);
    await assert.rejects(
      resolve(stackOf('d1@1.0', 'bad@1.0'), { path: 'append', bin: '' }, opts),
      (e: unknown) => {
        assert.ok(e instanceof DeviceError);
        assert.equal(e.code, 'device_failed');
        assert.match(e.message, /device 2/);
        assert.deepEqual(e.details, { info: 'broken' });
        return true;
      },
    );
  });

  it("error_strategy 'stop' returns the failure as an error result", async () => {
    const seen: number[] = [];
    const opts = optsWith([failing, appender('d2@1.0', '+D2', 'ok', seen)], {
      error_strategy: 'stop',
    });
    const result = await resolve(stackOf('bad@1.0', 'd2@1.0'), { path: 'append', bin: '' }, opts);
    assert.deepEqual(result, {
      status: 'error',
      body: { status: 500, body: 'stack call failed at device 1', 'device-num': 1 },
    });
    assert.deepEqual(seen, []);
  });

  it('an unknown status counts as a failure', async () => {
    const odd = defineDevice({
      name: 'odd@1.0',
      keys: { append: (m1) => withStatus('weird', m1) },
    });
    const result = await resolve(
      stackOf('odd@1.0'),
      { path: 'append' },
      optsWith([odd], { error_strategy: 'stop' }),
    );
    assert.equal(result.status, 'error');
    assert.equal((result.body as Message)['device-num'], 1);
  });
});

describe('stack@1.0: transform and prefixes', () => {
  it('transform makes a stacked device the message device, with prefixes', async () => {
    const msg: Message = {
      ...stackOf('d1@1.0', 'd2@1.0'),
      'input-prefix': 'in0',
      'input-prefixes': { '2': 'in2' },
      'output-prefixes': { '2': 'out2' },
    };
    const opts = optsWith([appender('d1@1.0', '+D1'), appender('d2@1.0', '+D2')]);
    const t = (await transform(msg, 2, opts)) as Message;
    assert.equal(t.device, 'd2@1.0');
    assert.equal(t['device-key'], 2);
    assert.equal(t['input-prefix'], 'in2');
    assert.equal(t['output-prefix'], 'out2');
    assert.equal(t['previous-input-prefix'], 'in0');
    assert.equal(inputPrefix(t), 'in2');
    assert.equal(outputPrefix(t), 'out2');
  });

  it('a stack entry without prefixes keeps the message-level ones', async () => {
    const msg = { ...stackOf('d1@1.0'), 'output-prefix': 'keep' };
    const t = (await transform(msg, 1, optsWith([appender('d1@1.0', '')]))) as Message;
    assert.equal(t['output-prefix'], 'keep');
    assert.equal(inputPrefix(t), '');
  });

  it('transform gives undefined for a missing stack entry', async () => {
    assert.equal(await transform(stackOf('d1@1.0'), 5, optsWith([])), undefined);
  });

  it('/transform/<key>/<k> runs one stacked device alone', async () => {
    const opts = optsWith([appender('d1@1.0', '+D1'), appender('d2@1.0', '+D2')]);
    const result = await resolve(
      stackOf('d1@1.0', 'd2@1.0'),
      { path: 'transform/2/append', bin: '!' },
      opts,
    );
    assert.equal((result.body as Message).result, 'INIT+D2!');
  });
});
