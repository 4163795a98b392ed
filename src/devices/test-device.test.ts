/**
 * Unit tests for test-device@1.0 (HyperBEAM's dev_test).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Value } from '../core/message.ts';
import { type ContextOptions, createContext } from '../defaults.ts';
import type { Context } from '../engine/context.ts';
import type { Result } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { testDevice, testWorkers } from './test-device.ts';

const DEV = 'test-device@1.0';
const opts = (options: ContextOptions = {}) =>
  createContext({ ...options, directives: { hashpath: 'ignore', ...options.directives } });
const run = (base: Message, req: Value, o: Context = opts()): Promise<Result> =>
  resolve({ device: DEV, ...base }, req, o);

/** Register a test worker under a fresh ID for the duration of `fn`. */
async function withWorker(
  fn: (id: string, events: Message[]) => Promise<void>,
  id = `worker-${Math.random().toString(36).slice(2)}`,
): Promise<void> {
  const events: Message[] = [];
  testWorkers.set(id, (event) => events.push(event));
  try {
    await fn(id, events);
  } finally {
    testWorkers.delete(id);
  }
}

describe('test-device@1.0', () => {
  it('is registered under its name', () => {
    assert.equal(testDevice.name, DEV);
    assert.equal(createContext().services.devices.get(DEV), testDevice);
  });

  it('test_func returns GOOD_FUNCTION', async () => {
    assert.deepEqual(await run({}, 'test_func'), { status: 'ok', body: 'GOOD_FUNCTION' });
  });

  it('test-func finds test_func (- read as _)', async () => {
    assert.deepEqual(await run({}, 'test-func'), { status: 'ok', body: 'GOOD_FUNCTION' });
  });

  it('info describes the device', async () => {
    const result = await run({}, 'info');
    assert.equal(result.status, 'ok');
    const info = result.body as Message;
    assert.equal(info.status, 200);
    const body = info.body as Message;
    assert.equal(body.version, '1.0');
    assert.ok(Object.keys(body.paths as Message).includes('compute'));
  });

  it('keys it does not define fall back to message@1.0', async () => {
    assert.deepEqual(await run({ k: 'v' }, 'k'), { status: 'ok', body: 'v' });
  });

  it('snapshot returns an empty message', async () => {
    assert.deepEqual(await run({ a: '1' }, 'snapshot'), { status: 'ok', body: {} });
  });

  it('init starts an empty already-seen list', async () => {
    const result = await run({ a: '1' }, 'init');
    assert.deepEqual(result, {
      status: 'ok',
      body: { device: DEV, a: '1', 'already-seen': [] },
    });
  });

  it('compute records the slot and prepends it to already-seen', async () => {
    const first = await run({ 'already-seen': [] }, { path: 'compute', slot: 1 });
    assert.equal(first.status, 'ok');
    const state = first.body as Message;
    assert.equal(state['random-key'], 'random-value');
    assert.deepEqual(state.results, { 'assignment-slot': 1 });
    assert.deepEqual(state['already-seen'], [1]);
    const second = await resolve(state, { path: 'compute', slot: 2 }, opts());
    assert.deepEqual((second.body as Message)['already-seen'], [2, 1]);
    assert.deepEqual((second.body as Message).results, { 'assignment-slot': 2 });
  });

  it('compute works without a prior init', async () => {
    const result = await run({}, { path: 'compute', slot: 7 });
    assert.deepEqual((result.body as Message)['already-seen'], [7]);
  });

  it('init then compute, chained in one path', async () => {
    const result = await run({}, { path: 'init/compute', slot: 3 });
    assert.deepEqual((result.body as Message)['already-seen'], [3]);
  });

  it('restore keeps the seen slots in priv.test-key.started-state', async () => {
    const result = await run({ 'already-seen': [2, 1], priv: { other: 1 } }, 'restore');
    assert.equal(result.status, 'ok');
    assert.deepEqual((result.body as Message).priv, {
      other: 1,
      'test-key': { 'started-state': [2, 1] },
    });
  });

  it('restore without state is an error', async () => {
    assert.deepEqual(await run({}, 'restore'), {
      status: 'error',
      body: 'No viable state to restore.',
    });
  });

  it('mul multiplies its two integer args', async () => {
    const result = await run({ state: { s: '1' } }, { path: 'mul', args: [6, 7] });
    assert.deepEqual(result, { status: 'ok', body: { state: { s: '1' }, results: [42] } });
  });

  it('mul without state answers an empty state', async () => {
    const result = await run({}, { path: 'mul', args: [-2, 3] });
    assert.deepEqual(result.body, { state: {}, results: [-6] });
  });

  it('mul with bad args is a BadRequestError', async () => {
    for (const args of [[1], [1, 2, 3], ['1', 2], [1.5, 2]]) {
      await assert.rejects(run({}, { path: 'mul', args }), {
        name: 'BadRequestError',
        code: 'bad_args',
      });
    }
    await assert.rejects(run({}, 'mul'), { code: 'bad_args' });
  });

  it('delay returns the base return value', async () => {
    const result = await run({ duration: 0, return: 'done' }, 'delay');
    assert.deepEqual(result, { status: 'ok', body: 'done' });
  });

  it('delay reads the duration from the request and returns its body', async () => {
    const result = await run({}, { path: 'delay', duration: 1, body: 'from-request' });
    assert.deepEqual(result, { status: 'ok', body: 'from-request' });
  });

  it('delay says it slept when there is nothing to return', async () => {
    const result = await run({ duration: 0 }, 'delay');
    assert.deepEqual(result, { status: 'ok', body: { result: 'slept' } });
  });

  it('update_state hands the request to the registered test worker', async () => {
    await withWorker(async (id, events) => {
      const result = await run({}, { path: 'update_state', 'test-id': id, value: '5' });
      assert.deepEqual(result, { status: 'ok', body: id });
      assert.equal(events.length, 1);
      const update = (events[0] as Message).update as Message;
      assert.equal(update['test-id'], id);
      assert.equal(update.value, '5');
    });
  });

  it('increment_counter notifies the worker', async () => {
    await withWorker(async (id, events) => {
      const result = await run({}, { path: 'increment_counter', 'test-id': id });
      assert.deepEqual(result, { status: 'ok', body: id });
      assert.deepEqual(events, [{ increment: true }]);
    });
  });

  it('update_state without a test-id or worker is an error', async () => {
    assert.deepEqual(await run({}, 'update_state'), {
      status: 'error',
      body: 'No test ID found in message.',
    });
    assert.deepEqual(await run({}, { path: 'update_state', 'test-id': 'no-such-worker' }), {
      status: 'error',
      body: 'No test worker found.',
    });
    assert.deepEqual(await run({}, { path: 'increment_counter', 'test-id': 'no-such-worker' }), {
      status: 'error',
      body: 'No test worker found for increment.',
    });
  });

  it('a worker is unreachable once removed', async () => {
    let kept = '';
    await withWorker(async (id) => {
      kept = id;
    });
    assert.equal(testWorkers.has(kept), false);
    assert.equal((await run({}, { path: 'update_state', 'test-id': kept })).status, 'error');
  });
});
