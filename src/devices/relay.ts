/**
 * `relay@1.0` (HyperBEAM's dev_relay): send a message to another node and
 * answer with its reply.
 *   call      the target (`target`: `self`, the base, by default; else that
 *             key of the request, or its `body`) goes to `relay-path`: an
 *             `http(s)://` URL (percent-encoded ones too), or a path the
 *             node's `routes` map to a node; `peer` sends to that node
 *             directly. Method and body: the target's, else `relay-method`/
 *             `relay-body`, else the request's. `requires-sign` on the target,
 *             or `commit-request` (with `relay_allow_commit_request`), signs
 *             it with the node key. The reply keeps its status; a reply whose
 *             signatures do not hold is passed on without them. A route to
 *             several nodes is a multirequest (net/multirequest.ts): with
 *             `responses` above 1 the answer is the list of replies.
 *   cast      the same, answered `OK` at once (the reply is not awaited)
 *   request   as the node's `request` hook, forwards every request by route
 * Differences: no route is a 502 (HyperBEAM: 500); an unauthorised
 * `commit-request` is a 403; a request relayed more than `MAX_HOPS` times
 * (a route loop) is refused with 508.
 */
import { committersOf } from '../codecs/commitments.ts';
import { HbError } from '../core/errors.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import { TRANSPORT_KEYS } from '../core/transport.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { log } from '../engine/log.ts';
import { type ClientResponse, urlOn } from '../net/http-client.ts';
import { multiOptions, multirequest } from '../net/multirequest.ts';
import { findRoute } from '../net/routes.ts';

const MAX_HOPS = 8;
/** The header that counts how many nodes relayed a request. */
const HOPS = 'relay-hops';

/** Keys that steer the relay, never sent on. */
const RELAY_KEYS = [
  'device',
  'relay-path',
  'relay-method',
  'relay-body',
  'relay-device',
  'peer',
  'commit-request',
  'relay-commit-request',
  'requires-sign',
  'target',
  HOPS,
  'priv',
];

const first = (...values: (Value | undefined)[]) => values.find((v) => v !== undefined);

/** The message to relay: `target` names it (`self`: the base). */
function targetOf(base: Message, req: Message): Message {
  const name = typeof req.target === 'string' ? req.target : 'self';
  if (name === 'self') return base;
  const named = req[name] ?? req.body;
  return isMessage(named) ? named : {};
}

/** A percent-encoded URL (`https%3A%2F%2F...`) is a URL too. */
function explicitPath(path: string): string {
  if (!/^https?%3A/i.test(path)) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function call(base: Message, req: Message, ctx: Context): Promise<Result> {
  const target = targetOf(base, req);
  const path = first(target.path, req['relay-path'], base['relay-path'], base.path);
  if (typeof path !== 'string' || path === '') return fail(400, 'Nothing to relay: no relay-path.');
  const method = first(target.method, req['relay-method'], base['relay-method'], req.method);
  // The request's own body is the relayed body only when the target is the base:
  // a target named by the request (its `body`, in the request hook) is sent as it is.
  const own = target === base ? req.body : undefined;
  const body = first(target.body, req['relay-body'], base['relay-body'], own);
  const hops = Number(first(target[HOPS], ctx.request?.message[HOPS]) ?? 0) || 0;
  if (hops >= MAX_HOPS) return fail(508, `The request was relayed ${hops} times: a route loop?`);

  const steering = Object.keys(target).filter((k) => k.startsWith('multirequest-'));
  let message: Message = omit(target, [...RELAY_KEYS, ...TRANSPORT_KEYS, ...steering, 'body']);
  if (body !== undefined) message.body = body;
  const device = first(req['relay-device'], base['relay-device']);
  if (typeof device === 'string') message.device = device;

  const commit = first(req['commit-request'], req['relay-commit-request'], base['commit-request']);
  const commitRequest = commit === true || commit === 'true';
  if (commitRequest && ctx.config.relay_allow_commit_request !== true) {
    return fail(403, 'relay_commit_request_not_allowed: this node does not sign relayed requests.');
  }
  const sign = commitRequest || target['requires-sign'] === true;
  if (sign) message = omit(message, ['commitments']);

  const wanted = explicitPath(path);
  const peer = first(req.peer, base.peer, target.peer);
  let urls: string[];
  let route: Message | undefined;
  if (typeof peer === 'string') urls = [urlOn(peer, wanted).href];
  else {
    const found = findRoute({ ...message, path: wanted }, ctx.config.routes);
    if (!found) return fail(502, `no_viable_route: no route for ${wanted}`);
    ({ urls, route } = found);
  }

  const { http, codecs, wallet } = ctx.services;
  const send = (url: string) =>
    http.send(
      url,
      {
        method: typeof method === 'string' ? method.toUpperCase() : 'GET',
        path: url,
        message,
        ...(sign ? { wallet } : {}),
        headers: { [HOPS]: String(hops + 1) },
      },
      codecs,
    );
  const options = multiOptions(route, req, urls.length);
  let replies: ClientResponse[];
  try {
    replies = await multirequest(urls, send, options);
  } catch (error) {
    // The node's own failure is a 5xx; a peer's, a clear 502/504.
    if (error instanceof HbError && [502, 504].includes(error.status)) {
      return fail(error.status, `${error.code}: ${error.message}`);
    }
    throw error;
  }
  const messages = replies.map((res) => {
    // A reply that claims signatures that do not hold is not passed off as signed.
    const reply =
      res.verified || committersOf(res.message).length === 0
        ? res.message
        : omit(res.message, ['commitments']);
    return { ...reply, status: res.status };
  });
  return options.responses === 1 ? ok(messages[0] as Message) : ok(messages);
}

export const relayDevice = defineDevice({
  name: 'relay@1.0',
  // Other nodes' answers change: never cached, nor any step after them.
  volatile: true,
  keys: {
    call: (base, req, ctx) => call(base, req, ctx),
    cast: (base, req, ctx) => {
      call(base, req, ctx).catch((error) =>
        log(ctx.config, 'relay_cast_failed', (error as Error).message),
      );
      return ok('OK');
    },
    // The request hook: the whole request, relayed by the node's routes.
    request: (_base, req) =>
      ok({
        ...req,
        body: [{ device: 'relay@1.0' }, { path: 'call', target: 'body', body: req.request ?? {} }],
      }),
  },
});
