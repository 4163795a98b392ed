/**
 * `p4@1.0` (HyperBEAM's dev_p4): the node charges for its work, as the
 * `request` and `response` hook (`on: {request: {device: p4@1.0,
 * pricing-device, ledger-device}, response: {...the same}}`).
 *   request    before a request runs: free when a `p4_non_chargable_routes`
 *              route (`{template}`, or a bare template) matches it or no
 *              pricing or ledger device is set; else the pricing device's
 *              `estimate` (`infinity`: 400), then the ledger's `balance` of
 *              its signer: below the price, 402 `Insufficient funds` with
 *              `price` and `balance`
 *   response   after it ran, unless it was refused (4xx/5xx): the pricing
 *              device's `price` (else `estimate`), charged through the ledger
 *              (`charge`: quantity, account, recipient, request); a ledger's
 *              refusal replaces the response
 *   balance    `GET /~p4@1.0/balance`: the ledger's balance of the signer
 * `p4_legacy_debit` speaks HyperBEAM's May 2025 protocol (`debit`, 429).
 * A ledger in this node (simple-pay@1.0, faff@1.0) takes the node's word for
 * a charge; any other ledger is sent it signed by the node.
 */
import { isMessage, type Message, omit, privateOf, type Value } from '../core/message.ts';
import { type Context, withDirectives } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { resolve } from '../engine/resolver.ts';
import { anyTemplateMatches } from '../net/routes.ts';
import { operatorOf } from './meta.ts';
import { chargeKey, NODE_CHARGE, shortfallStatus, signersOf } from './payment-terms.ts';

type Role = 'pricing-device' | 'ledger-device';

const IN_NODE_LEDGERS = new Set(['simple-pay@1.0', 'faff@1.0']);

const isFree = (request: Message, ctx: Context): boolean =>
  anyTemplateMatches(ctx.config.p4_non_chargable_routes, request);

const configured = (handler: Message) =>
  typeof handler['pricing-device'] === 'string' && typeof handler['ledger-device'] === 'string';

/** Ask the hook's pricing or ledger device (the handler's other keys go with it). */
function ask(handler: Message, role: Role, req: Message, ctx: Context): Promise<Result> {
  const base = { ...omit(handler, ['path', 'method', 'hook']), device: handler[role] as string };
  return resolve(base, req, withDirectives(ctx, { hashpath: 'ignore' }));
}

/** A refusal of the pricing or ledger device: its own 4xx, else `fallback` as a 500. */
function refusal(result: Result, fallback: string): Result {
  const status = isMessage(result.body) ? Number(result.body.status) : Number.NaN;
  return status >= 400 && status < 500 ? result : fail(500, fallback);
}

/** A price or balance the devices answered: a number, `infinity`, or undefined. */
function amountOf(value: Value | undefined): number | 'infinity' | undefined {
  if (value === 'infinity') return 'infinity';
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Who a charge is for: the one signer, `unknown`, or all of them. */
function accountOf(request: Message): Value {
  const signers = signersOf(request);
  if (signers.length === 1) return signers[0] as string;
  return signers.length === 0 ? 'unknown' : signers;
}

async function onRequest(handler: Message, req: Message, ctx: Context): Promise<Result> {
  const request = isMessage(req.request) ? req.request : {};
  if (!configured(handler) || isFree(request, ctx)) return ok(req);
  const estimated = await ask(
    handler,
    'pricing-device',
    { path: 'estimate', request, body: req.body ?? [] },
    ctx,
  );
  if (estimated.status !== 'ok') return refusal(estimated, 'Could not estimate price of request.');
  const price = amountOf(estimated.body as Value);
  if (price === 'infinity') {
    return fail(400, 'Node will not service this request under any circumstances.');
  }
  if (price === undefined) return fail(500, 'Could not estimate price of request.');
  if (price <= 0) return ok(req);
  const target = accountOf(request);
  const checked = await ask(handler, 'ledger-device', { path: 'balance', target, request }, ctx);
  if (checked.status !== 'ok') return refusal(checked, 'Error checking ledger balance.');
  if (checked.body === true) return ok(req);
  const balance = amountOf(checked.body as Value);
  if (balance === 'infinity') return ok(req);
  if (balance === undefined) return fail(500, 'Error checking ledger balance.');
  if (balance >= price) return ok(req);
  return fail(shortfallStatus(ctx), 'Insufficient funds', { price, balance });
}

function recipientOf(ctx: Context): string {
  const recipient = ctx.config.p4_recipient;
  if (/^[A-Za-z0-9_-]{43}$/.test(recipient)) return recipient;
  return operatorOf(ctx.config, ctx.services.wallet.address);
}

async function onResponse(handler: Message, req: Message, ctx: Context): Promise<Result> {
  const request = isMessage(req.request) ? req.request : {};
  if (!configured(handler) || isFree(request, ctx)) return ok(req);
  // A refused request did nothing to pay for (HyperBEAM charges it all the same).
  const answer = isMessage(req.body) ? req.body : {};
  if (Number(answer.status ?? 200) >= 400) return ok(req);
  const asked = { request, body: answer };
  let priced = await ask(handler, 'pricing-device', { path: 'price', ...asked }, ctx);
  if (priced.status !== 'ok')
    priced = await ask(handler, 'pricing-device', { path: 'estimate', ...asked }, ctx);
  const price = amountOf(priced.status === 'ok' ? (priced.body as Value) : undefined);
  if (price === undefined || price === 'infinity' || price <= 0) return ok(req);
  const ledgerDevice = handler['ledger-device'] as string;
  let charge: Message = {
    path: chargeKey(ctx),
    quantity: price,
    account: accountOf(request),
    recipient: recipientOf(ctx),
    request,
  };
  if (IN_NODE_LEDGERS.has(ledgerDevice)) {
    charge = { ...charge, priv: { ...privateOf(charge), [NODE_CHARGE]: true } };
  } else {
    const { codecs, wallet } = ctx.services;
    charge = await codecs.committer('httpsig@1.0').commit(charge, {}, { wallet });
  }
  const charged = await ask(handler, 'ledger-device', charge, ctx);
  // The work is done, but a refused charge is the answer (as HyperBEAM).
  return charged.status === 'ok' ? ok(req) : refusal(charged, 'Error charging the ledger.');
}

/** The p4 handler of the node's request hook. */
function requestHandler(ctx: Context): Message | undefined {
  const on = ctx.config.on;
  const hook = isMessage(on) ? on.request : undefined;
  const handlers = Array.isArray(hook) ? hook : [hook];
  return handlers.find((h): h is Message => isMessage(h) && h.device === 'p4@1.0');
}

async function balance(req: Message, ctx: Context): Promise<Result> {
  const handler = requestHandler(ctx);
  if (!handler || typeof handler['ledger-device'] !== 'string') {
    return fail(400, 'No request hook found.');
  }
  const request = ctx.request?.message ?? req;
  const asked = await ask(handler, 'ledger-device', { path: 'balance', request }, ctx);
  return asked.status === 'ok' ? asked : refusal(asked, 'Error checking ledger balance.');
}

export const p4Device = defineDevice({
  name: 'p4@1.0',
  exports: ['request', 'response', 'balance'],
  volatile: true,
  keys: {
    request: (base, req, ctx) => onRequest(base, req, ctx),
    response: (base, req, ctx) => onResponse(base, req, ctx),
    balance: (_base, req, ctx) => balance(req, ctx),
  },
});
