/**
 * Balances in the node's store (simple-pay@1.0's ledger): one decimal integer
 * per account at `simple-pay/balances/<account>`, changed only by atomic
 * updates, so concurrent charges never lose one, and kept across restarts
 * (HyperBEAM keeps them in the running node's options, lost on restart). The
 * `simple_pay_ledger` option seeds them once, into a store that has none.
 */
import { utf8 } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message } from '../core/message.ts';
import type { MessageStore } from '../engine/context.ts';

declare module '../engine/context.ts' {
  interface Services {
    readonly balances: Balances;
  }
}

const ROOT = 'simple-pay';
const SEEDED = `${ROOT}/seeded`;
const pathOf = (account: string) => `${ROOT}/balances/${account}`;

const ACCOUNT = /^[A-Za-z0-9_-]{1,128}$/;

function amountOf(bytes: Uint8Array | undefined): number {
  if (bytes === undefined) return 0;
  const n = Number(new TextDecoder().decode(bytes));
  return Number.isSafeInteger(n) ? n : 0;
}

export class Balances {
  private readonly messages: MessageStore;
  private seeded: Promise<void> | undefined;

  constructor(messages: MessageStore) {
    this.messages = messages;
  }

  private checked(account: string): string {
    if (!ACCOUNT.test(account)) {
      throw new BadRequestError('bad_account', `not an account: '${account.slice(0, 80)}'`);
    }
    return account;
  }

  /** Write the starting balances, unless the store has been seeded already. */
  private seed(initial: Message): Promise<void> {
    this.seeded ??= (async () => {
      const done = await this.messages.readLocal(SEEDED);
      if (done !== undefined) return;
      for (const [account, value] of Object.entries(isMessage(initial) ? initial : {})) {
        const amount = Number(value);
        if (!ACCOUNT.test(account) || !Number.isSafeInteger(amount)) continue;
        // Set only where nothing is kept: seeding again after a crash changes nothing twice.
        await this.messages.update(pathOf(account), (current) => current ?? utf8(String(amount)));
      }
      await this.messages.update(SEEDED, () => utf8('1'));
    })();
    this.seeded.catch(() => {
      this.seeded = undefined;
    });
    return this.seeded;
  }

  async balance(account: string, initial: Message): Promise<number> {
    await this.seed(initial);
    return amountOf(await this.messages.readLocal(pathOf(this.checked(account))));
  }

  /** Add `delta` (negative: take) to an account, atomically; the balances before and after. */
  async add(
    account: string,
    delta: number,
    initial: Message,
  ): Promise<{ before: number; after: number }> {
    if (!Number.isSafeInteger(delta)) throw new BadRequestError('bad_amount', 'not an amount');
    await this.seed(initial);
    let before = 0;
    let after = 0;
    await this.messages.update(pathOf(this.checked(account)), (current) => {
      before = amountOf(current);
      after = before + delta;
      if (!Number.isSafeInteger(after)) throw new BadRequestError('bad_amount', 'balance overflow');
      return utf8(String(after));
    });
    return { before, after };
  }
}
