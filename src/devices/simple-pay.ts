/**
 * `simple-pay@1.0` (HyperBEAM's dev_simple_pay): prices requests and keeps
 * balances, for p4@1.0 as both its pricing and its ledger device.
 *   estimate   `simple_pay_price` per message of the request; free for the operator
 *   balance    the balance of the request's signer (else the message's, else `target`)
 *   charge     take `quantity` from the request's signer: only for charges the
 *              node makes; the balance may go below 0, and is then answered 402
 *              (`debit` and 429 with p4_legacy_debit)
 *   topup      the operator adds `amount` to `recipient`; answers the new balance
 * Balances are kept in the node's store (payments/balances.ts), seeded from
 * `simple_pay_ledger`. Differences: a charge not made by this node is refused
 * (HyperBEAM lets any caller charge anyone); amounts must be whole and not
 * negative; a balance asked without a signer is 0 (HyperBEAM crashes).
 */
import { isMessage, type Message } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';
import { parseHyperpath } from '../engine/hyperpath.ts';
import {
  chargeKey,
  fromNode,
  operatorIn,
  shortfallStatus,
  signersOf,
  wholeAmount,
} from './payment-terms.ts';

const ledger = (ctx: Context) => ctx.services.balances;

/** The number of messages a request resolves (its HyperPATH's). */
function messagesIn(req: Message): number {
  if (Array.isArray(req.body)) return req.body.length;
  const request = isMessage(req.request) ? req.request : req;
  try {
    return parseHyperpath(request).length;
  } catch {
    return 1;
  }
}

function estimate(req: Message, ctx: Context): Result {
  if (operatorIn(signersOf(req.request), ctx)) return ok(0);
  return ok(messagesIn(req) * ctx.config.simple_pay_price);
}

/** The one account a request is for; undefined when none; an error when several. */
function accountOf(req: Message): string | undefined | Result {
  for (const signers of [signersOf(req.request), signersOf(req)]) {
    if (signers.length > 1) return fail(400, 'Multiple signers in charge.');
    if (signers.length === 1) return signers[0];
  }
  return typeof req.target === 'string' && req.target !== '' ? req.target : undefined;
}

async function balance(req: Message, ctx: Context): Promise<Result> {
  const account = accountOf(req);
  if (typeof account === 'object') return account;
  if (account === undefined) return ok(0);
  return ok(await ledger(ctx).balance(account, ctx.config.simple_pay_ledger));
}

async function charge(req: Message, ctx: Context): Promise<Result> {
  if (!fromNode(req, ctx)) return fail(403, 'Only this node charges its ledger.');
  const quantity = wholeAmount(req.quantity);
  if (quantity === undefined) return fail(400, 'A charge needs a whole `quantity`.');
  const signers = signersOf(req.request);
  if (signers.length > 1) return fail(400, 'Multiple signers in charge.');
  const account = signers[0];
  if (account === undefined) return ok(false); // an unsigned request is not charged
  const { before, after } = await ledger(ctx).add(account, -quantity, ctx.config.simple_pay_ledger);
  if (after < 0) {
    return fail(
      shortfallStatus(ctx),
      `Insufficient funds. User balance before ${chargeKey(ctx)}: ${before}. Price of request: ${quantity}. New balance: ${after}.`,
    );
  }
  return ok(true);
}

async function topup(req: Message, ctx: Context): Promise<Result> {
  const signers = signersOf(ctx.request?.message ?? req);
  if (!operatorIn([...signers, ...signersOf(req)], ctx)) return fail(400, 'Unauthorized');
  const amount = wholeAmount(req.amount);
  if (amount === undefined) return fail(400, '`amount` must be a whole number, not negative.');
  const recipient = req.recipient;
  if (typeof recipient !== 'string' || recipient === '') {
    return fail(400, 'A top-up needs its `recipient`.');
  }
  const { after } = await ledger(ctx).add(recipient, amount, ctx.config.simple_pay_ledger);
  return ok(after);
}

export const simplePayDevice = defineDevice({
  name: 'simple-pay@1.0',
  exports: ['estimate', 'balance', 'charge', 'debit', 'topup'],
  // Balances change with every charge.
  volatile: true,
  keys: {
    estimate: (_base, req, ctx) => estimate(req, ctx),
    balance: (_base, req, ctx) => balance(req, ctx),
    charge: (_base, req, ctx) => charge(req, ctx),
    debit: (_base, req, ctx) => charge(req, ctx),
    topup: (_base, req, ctx) => topup(req, ctx),
  },
});
