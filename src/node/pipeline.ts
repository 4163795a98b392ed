/**
 * What a node does with one request (HyperBEAM's dev_meta:handle): the
 * singleton becomes a message list; the `request` hook may rewrite or refuse
 * it; the list is resolved with the node's directives plus `http_extra_opts`
 * (results wrapped as messages, cached by hashpath); the result gets its
 * status; the `response` hook may rewrite it; unsigned results are signed by
 * the node (`force_signed`) with the reply's codec. An uninitialized node
 * only answers `meta@1.0/info`.
 */
import { committedKeys, committersOf, knownToHold, verifyMessage } from '../codecs/commitments.ts';
import type { NodeConfig } from '../config/schema.ts';
import {
  As,
  isMessage,
  type Message,
  omit,
  type PathItem,
  privateOf,
  type Value,
  withPrivate,
} from '../core/message.ts';
import type { Context, Directives, RequestInfo } from '../engine/context.ts';
import { error, type Result } from '../engine/device.ts';
import { parseHyperpath } from '../engine/hyperpath.ts';
import { forceMessage, resolveMany, subresolve } from '../engine/resolver.ts';
import { handlersOf, runHook, stepHook } from './hooks.ts';
import type { LiveNode } from './live-node.ts';
import { embedStatus } from './status.ts';

const NOT_INITIALIZED = 'Node must be initialized before use.';
const HOOKS = ['request', 'response', 'step'] as const;

/** `[~meta@1.0, info]`, the only request an uninitialized node serves. */
function isMetaInfo(list: PathItem[]): boolean {
  const [base, req] = list;
  const device = base instanceof As ? base.device : isMessage(base) ? base.device : undefined;
  return (
    typeof device === 'string' &&
    device.toLowerCase() === 'meta@1.0' &&
    isMessage(req) &&
    req.path === 'info'
  );
}

const text = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/** Directives named as options (`cache_control`, `force_message`...), as in `http_extra_opts`. */
function directivesNamed(options: Message): Directives {
  const out: { -readonly [K in keyof Directives]: Directives[K] } = {};
  if ('cache_control' in options) out.cacheControl = text(options.cache_control);
  if ('force_message' in options) out.forceMessage = options.force_message === true;
  if ('hashpath' in options) out.hashpath = options.hashpath as Directives['hashpath'];
  if ('error_strategy' in options) {
    out.errorStrategy = options.error_strategy === 'throw' ? 'throw' : 'return';
  }
  if ('await_inprogress' in options) {
    out.awaitInprogress = options.await_inprogress as Directives['awaitInprogress'];
  }
  if ('allow_infinite' in options) out.allowInfinite = options.allow_infinite === true;
  return out;
}

/**
 * The directives a request is resolved with: the node's, then
 * `http_extra_opts`; results are always messages. A client's
 * `cache-control: only-if-cached` is honoured (the node's policy decides
 * everything else, as HyperBEAM's `http_extra_opts` does).
 */
export function requestDirectives(config: NodeConfig, onlyIfCached = false): Directives {
  const extra = isMessage(config.http_extra_opts) ? config.http_extra_opts : {};
  const directives = {
    ...directivesNamed(config as unknown as Message),
    commitmentDevice: config.commitment_device,
    ...directivesNamed(extra),
    forceMessage: true,
  };
  if (onlyIfCached) {
    directives.cacheControl = [...(directives.cacheControl ?? []), 'only-if-cached'];
  }
  return directives;
}

/** A context to resolve a request on the node as it is now (its step hook included). */
export function requestContext(
  node: LiveNode,
  onlyIfCached = false,
  request?: RequestInfo,
): Context {
  const ctx = node.context(requestDirectives(node.config, onlyIfCached), request);
  const onStep = stepHook(ctx);
  return onStep ? { ...ctx, directives: { ...ctx.directives, onStep } } : ctx;
}

async function resolveList(list: PathItem[], ctx: Context): Promise<Result> {
  const result = await resolveMany(list, ctx);
  // A lone `~device&k=v` step is the message it builds.
  if (result.body instanceof As) {
    return forceMessage(await subresolve({}, result.body.device, result.body.msg, ctx));
  }
  return result;
}

/**
 * A signed result whose signatures hold, as it is sent: when they hold only
 * without the status the node embedded, the status travels beside the
 * message (in `priv`, read by the HTTP layer for the status line), not in it,
 * so the message on the wire is exactly what was signed. Undefined when the
 * signatures do not hold.
 */
async function asSigned(msg: Message, ctx: Context): Promise<Message | undefined> {
  const { codecs } = ctx.services;
  if (committersOf(msg).length === 0) return undefined;
  // A status its signatures do not cover is the node's addition: verify without it
  // (not at all when the node just signed it, or verified it, without one).
  if ('status' in msg) {
    const bare = omit(msg, ['status']);
    const statusBeside = () =>
      withPrivate(bare, { ...privateOf(msg), status: msg.status as Value });
    if (knownToHold(bare)) return statusBeside();
    const covered = committedKeys(msg, { commitments: 'all' }, codecs).includes('status');
    if (!covered && (await verifyMessage(bare, {}, codecs))) return statusBeside();
  }
  return (await verifyMessage(msg, {}, codecs)) ? msg : undefined;
}

/**
 * Sign a result with `codec`, when the node signs its responses. A signed
 * result (an assignment, a message relayed from another node) is passed on
 * as it was signed if its signatures hold; signatures that do not hold for
 * it (a request's, copied into its messages) are replaced.
 */
export async function maybeSign(msg: Message, ctx: Context, codec: string): Promise<Message> {
  if (ctx.config.force_signed !== true) return msg;
  const { codecs, wallet, signatures } = ctx.services;
  const signed = await asSigned(msg, ctx);
  if (signed) return signed;
  const committer = codecs.committer(codec === 'ans104@1.0' ? codec : 'httpsig@1.0');
  return committer.commit(omit(msg, ['commitments']), {}, { wallet, signatures });
}

export interface Exchange {
  /** The request as its client sent and signed it, and what was verified of it. */
  readonly request?: RequestInfo;
  /** The codec the reply is encoded (and signed) with. */
  readonly replyCodec?: string;
}

/** Resolve one request singleton on the node. */
export async function handle(
  request: Message,
  node: LiveNode,
  exchange: Exchange = {},
): Promise<Message> {
  const ctx = node.context();
  const codecs = ctx.services.codecs;
  const replyCodec = exchange.replyCodec ?? ctx.config.commitment_device;
  // The client's cache directive is about this exchange, not part of the messages
  // (so it does not change their hashpaths, and a cached result is found).
  const { 'cache-control': directive, ...singleton } = request;
  const onlyIfCached = /only-if-cached/i.test(String(directive ?? ''));
  const list = parseHyperpath(singleton);
  if (ctx.config.initialized === false) {
    if (!isMetaInfo(list)) return embedStatus(forceMessage(error(NOT_INITIALIZED)), codecs);
    return embedStatus(await resolveList(list, requestContext(node)), codecs);
  }
  // Hooks may charge, count or refuse: a hooked request is never answered from memory.
  const trace = exchange.request?.trace;
  if (trace && HOOKS.some((name) => handlersOf(name, ctx).length > 0)) trace.repeatable = false;
  const hooked = await runHook('request', { request: singleton, body: list }, ctx);
  if (hooked.status !== 'ok') return embedStatus(forceMessage(hooked), codecs);
  const body = (hooked.body as Message).body;
  const messages = Array.isArray(body) ? body : [body as PathItem];

  // The configuration may have changed in the hook: read it again.
  const resolved = await resolveList(
    messages,
    requestContext(node, onlyIfCached, exchange.request),
  );
  const result = embedStatus(resolved, codecs);
  const after = node.context();
  const responded = await runHook('response', { request: singleton, body: result }, after);
  const response =
    responded.status === 'ok'
      ? embedStatus({ status: 'ok', body: (responded.body as Message).body as Message }, codecs)
      : embedStatus(forceMessage(responded), codecs);
  return maybeSign(response, after, replyCodec);
}
