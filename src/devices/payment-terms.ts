/**
 * What the payment devices share: who signed a request, who the operator is,
 * how a shortfall is answered (HyperBEAM's later 402 and `charge`, or its May
 * 2025 429 and `debit` with `p4_legacy_debit`), and how the node marks the
 * charges it makes itself (a private key, which no HTTP request can carry).
 */
import { committersOf } from '../codecs/commitments.ts';
import { isMessage, type Message, privateOf, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { operatorOf } from './meta.ts';

/** The private key that marks a charge the node itself made. */
export const NODE_CHARGE = 'node-charge';

export function signersOf(msg: Value | undefined): string[] {
  return isMessage(msg) ? committersOf(msg) : [];
}

export function operatorIn(signers: readonly string[], ctx: Context): boolean {
  return signers.includes(operatorOf(ctx.config, ctx.services.wallet.address));
}

/** A charge this node made: marked privately by p4, or signed by the node's key. */
export function fromNode(req: Message, ctx: Context): boolean {
  return (
    privateOf(req)[NODE_CHARGE] === true || signersOf(req).includes(ctx.services.wallet.address)
  );
}

export const shortfallStatus = (ctx: Context): number => (ctx.config.p4_legacy_debit ? 429 : 402);

export const chargeKey = (ctx: Context): 'charge' | 'debit' =>
  ctx.config.p4_legacy_debit ? 'debit' : 'charge';

/** A non-negative whole amount, from a number or its decimal text. */
export function wholeAmount(value: Value | undefined): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (typeof value === 'string' && !/^\d+$/.test(value)) return undefined;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
