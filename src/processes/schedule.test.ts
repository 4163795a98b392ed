/**
 * Unit tests for Schedules: gap-free slots per process, the SHA-256 hash
 * chain, signed and verifiable assignments, the assignment's compute key,
 * recovery from the store, range reads and refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { storeOver } from '../../test/support/stores.ts';
import { commitmentsOf, committersOf, verifyMessage } from '../codecs/commitments.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import { base64url, fromBase64url, sha256 } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import { loadWallet, type Wallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import { type Context, withDirectives } from '../engine/context.ts';
import { messageId, unsignedMessageId } from '../engine/ids.ts';
import { MemoryStore } from '../stores/memory.ts';
import { TieredMessageStore } from '../stores/tiered.ts';
import { isAssignment, Schedules } from './schedule.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
const PID = 'P'.repeat(43);

function setup(): { ctx: Context; store: TieredMessageStore; schedules: Schedules } {
  const store = new TieredMessageStore([new MemoryStore()]);
  return {
    ctx: createContext({ wallet, messages: store }),
    store,
    schedules: new Schedules(store),
  };
}

/** The chain after `ids`: each link SHA-256(previous bytes ‖ ID text). */
function chainOf(ids: string[], start: Uint8Array = new Uint8Array()): string {
  let chain = start;
  for (const id of ids) chain = sha256(Buffer.concat([chain, Buffer.from(id, 'utf8')]));
  return base64url(chain);
}

describe('Schedules.assign', () => {
  it('hands out gap-free slots from 0, per process', async () => {
    const { ctx, schedules } = setup();
    assert.equal(await schedules.current(PID), -1);
    assert.deepEqual(await schedules.processes(), []);
    for (let i = 0; i < 3; i++) {
      const a = await schedules.assign(PID, { action: 'Add', n: String(i) }, ctx);
      assert.equal(a.slot, i);
      assert.equal(a.process, PID);
    }
    const other = 'Q'.repeat(43);
    assert.equal((await schedules.assign(other, { n: 'x' }, ctx)).slot, 0);
    assert.equal(await schedules.current(PID), 2);
    assert.equal(await schedules.current(other), 0);
    assert.deepEqual((await schedules.processes()).sort(), [PID, other].sort());
  });

  it('numbers concurrent assignments in arrival order', async () => {
    const { ctx, schedules } = setup();
    const messages = Array.from({ length: 12 }, (_, i) => ({ n: String(i) }));
    const assigned = await Promise.all(messages.map((m) => schedules.assign(PID, m, ctx)));
    assert.deepEqual(
      assigned.map((a) => [a.slot, (a.body as Message).n]),
      messages.map((m, i) => [i, m.n]),
    );
    assert.equal(await schedules.current(PID), 11);
  });

  it('makes a signed, verifiable assignment carrying the message', async () => {
    const { ctx, schedules } = setup();
    const message = signHttpsig({ type: 'Message', action: 'Eval', data: 'return 1' }, wallet);
    const a = await schedules.assign(PID, message, ctx);
    assert.equal(a['data-protocol'], 'ao');
    assert.equal(a.variant, 'ao.N.1');
    assert.equal(a.epoch, '0');
    assert.equal(a.path, 'compute');
    assert.equal(typeof a.timestamp, 'number');
    // Debug mode: the zero block.
    assert.equal(a['block-height'], 0);
    assert.equal(a['block-hash'], 'A'.repeat(43));
    assert.equal(a['block-timestamp'], 0);
    assert.deepEqual(a.body, message);
    assert.deepEqual(committersOf(a), [wallet.address]);
    const codecs = ctx.services.codecs;
    assert.equal(await verifyMessage(a, {}, codecs), true);
    assert.equal(await verifyMessage({ ...a, slot: 1 }, {}, codecs), false);
    assert.equal(await verifyMessage({ ...a, 'hash-chain': chainOf(['x']) }, {}, codecs), false);
  });

  it('chains SHA-256(previous ‖ message ID) in base64url', async () => {
    const { ctx, schedules } = setup();
    const signed = signHttpsig({ action: 'Signed' }, wallet);
    const messages: Message[] = [signed, { action: 'Unsigned' }, { action: 'Third', n: 3 }];
    // Signed messages are chained by their signature's ID, others by the unsigned ID.
    const ids = messages.map((m) => messageId(m, { committers: 'all' }));
    assert.notEqual(ids[0], messageId({ action: 'Signed' }));
    const chains: unknown[] = [];
    for (const m of messages) chains.push((await schedules.assign(PID, m, ctx))['hash-chain']);
    assert.deepEqual(chains, [
      chainOf(ids.slice(0, 1)),
      chainOf(ids.slice(0, 2)),
      chainOf(ids.slice(0, 3)),
    ]);
    for (const chain of chains) assert.match(String(chain), /^[A-Za-z0-9_-]{43}$/);
  });

  it('stores each assignment at assignments/<pid>/<slot>', async () => {
    const { ctx, store, schedules } = setup();
    const a = await schedules.assign(PID, { n: '1' }, ctx);
    const stored = await store.read(`assignments/${PID}/0`);
    assert.deepEqual(stored, a);
    assert.deepEqual(await schedules.read(PID, 0), a);
    assert.equal(await schedules.read(PID, 1), undefined);
    assert.deepEqual(await store.list(`assignments/${PID}`), ['0', 'messages']);
    assert.equal(
      await schedules.slotOfMessage(PID, messageId({ n: '1' }, { committers: 'all' })),
      0,
    );
  });

  it('refuses without a wallet', async () => {
    const { schedules } = setup();
    await assert.rejects(
      schedules.assign(PID, { n: '1' }, createContext({ wallet, services: { wallet: undefined } })),
      (e) => e instanceof HbError && e.code === 'no_wallet',
    );
  });
});

describe('the compute key of an assignment', () => {
  const pathOf = async (message: Message) => {
    const { ctx, schedules } = setup();
    return (await schedules.assign(PID, message, ctx)).path;
  };

  it("is the message's own path when it names a key", async () => {
    assert.equal(await pathOf({ path: 'balance' }), 'balance');
    assert.equal(await pathOf({ path: 'compute' }), 'compute');
  });

  it('is compute when the path is only the route it came along, or none', async () => {
    for (const path of [`/${PID}/schedule`, '/push', 'schedule', 'push', '', 'a/b']) {
      assert.equal(await pathOf({ path }), 'compute', path);
    }
    assert.equal(await pathOf({ n: '1' }), 'compute');
    assert.equal(await pathOf({ path: 5 }), 'compute');
  });
});

describe('Schedules recovery', () => {
  it('carries on from the last stored slot and chain in a new instance', async () => {
    const { ctx, store, schedules } = setup();
    const first = [{ n: '0' }, { n: '1' }, { n: '2' }];
    for (const m of first) await schedules.assign(PID, m, ctx);
    const last = await schedules.read(PID, 2);

    const restarted = new Schedules(store);
    assert.equal(await restarted.current(PID), 2);
    assert.deepEqual(await restarted.processes(), [PID]);
    const next = await restarted.assign(PID, { n: '3' }, ctx);
    assert.equal(next.slot, 3);
    const id = messageId({ n: '3' }, { committers: 'all' });
    assert.equal(next['hash-chain'], chainOf([id], fromBase64url(String(last?.['hash-chain']))));
    const all = [...first, { n: '3' }].map((m) => messageId(m, { committers: 'all' }));
    assert.equal(next['hash-chain'], chainOf(all));
  });

  it('leaves no gap when a slot cannot be stored', async () => {
    const inner = new TieredMessageStore([new MemoryStore()]);
    let failWrites = false;
    const store = storeOver(inner, {
      write: (msg, links) =>
        failWrites ? Promise.reject(new Error('disk full')) : inner.write(msg, links),
      writeAll: (entries) =>
        failWrites ? Promise.reject(new Error('disk full')) : inner.writeAll(entries),
    });
    const ctx = createContext({ wallet, messages: store });
    const schedules = new Schedules(store);
    await schedules.assign(PID, { n: '0' }, ctx);
    failWrites = true;
    await assert.rejects(schedules.assign(PID, { n: 'lost' }, ctx), /disk full/);
    failWrites = false;
    const next = await schedules.assign(PID, { n: '1' }, ctx);
    assert.equal(next.slot, 1);
    assert.equal(
      next['hash-chain'],
      chainOf([{ n: '0' }, { n: '1' }].map((m) => messageId(m, { committers: 'all' }))),
    );
  });
});

/** A signed request about to be stored (store_all_signed), and what a taker handed on. */
function keptRequest(ctx: Context, message: Message) {
  const handed: Promise<unknown>[] = [];
  let open = true;
  const keeping = {
    message,
    takeOver: () => {
      if (!open) return undefined;
      open = false;
      return (written: Promise<unknown>) => {
        handed.push(written);
      };
    },
  };
  return { handed, keeping, ctx: { ...ctx, request: { message, verified: [], keeping } } };
}

describe('Schedules.assign and the signed request it assigns', () => {
  const request = signHttpsig({ action: 'Add', n: '7' }, wallet);
  const own = unsignedMessageId(request);

  it('stores the request once, in its assignment, read by all its IDs', async () => {
    const { ctx, store, schedules } = setup();
    const kept = keptRequest(ctx, request);
    const a = await schedules.assign(PID, { ...request }, kept.ctx);
    assert.equal(kept.handed.length, 1);
    await kept.handed[0];
    const [local] = store.stores;
    assert.equal(await local?.resolve(own), `${unsignedMessageId(a)}/body`);
    for (const id of [own, ...Object.keys(commitmentsOf(request))]) {
      assert.deepEqual(await store.read(id), request, id);
    }
  });

  it('leaves another message to be stored on its own', async () => {
    const { ctx, schedules } = setup();
    const kept = keptRequest(ctx, request);
    await schedules.assign(PID, signHttpsig({ action: 'Other' }, wallet), kept.ctx);
    assert.equal(kept.handed.length, 0);
    assert.notEqual(kept.keeping.takeOver(), undefined);
  });

  it('stores the request on its own when its assignment cannot be stored', async () => {
    const inner = new TieredMessageStore([new MemoryStore()]);
    const store = storeOver(inner, {
      writeAll: () => Promise.reject(new Error('disk full')),
    });
    const kept = keptRequest(createContext({ wallet, messages: store }), request);
    const schedules = new Schedules(store);
    await assert.rejects(schedules.assign(PID, { ...request }, kept.ctx), /disk full/);
    await kept.handed[0];
    assert.equal(await inner.stores[0]?.resolve(own), own);
    assert.deepEqual(await inner.read(own), request);
  });
});

describe('Schedules group commits', () => {
  it('writes assignments queued together in one write, and a failed write fails all after it', async () => {
    const inner = new TieredMessageStore([new MemoryStore()]);
    const batches: number[] = [];
    let fail = false;
    // The first write waits until every assignment is signed (and so queued).
    let signed = 0;
    const counting: Wallet = {
      ...wallet,
      signAsync: async (data, digest) => {
        const signature = await wallet.signAsync(data, digest);
        signed++;
        return signature;
      },
    };
    const allSigned = async (n: number) => {
      while (signed < n) await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    };
    const store = storeOver(inner, {
      writeAll: async (entries) => {
        if (batches.length === 0) await allSigned(6);
        batches.push(entries.length);
        if (fail) throw new Error('disk full');
        return inner.writeAll(entries);
      },
    });
    const ctx = createContext({ wallet: counting, messages: store });
    const schedules = new Schedules(store);
    const first = await Promise.all(
      Array.from({ length: 6 }, (_, n) => schedules.assign(PID, { n: String(n) }, ctx)),
    );
    assert.deepEqual(
      first.map((a) => a.slot),
      [0, 1, 2, 3, 4, 5],
    );
    assert.deepEqual(batches, [1, 5]);
    fail = true;
    const failed = await Promise.allSettled(
      Array.from({ length: 4 }, (_, n) => schedules.assign(PID, { n: `lost-${n}` }, ctx)),
    );
    assert.ok(failed.every((r) => r.status === 'rejected'));
    fail = false;
    const next = await schedules.assign(PID, { n: '6' }, ctx);
    assert.equal(next.slot, 6);
    assert.deepEqual(
      (await schedules.range(PID, 0, 10)).map((a) => a.slot),
      [0, 1, 2, 3, 4, 5, 6],
    );
  });
});

describe('Schedules.range', () => {
  it('reads from..to in order, stopping at the first missing slot', async () => {
    const { ctx, schedules } = setup();
    for (let i = 0; i < 4; i++) await schedules.assign(PID, { n: String(i) }, ctx);
    const slots = (list: Message[]) => list.map((a) => a.slot);
    assert.deepEqual(slots(await schedules.range(PID, 0, 3)), [0, 1, 2, 3]);
    assert.deepEqual(slots(await schedules.range(PID, 1, 2)), [1, 2]);
    assert.deepEqual(slots(await schedules.range(PID, 2, 100)), [2, 3]);
    assert.deepEqual(await schedules.range(PID, 5, 9), []);
    assert.deepEqual(await schedules.range(PID, 3, 1), []);
    assert.deepEqual(await schedules.range('R'.repeat(43), 0, 3), []);
    assert.deepEqual(
      (await schedules.range(PID, 0, 3)).map((a) => (a.body as Message).n),
      ['0', '1', '2', '3'],
    );
  });
});

describe('the schedules service', () => {
  it("is one Schedules per context's services", () => {
    const ctx = createContext({ wallet });
    assert.ok(ctx.services.schedules instanceof Schedules);
    assert.equal(withDirectives(ctx, {}).services.schedules, ctx.services.schedules);
    assert.notEqual(ctx.services.schedules, createContext({ wallet }).services.schedules);
  });

  it("keeps the schedules in the context's store", async () => {
    const { ctx, store } = setup();
    const a = await ctx.services.schedules.assign(PID, { n: '1' }, ctx);
    assert.deepEqual(await store.read(`assignments/${PID}/0`), a);
    assert.equal(await new Schedules(store).current(PID), 0);
  });
});

describe('isAssignment', () => {
  it('needs a numeric slot and a process', async () => {
    const { ctx, schedules } = setup();
    assert.equal(isAssignment(await schedules.assign(PID, { n: '1' }, ctx)), true);
    assert.equal(isAssignment({ slot: 0, process: PID }), true);
    assert.equal(isAssignment({ slot: '0', process: PID }), false);
    assert.equal(isAssignment({ slot: 0 }), false);
    assert.equal(isAssignment('assignment'), false);
    assert.equal(isAssignment(undefined), false);
  });
});
