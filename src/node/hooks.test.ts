/**
 * Unit tests for node hooks (HyperBEAM's dev_hook): handler lookup, the
 * handler pipeline, `hook` settings, failures, and the resolver's step hook.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Value } from '../core/message.ts';
import { createContext } from '../defaults.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import { type Context, withDirectives } from '../engine/context.ts';
import { defineDevice, error, ok } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { handlersOf, runHook, stepHook } from './hooks.ts';

const DEVICE = 'hook-test@1.0';

/** What the test device's keys were called with, in order. */
interface Call {
  key: string;
  base: Message;
  req: Message;
  ctx: Context;
}

function setup(on: Value) {
  const calls: Call[] = [];
  const record = (key: string, base: Message, req: Message, ctx: Context) =>
    calls.push({ key, base, req, ctx });
  const device = defineDevice({
    name: DEVICE,
    keys: {
      // Appends the handler's `tag` to the message's `trail`.
      request(base, req, ctx) {
        record('request', base, req, ctx);
        return ok({ ...req, trail: `${String(req.trail ?? '')}${String(base.tag ?? '')}` });
      },
      response(base, req, ctx) {
        record('response', base, req, ctx);
        return ok({ ...req, seen: 'response' });
      },
      other(base, req, ctx) {
        record('other', base, req, ctx);
        return ok({ ...req, other: 'yes' });
      },
      boom(base, req, ctx) {
        record('boom', base, req, ctx);
        throw new Error('boom');
      },
      refuse(base, req, ctx) {
        record('refuse', base, req, ctx);
        return error('refused');
      },
      literal(base, req, ctx) {
        record('literal', base, req, ctx);
        return ok('just text');
      },
      step(base, req, ctx) {
        record('step', base, req, ctx);
        return ok({ body: `${String(req.body)}!` });
      },
      restatus(base, req, ctx) {
        record('restatus', base, req, ctx);
        return ok({ status: 'error' });
      },
    },
  });
  const ctx = createContext({ devices: createDeviceRegistry([device]), config: { on } });
  return { ctx, calls };
}

const handler = (extra: Message = {}): Message => ({ device: DEVICE, ...extra });

describe('handlersOf', () => {
  it('finds no handlers without an `on` message', () => {
    const ctx = createContext();
    assert.deepEqual(handlersOf('request', ctx), []);
    // The schema refuses such a configuration; handlersOf does not rely on it.
    const notMessage = { ...ctx, config: { ...ctx.config, on: 'nope' } } as unknown as Context;
    assert.deepEqual(handlersOf('request', notMessage), []);
  });

  it('reads one handler or a list, skipping non-messages', () => {
    const h = handler();
    assert.deepEqual(handlersOf('request', createContext({ config: { on: { request: h } } })), [h]);
    assert.deepEqual(
      handlersOf('request', createContext({ config: { on: { request: [h, 'x', h] } } })),
      [h, h],
    );
    assert.deepEqual(handlersOf('response', createContext({ config: { on: { request: h } } })), []);
  });
});

describe('runHook', () => {
  it('returns the input unchanged when the hook has no handlers', async () => {
    const input = { body: 'x' };
    const result = await runHook('request', input, createContext());
    assert.equal(result.status, 'ok');
    assert.equal(result.body, input);
  });

  it('ignores handlers of other hook points', async () => {
    const { ctx, calls } = setup({ response: handler() });
    assert.deepEqual(await runHook('request', { body: 'x' }, ctx), ok({ body: 'x' }));
    assert.equal(calls.length, 0);
  });

  it('resolves the handler with path = the hook name and method GET', async () => {
    const { ctx, calls } = setup({ request: handler({ tag: 'A' }) });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.deepEqual(result, ok({ body: 'x', path: 'request', method: 'GET', trail: 'A' }));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.base.tag, 'A');
    assert.equal(calls[0]?.req.body, 'x');
  });

  it("uses the handler's own path and method", async () => {
    const { ctx, calls } = setup({ request: handler({ path: 'other', method: 'POST' }) });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.deepEqual(result, ok({ body: 'x', path: 'other', method: 'POST', other: 'yes' }));
    assert.deepEqual(
      calls.map((c) => c.key),
      ['other'],
    );
  });

  it('runs a list of handlers as a pipeline, each on the last output', async () => {
    const { ctx, calls } = setup({
      request: [handler({ tag: 'A' }), handler({ tag: 'B' }), handler({ tag: 'C' })],
    });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.equal(result.status, 'ok');
    assert.equal((result.body as Message).trail, 'ABC');
    assert.deepEqual(
      calls.map((c) => c.req.trail ?? ''),
      ['', 'A', 'AB'],
    );
  });

  it('passes its input on with hook result `ignore`', async () => {
    const { ctx, calls } = setup({ request: handler({ tag: 'A', hook: { result: 'ignore' } }) });
    const input = { body: 'x' };
    assert.deepEqual(await runHook('request', input, ctx), ok(input));
    assert.equal(calls.length, 1);
  });

  it('reads the setting from a flat `hook/result` key too', async () => {
    const { ctx } = setup({ request: handler({ tag: 'A', 'hook/result': 'ignore' }) });
    assert.deepEqual(await runHook('request', { body: 'x' }, ctx), ok({ body: 'x' }));
  });

  it('turns the output into an error with hook result `error`', async () => {
    const { ctx } = setup({ request: handler({ tag: 'A', hook: { result: 'error' } }) });
    assert.deepEqual(
      await runHook('request', { body: 'x' }, ctx),
      error({ body: 'x', path: 'request', method: 'GET', trail: 'A' }),
    );
  });

  it('an ignoring handler passes its own input to the next one', async () => {
    const { ctx } = setup({
      request: [handler({ tag: 'A', hook: { result: 'ignore' } }), handler({ tag: 'B' })],
    });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.equal((result.body as Message).trail, 'B');
  });

  it('gives status failure with a message when a handler throws', async () => {
    const { ctx } = setup({ request: handler({ path: 'boom' }) });
    assert.deepEqual(await runHook('request', { body: 'x' }, ctx), {
      status: 'failure',
      body: 'Handler for hook `request` raised an exception: boom',
    });
  });

  it('gives status failure when a handler returns a non-message', async () => {
    const { ctx } = setup({ response: handler({ path: 'literal' }) });
    assert.deepEqual(await runHook('response', { body: 'x' }, ctx), {
      status: 'failure',
      body: 'Handler for hook `response` returned unexpected result.',
    });
  });

  it('stops the pipeline at the first non-ok result', async () => {
    const { ctx, calls } = setup({
      request: [handler({ tag: 'A' }), handler({ path: 'refuse' }), handler({ tag: 'C' })],
    });
    assert.deepEqual(await runHook('request', { body: 'x' }, ctx), error('refused'));
    assert.deepEqual(
      calls.map((c) => c.key),
      ['request', 'refuse'],
    );
  });

  it('stops the pipeline after a throwing handler', async () => {
    const { ctx, calls } = setup({ request: [handler({ path: 'boom' }), handler({ tag: 'B' })] });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.equal(result.status, 'failure');
    assert.deepEqual(
      calls.map((c) => c.key),
      ['boom'],
    );
  });

  it('reports a missing handler device as a failure', async () => {
    const { ctx } = setup({ request: { device: 'missing@1.0' } });
    const result = await runHook('request', { body: 'x' }, ctx);
    assert.equal(result.status, 'failure');
    assert.match(String(result.body), /^Handler for hook `request` raised an exception: /);
  });
});

describe('stepHook', () => {
  it('is undefined without step handlers', () => {
    assert.equal(stepHook(createContext()), undefined);
    assert.equal(stepHook(setup({ request: handler() }).ctx), undefined);
  });

  it('calls the step handler with the step and replaces the body', async () => {
    const { ctx, calls } = setup({ step: handler() });
    const hook = stepHook(ctx);
    assert.ok(hook);
    const result = await hook({ base: { a: '1' }, request: { path: 'a' }, result: ok('1') }, ctx);
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
    const { ctx, calls } = setup({ step: handler(), request: handler() });
    const hook = stepHook(ctx);
    assert.ok(hook);
    await hook({ base: {}, request: { path: 'a' }, result: ok('x') }, ctx);
    const seen = calls[0]?.ctx;
    assert.equal(seen?.directives.onStep, undefined);
    assert.deepEqual(Object.keys(seen?.config.on as Message), ['request']);
  });

  it("takes a status from the handler's output, keeping the body when it has none", async () => {
    const { ctx } = setup({ step: handler({ path: 'restatus' }) });
    const hook = stepHook(ctx);
    assert.ok(hook);
    const result = await hook({ base: {}, request: { path: 'a' }, result: ok('kept') }, ctx);
    assert.deepEqual(result, { status: 'error', body: 'kept' });
  });

  it("returns a failing handler's result", async () => {
    const { ctx } = setup({ step: handler({ path: 'refuse' }) });
    const hook = stepHook(ctx);
    assert.ok(hook);
    const result = await hook({ base: {}, request: { path: 'a' }, result: ok('x') }, ctx);
    assert.deepEqual(result, error('refused'));
  });

  it('rewrites results inside the resolver', async () => {
    const { ctx } = setup({ step: handler() });
    const hook = stepHook(ctx);
    assert.ok(hook);
    const result = await resolve(
      { a: '1' },
      'a',
      withDirectives(ctx, { onStep: hook, hashpath: 'ignore' }),
    );
    assert.deepEqual(result, ok('1!'));
  });
});
