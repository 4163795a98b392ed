/**
 * Hooks (HyperBEAM's dev_hook): the node option `on` maps a hook point to a
 * handler message, or a list of them run as a pipeline. Built-in points:
 *   start     body = the node message; the result's body is merged into it
 *   request   body = the message list to resolve, request = the raw singleton
 *   response  body = the result, request = the raw singleton
 *   step      after every resolution step: {base, request, status, body}
 * A handler is resolved with `path` = its own `path` or the hook's name and
 * `method` = its `method` or GET. Its `hook` key tunes it: `result` is
 * `return` (default: the handler's output goes on), `ignore` (its input goes
 * on) or `error` (its output becomes an error); `commit-request: true` signs
 * the request with the node's key first. The first non-ok result stops the
 * pipeline.
 */
import { isMessage, type Message, type Value } from '../core/message.ts';
import { type Context, type StepHook, withDirectives } from '../engine/context.ts';
import { error, ok, type Result, withStatus } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';

export type HookName = 'start' | 'request' | 'response' | 'step' | (string & {});

/** The handlers configured for a hook point. */
export function handlersOf(name: HookName, ctx: Context): Message[] {
  const on = ctx.config.on;
  if (!isMessage(on)) return [];
  const found = on[name];
  if (Array.isArray(found)) return found.filter(isMessage);
  return isMessage(found) ? [found] : [];
}

function hookSetting(handler: Message, key: string): Value | undefined {
  const hook = handler.hook;
  return isMessage(hook) ? hook[key] : handler[`hook/${key}`];
}

async function runHandler(
  name: HookName,
  handler: Message,
  input: Message,
  ctx: Context,
): Promise<Result> {
  let req: Message = {
    ...input,
    path: typeof handler.path === 'string' ? handler.path : name,
    method: typeof handler.method === 'string' ? handler.method : 'GET',
  };
  if (hookSetting(handler, 'commit-request') === true) {
    const { codecs, wallet } = ctx.services;
    req = await codecs.committer('httpsig@1.0').commit(req, {}, { wallet });
  }
  let result: Result;
  try {
    result = await resolve(handler, req, withDirectives(ctx, { hashpath: 'ignore' }));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return withStatus('failure', `Handler for hook \`${name}\` raised an exception: ${reason}`);
  }
  if (result.status !== 'ok') return result;
  const mode = hookSetting(handler, 'result') ?? 'return';
  if (mode === 'ignore') return ok(input);
  if (mode === 'error') return error(result.body);
  if (!isMessage(result.body)) {
    return withStatus('failure', `Handler for hook \`${name}\` returned unexpected result.`);
  }
  return result;
}

/** Run a hook point's handlers over `input`; with none, `input` comes back unchanged. */
export function runHook(name: HookName, input: Message, ctx: Context): Promise<Result> {
  return runHandlers(name, handlersOf(name, ctx), input, ctx);
}

async function runHandlers(
  name: HookName,
  handlers: Message[],
  input: Message,
  ctx: Context,
): Promise<Result> {
  let current = input;
  for (const handler of handlers) {
    const result = await runHandler(name, handler, current, ctx);
    if (result.status !== 'ok') return result;
    current = result.body as Message;
  }
  return ok(current);
}

/**
 * The resolver's step hook for a node whose `on` has a `step` handler. The
 * handler runs without the step hook itself, so it cannot recurse.
 */
export function stepHook(ctx: Context): StepHook | undefined {
  const handlers = handlersOf('step', ctx);
  if (handlers.length === 0) return undefined;
  const { step: _step, ...on } = ctx.config.on;
  const { onStep: _hook, ...directives } = ctx.directives;
  const inner: Context = { ...ctx, config: { ...ctx.config, on }, directives };
  return async ({ base, request, result }) => {
    const hooked = await runHandlers(
      'step',
      handlers,
      { base, request, status: result.status, body: result.body },
      inner,
    );
    if (hooked.status !== 'ok') return hooked;
    const out = hooked.body as Message;
    return {
      status: typeof out.status === 'string' ? out.status : result.status,
      body: out.body === undefined ? result.body : out.body,
    };
  };
}
