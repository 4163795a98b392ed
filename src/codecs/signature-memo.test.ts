import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { commitmentsOf, committersOf } from './commitments.ts';
import { signHttpsigAsync, verifyHttpsig } from './httpsig/commit.ts';
import { SignatureMemo } from './signature-memo.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const other = loadWallet(sharedPath('fixtures', 'key-2.json'));

const signatureOf = (msg: Parameters<typeof commitmentsOf>[0]) =>
  Object.values(commitmentsOf(msg)).find(
    (c) => typeof c === 'object' && c !== null && 'signature' in c,
  );

describe('SignatureMemo', () => {
  it('signs a base once, and the copied signature verifies', async () => {
    const memo = new SignatureMemo();
    const first = await signHttpsigAsync({ a: '1', body: 'x' }, wallet, memo);
    const again = await signHttpsigAsync({ a: '1', body: 'x' }, wallet, memo);
    assert.equal(memo.size, 1);
    assert.deepEqual(signatureOf(again), signatureOf(first));
    for (const msg of [first, again]) {
      const [id] = Object.keys(commitmentsOf(msg)).filter((k) =>
        committersOf(msg).length ? verifyHttpsig(msg, k) : false,
      );
      assert.ok(id, 'a commitment verifies');
    }
  });

  it('does not keep messages that carry commitments already', async () => {
    const memo = new SignatureMemo();
    const signed = await signHttpsigAsync({ a: '1' }, other, memo);
    await signHttpsigAsync(signed, wallet, memo);
    assert.equal(memo.size, 1);
  });

  it('signs anew what differs: another message, another key', async () => {
    const memo = new SignatureMemo();
    const a = await signHttpsigAsync({ a: '1' }, wallet, memo);
    const b = await signHttpsigAsync({ a: '2' }, wallet, memo);
    const c = await signHttpsigAsync({ a: '1' }, other, memo);
    assert.equal(memo.size, 3);
    assert.notDeepEqual(signatureOf(a), signatureOf(b));
    assert.deepEqual(committersOf(c), [other.address]);
  });

  it('keeps at most its limit, the least recently used going first', async () => {
    const memo = new SignatureMemo(2);
    let made = 0;
    const sign = async () => {
      made++;
      return { made };
    };
    const base = (n: number) => new TextEncoder().encode(`base ${n}`);
    await memo.sign('s', base(1), sign);
    await memo.sign('s', base(2), sign);
    await memo.sign('s', base(1), sign); // 1 is now the most recent
    await memo.sign('s', base(3), sign); // 2 goes
    assert.equal(made, 3);
    assert.deepEqual(await memo.sign('s', base(1), sign), { made: 1 });
    assert.deepEqual(await memo.sign('s', base(2), sign), { made: 4 });
    assert.equal(memo.size, 2);
  });
});
