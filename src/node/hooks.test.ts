/**
 * Unit tests for node hooks (HyperBEAM's dev_hook): handler lookup, the
 * handler pipeline, `hook` settings, failures, and the resolver's step hook.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Value } from '../core/message.ts';
import { createOpts } from '../defaults.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import type { Opts } from '../engine/context.ts';
import { defineDevice, error, ok } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { handlersOf, runHook, stepHook } from './hooks.ts';

const DEVICE = 'hook-test@1.0';

/** What the test device's keys were called with, in order. */
interface Call {
  key: string;
  base: Message;
  req: Message;
  opts: Opts;
}

function setup(on: Value) {
  const calls: Call[] = [];
  const record = (key: string, base: Message, req: Message, opts: Opts) =>
    calls.push({ key, base, req, opts });
  const device = defineDevice({
    name: DEVICE,
    keys: {
      // Appends the handler's `tag` to the message's `trail`.
      request(base, req, opts) {
        record('request', base, req, opts);
        return ok({ ...req, trail: `${String(req.trail ?? '')}${String(base.tag ?? '')}` });
      },
      response(base, req, opts) {
        record('response', base, req, opts);
        return ok({ ...req, seen: 'response' });
      },
      other(base, req, opts) {
        record('other', base, req, opts);
        return ok({ ...req, other: 'yes' });
      },
      boom(base, req, opts) {
        record('boom', base, req, opts);
        throw new Error('boom');
      },
      refuse(base, req, opts) {
        record('refuse', base, req, opts);
        return error('refused');
      },
      literal(base, req, opts) {
        record('literal', base, req, opts);
        return ok('just text');
      },
      step(base, req, opts) {
        record('step', base, req, opts);
        return ok({ body: `${String(req.body)}!` });
      },
      restatus(base, req, opts) {
        record('restatus', base, req, opts);
        return ok({ status: 'error' });
      },
    },
  });
  const opts = createOpts({ devices: createDeviceRegistry([device]), on });
  return { opts, calls };
}

const handler = (extra: Message = {}): Message => ({ device: DEVICE, ...extra });

describe('handlersOf', () => {
  it('finds no handlers without an `on` message', () => {
    assert.deepEqual(handlersOf('request', createOpts()), []);
    assert.deepEqual(handlersOf('request', createOpts({ on: 'nope' })), []);
  });

  it('reads one handler or a list, skipping non-messages', () => {
    const h = handler();
    assert.deepEqual(handlersOf('request', createOpts({ on: { request: h } })), [h]);
    assert.deepEqual(handlersOf('request', createOpts({ on: { request: [h, 'x', h] } })), [h, h]);
    assert.deepEqual(handlersOf('response', createOpts({ on: { request: h } })), []);
  });
});

describe('runHook', () => {
  it('returns the input unchanged when the hook has no handlers', async () => {
    const input = { body: 'x' };
    const result = await runHook('request', input, createOpts());
    assert.equal(result.status, 'ok');
    assert.equal(result.body, input);
  });

  it('ignores handlers of other hook points', async () => {
    const { opts, calls } = setup({ response: handler() });
    assert.deepEqual(await runHook('request', { body: 'x' }, opts), ok({ body: 'x' }));
    assert.equal(calls.length, 0);
  });

  it('resolves the handler with path = the hook name and method GET', async () => {
    const { opts, calls } = setup({ request: handler({ tag: 'A' }) });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.deepEqual(result, ok({ body: 'x', path: 'request', method: 'GET', trail: 'A' }));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.base.tag, 'A');
    assert.equal(calls[0]?.req.body, 'x');
  });

  it("uses the handler's own path and method", async () => {
    const { opts, calls } = setup({ request: handler({ path: 'other', method: 'POST' }) });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.deepEqual(result, ok({ body: 'x', path: 'other', method: 'POST', other: 'yes' }));
    assert.deepEqual(
      calls.map((c) => c.key),
      ['other'],
    );
  });

  it('runs a list of handlers as a pipeline, each on the last output', async () => {
    const { opts, calls } = setup({
      request: [handler({ tag: 'A' }), handler({ tag: 'B' }), handler({ tag: 'C' })],
    });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.equal(result.status, 'ok');
    assert.equal((result.body as Message).trail, 'ABC');
    assert.deepEqual(
      calls.map((c) => c.req.trail ?? ''),
      ['', 'A', 'AB'],
    );
  });

  it('passes its input on with hook result `ignore`', async () => {
    const { opts, calls } = setup({ request: handler({ tag: 'A', hook: { result: 'ignore' } }) });
    const input = { body: 'x' };
    assert.deepEqual(await runHook('request', input, opts), ok(input));
    assert.equal(calls.length, 1);
  });

  it('reads the setting from a flat `hook/result` key too', async () => {
    const { opts } = setup({ request: handler({ tag: 'A', 'hook/result': 'ignore' }) });
    assert.deepEqual(await runHook('request', { body: 'x' }, opts), ok({ body: 'x' }));
  });

  it('turns the output into an error with hook result `error`', async () => {
    const { opts } = setup({ request: handler({ tag: 'A', hook: { result: 'error' } }) });
    assert.deepEqual(
      await runHook('request', { body: 'x' }, opts),
      error({ body: 'x', path: 'request', method: 'GET', trail: 'A' }),
    );
  });

  it('an ignoring handler passes its own input to the next one', async () => {
    const { opts } = setup({
      request: [handler({ tag: 'A', hook: { result: 'ignore' } }), handler({ tag: 'B' })],
    });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.equal((result.body as Message).trail, 'B');
  });

  it('gives status failure with a message when a handler throws', async () => {
    const { opts } = setup({ request: handler({ path: 'boom' }) });
    assert.deepEqual(await runHook('request', { body: 'x' }, opts), {
      status: 'failure',
      body: 'Handler for hook `request` raised an exception: boom',
    });
  });

  it('gives status failure when a handler returns a non-message', async () => {
    const { opts } = setup({ response: handler({ path: 'literal' }) });
    assert.deepEqual(await runHook('response', { body: 'x' }, opts), {
      status: 'failure',
      body: 'Handler for hook `response` returned unexpected result.',
    });
  });

  it('stops the pipeline at the first non-ok result', async () => {
    const { opts, calls } = setup({
      request: [handler({ tag: 'A' }), handler({ path: 'refuse' }), handler({ tag: 'C' })],
    });
    assert.deepEqual(await runHook('request', { body: 'x' }, opts), error('refused'));
    assert.deepEqual(
      calls.map((c) => c.key),
      ['request', 'refuse'],
    );
  });

  it('stops the pipeline after a throwing handler', async () => {
    const { opts, calls } = setup({ request: [handler({ path: 'boom' }), handler({ tag: 'B' })] });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.equal(result.status, 'failure');
    assert.deepEqual(
      calls.map((c) => c.key),
      ['boom'],
    );
  });

  it('reports a missing handler device as a failure', async () => {
    const { opts } = setup({ request: { device: 'missing@1.0' } });
    const result = await runHook('request', { body: 'x' }, opts);
    assert.equal(result.status, 'failure');
    assert.match(String(result.body), /^Handler for hook `request` raised an exception: /);
  });
});

describe('stepHook', () => {
  it('is undefined without step handlers', () => {
    assert.equal(stepHook(createOpts()), undefined);
    assert.equal(stepHook(setup({ request: handler() }).opts), undefined);
  });

  it('calls the step handler with the step and replaces the body', async () => {
    const { opts, calls } = setup({ step: handler() });
    const hook = stepHook(opts);
    assert.ok(hook);
    const result = await hook({ base: { a: '1' }, request: { path: 'a' }, result: ok('1') }, opts);
    assert.deepEqual(result, ok('1!'));
    assert.equal(calls.length, 1);
    const req = calls[0]?.req;
    assert.deepEqual(req?.base, { a: '1' });
    assert.deepEqual(req?.request, { path: 'a' });
    assert.equal(req?.status, 'ok');
    assert.equal(req?.body, '1');
    assert.equal(req?.path, 'step');
  });

  it('runs the handler without the step hook, so it cannot recurse', async () => {
    const { opts, calls } = setup({ step: handler(), request: handler() });
    const hook = stepHook(opts);
    assert.ok(hook);
    await hook({ base: {}, request: { path: 'a' }, result: ok('x') }, opts);
    const seen = calls[0]?.opts;
    assert.equal(seen?.on_step, undefined);
    assert.deepEqual(Object.keys(seen?.on as Message), ['request']);
  });

  it("takes a status from the handler's output, keeping the body when it has none", async () => {
    const { opts } = setup({ step: handler({ path: 'restatus' }) });
    const hook = stepHook(opts);
    assert.ok(hook);
    const result = await hook({ base: {}, request: { path: 'a' }, result: ok('kept') }, opts);
    assert.deepEqual(result, { status: 'error', body: 'kept' });
  });

  it("returns a failing handler's result", async () => {
    const { opts } = setup({ step: handler({ path: 'refuse' }) });
    const hook = stepHook(opts);
    assert.ok(hook);
    const result = await hook({ base: {}, request: { path: 'a' }, result: ok('x') }, opts);
    assert.deepEqual(result, error('refused'));
  });

  it('rewrites results inside the resolver', async () => {
    const { opts } = setup({ step: handler() });
    const hook = stepHook(opts);
    assert.ok(hook);
    const result = await resolve({ a: '1' }, 'a', { ...opts, on_step: hook, hashpath: 'ignore' });
    assert.deepEqual(result, ok('1!'));
  });
});
