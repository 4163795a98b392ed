/**
 * `router@1.0` (HyperBEAM's dev_router): the node's route table (the
 * `routes` option; net/routes.ts decides what matches).
 *   GET  routes      the table
 *   POST routes      add the request as a route (ordered by `priority`):
 *                    only when signed by one of `route_owners` (default: the
 *                    operator); `Route added.`
 *   route            where a message (`route-path`, else `path`) would go:
 *                    a URL, or `{nodes}` when several are chosen
 *   match            the route of the base's own `routes` a message matches
 *   POST register    offer this node's routes to other routers
 *   preprocess       as the `request` hook: a request a route matches is
 *                    relayed there (`commit-request` on the hook signs it);
 *                    any other runs here, or is a 404 with
 *                    `router_preprocess_default: error`
 */
import { committersOf } from '../codecs/commitments.ts';
import { isMessage, type Message, omit, type Value } from '../core/message.ts';
import { TRANSPORT_KEYS } from '../core/transport.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { findRoute, routedPath, templateMatches } from '../net/routes.ts';
import { operatorOf } from './meta.ts';

const NO_MATCH = 'No matching template found in the given routes.';

function owners(ctx: Context): string[] {
  const listed = ctx.config.route_owners.filter((v): v is string => typeof v === 'string');
  return listed.length > 0 ? listed : [operatorOf(ctx.config, ctx.services.wallet.address)];
}

function addRoute(req: Message, ctx: Context): Result {
  const signers = committersOf(ctx.request?.message ?? req);
  if (!owners(ctx).some((owner) => signers.includes(owner))) {
    return fail(403, 'not_authorized: routes are added by a route owner’s signed request.');
  }
  if (!ctx.node) return fail(503, 'This node cannot change its routes.');
  const route = omit(req, [...TRANSPORT_KEYS, 'commitments', 'priv']);
  if (route.template === undefined) return fail(400, 'A route needs a template.');
  const priority = (r: Value) => (isMessage(r) ? Number(r.priority ?? 0) || 0 : 0);
  const routes = [...ctx.config.routes, route].sort((a, b) => priority(a) - priority(b));
  ctx.node.replace({ routes });
  return ok('Route added.');
}

/**
 * POST register (HyperBEAM's register, as its edge release has it): offer
 * this node's routes (`router_registration_opts`) to the routers they name,
 * each a node-signed POST of `{template, node: {prefix}, price}` to
 * `<registration-peer>/~router@1.0/routes` (which adds it when this node is
 * one of its `route_owners`). Only the operator asks for it.
 */
async function register(req: Message, ctx: Context): Promise<Result> {
  const signers = committersOf(ctx.request?.message ?? req);
  if (!signers.includes(operatorOf(ctx.config, ctx.services.wallet.address))) {
    return fail(403, 'not_authorized: only the operator registers the node’s routes.');
  }
  const offers = ctx.config.router_registration_opts.filter(isMessage);
  if (offers.length === 0) return fail(400, 'No routes to register: set router_registration_opts.');
  const { http, codecs, wallet } = ctx.services;
  const refused: string[] = [];
  for (const offer of offers) {
    const peer = offer['registration-peer'];
    if (typeof peer !== 'string' || offer.template === undefined) {
      refused.push('an offer needs `registration-peer` and `template`');
      continue;
    }
    const route: Message = { template: offer.template, node: { prefix: offer.prefix ?? '' } };
    if (offer.price !== undefined) route.price = offer.price;
    if (offer.priority !== undefined) route.priority = offer.priority;
    try {
      const res = await http.send(
        peer,
        { method: 'POST', path: '/~router@1.0/routes', message: route, wallet },
        codecs,
      );
      if (res.status !== 200) refused.push(`${peer}: ${res.status} ${String(res.message.body)}`);
    } catch (error) {
      refused.push(`${peer}: ${(error as Error).message}`);
    }
  }
  if (refused.length > 0) return fail(502, `Routes not registered: ${refused.join('; ')}`);
  return ok('Routes registered.');
}

export const routerDevice = defineDevice({
  name: 'router@1.0',
  // The table changes when routes are added.
  volatile: true,
  keys: {
    info: () =>
      ok({
        description: 'Routes outbound requests by the node’s `routes`.',
        keys: ['routes', 'route', 'match', 'register', 'preprocess'],
      }),
    register: (_base, req, ctx) => register(req, ctx),
    routes: (_base, req, ctx) =>
      String(req.method).toUpperCase() === 'POST' ? addRoute(req, ctx) : ok(ctx.config.routes),
    route: (_base, req, ctx) => {
      const found = findRoute(req, ctx.config.routes);
      if (!found) return fail(404, `no_matches: no route for ${routedPath(req)}`);
      return ok(found.urls.length === 1 ? (found.urls[0] as string) : { nodes: found.urls });
    },
    match: (base, req) => {
      const routes = Array.isArray(base.routes) ? base.routes : [];
      const path = routedPath(req);
      const route = routes.find((r) => isMessage(r) && templateMatches(r.template, req, path));
      return route === undefined ? fail(404, 'no_matching_route') : ok(route as Value);
    },
    preprocess: (base, req, ctx) => {
      const request = isMessage(req.request) ? req.request : {};
      const found = findRoute(request, ctx.config.routes);
      if (!found) {
        if (ctx.config.router_preprocess_default !== 'error') return ok(req);
        return ok({ ...req, body: [{ status: 404, body: NO_MATCH }] });
      }
      // The chosen URL is the relayed request's path, so the route is not chosen twice.
      const relay: Message = { device: 'relay@1.0' };
      if (base['commit-request'] !== undefined) relay['commit-request'] = base['commit-request'];
      const routed = { ...request, path: found.urls[0] as string };
      return ok({ ...req, body: [relay, { path: 'call', target: 'body', body: routed }] });
    },
  },
});
