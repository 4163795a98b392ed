/**
 * What a node does with one request (HyperBEAM's dev_meta:handle): the
 * singleton becomes a message list; the `request` hook may rewrite or refuse
 * it; the list is resolved with the node's options plus `http_extra_opts`
 * (results wrapped as messages, cached by hashpath); the result gets its
 * status; the `response` hook may rewrite it; unsigned results are signed by
 * the node (`force_signed`). An uninitialized node only answers `meta@1.0/info`.
 */
import { verifyMessage } from '../codecs/commitments.ts';
import { schemes as defaultSchemes } from '../codecs/index.ts';
import { As, isMessage, type Message, omit, type PathItem } from '../core/message.ts';
import type { Opts } from '../engine/context.ts';
import { error, type Result } from '../engine/device.ts';
import { parseHyperpath } from '../engine/hyperpath.ts';
import { committersOf } from '../engine/ids.ts';
import { forceMessage, resolveMany, subresolve } from '../engine/resolver.ts';
import { runHook, stepHook } from './hooks.ts';
import { embedStatus } from './status.ts';

const NOT_INITIALIZED = 'Node must be initialized before use.';

function schemesOf(opts: Opts) {
  return opts.schemes ?? defaultSchemes;
}

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

/**
 * Options for resolving a request: the node's, the HTTP extras, the step hook.
 * A client's `cache-control: only-if-cached` is honoured (the node's policy
 * decides everything else, as HyperBEAM's `http_extra_opts` does).
 */
export function requestOpts(node: Opts, onlyIfCached = false): Opts {
  const extra = isMessage(node.http_extra_opts) ? node.http_extra_opts : {};
  const opts: Opts = { ...node, ...(extra as Opts), force_message: true };
  if (onlyIfCached) {
    const policy = opts.cache_control;
    opts.cache_control = [
      ...(Array.isArray(policy) ? policy : policy ? [policy] : []),
      'only-if-cached',
    ];
  }
  const onStep = stepHook(node);
  if (onStep) opts.on_step = onStep;
  return opts;
}

async function resolveList(list: PathItem[], opts: Opts): Promise<Result> {
  const result = await resolveMany(list, opts);
  // A lone `~device&k=v` step is the message it builds.
  if (result.body instanceof As) {
    return forceMessage(await subresolve({}, result.body.device, result.body.msg, opts));
  }
  return result;
}

/**
 * Sign a result, when the node signs its responses. A result signed by others
 * (relayed from another node) is passed on if its signatures hold; signatures
 * that do not hold for it (a request's, copied into its messages) are replaced.
 */
export async function maybeSign(msg: Message, opts: Opts): Promise<Message> {
  if (opts.force_signed !== true || !opts.priv_wallet) return msg;
  const schemes = schemesOf(opts);
  if (committersOf(msg).length > 0 && (await verifyMessage(msg, {}, schemes, opts))) return msg;
  const device = String(opts.commitment_device ?? 'httpsig@1.0');
  const scheme = device === 'ans104@1.0' ? schemes.get(device) : schemes.get('httpsig@1.0');
  return scheme.commit(omit(msg, ['commitments']), {}, opts);
}

/**
 * Resolve one request singleton on a node whose current message is `node`.
 * `sent` is the message as its client sent and signed it (without the
 * `method` and `path` the HTTP layer adds), for devices that keep it.
 */
export async function handle(
  request: Message,
  node: Opts,
  sent: Message = request,
): Promise<Message> {
  const schemes = schemesOf(node);
  // The client's cache directive is about this exchange, not part of the messages
  // (so it does not change their hashpaths, and a cached result is found).
  const { 'cache-control': directive, ...singleton } = request;
  const onlyIfCached = /only-if-cached/i.test(String(directive ?? ''));
  const list = parseHyperpath(singleton);
  if (node.initialized === false) {
    if (!isMetaInfo(list)) return embedStatus(forceMessage(error(NOT_INITIALIZED)), schemes);
    return embedStatus(await resolveList(list, requestOpts(node)), schemes);
  }
  const hooked = await runHook('request', { request: singleton, body: list }, node);
  if (hooked.status !== 'ok') return embedStatus(forceMessage(hooked), schemes);
  const body = (hooked.body as Message).body;
  const messages = Array.isArray(body) ? body : [body as PathItem];

  // The node message may have changed in the hook: read it again.
  const current = node.node?.opts ?? node;
  const result = embedStatus(
    await resolveList(messages, { ...requestOpts(current, onlyIfCached), http_request: sent }),
    schemes,
  );
  const after = node.node?.opts ?? current;
  const responded = await runHook('response', { request: singleton, body: result }, after);
  const response =
    responded.status === 'ok'
      ? embedStatus({ status: 'ok', body: (responded.body as Message).body as Message }, schemes)
      : embedStatus(forceMessage(responded), schemes);
  return maybeSign(response, { ...after, commitment_device: node.commitment_device });
}
