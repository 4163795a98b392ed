/**
 * Unit tests for the process message helpers: recognising a process, its ID,
 * its scheduler (with location hints), and finding it in a state or store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createContext } from '../defaults.ts';
import { messageId } from '../engine/ids.ts';
import {
  committedProcess,
  isProcess,
  loadProcess,
  processIdOf,
  processOf,
  schedulersOf,
  splitHint,
  targetId,
} from './process-message.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));
const context = () => createContext({ wallet });
const definition: Message = {
  device: 'process@1.0',
  type: 'Process',
  scheduler: wallet.address,
  'execution-device': 'test-device@1.0',
};

describe('isProcess', () => {
  it('is a message whose type is Process, in any case', () => {
    assert.equal(isProcess({ type: 'Process' }), true);
    assert.equal(isProcess({ type: 'process' }), true);
    assert.equal(isProcess({ type: 'PROCESS' }), true);
  });

  it('is nothing else', () => {
    assert.equal(isProcess({ type: 'Message' }), false);
    assert.equal(isProcess({}), false);
    assert.equal(isProcess({ type: 1 }), false);
    assert.equal(isProcess('Process'), false);
    assert.equal(isProcess(undefined), false);
  });
});

describe('processIdOf', () => {
  it("is the signature's ID of a signed process", () => {
    const signed = signHttpsig(definition, wallet);
    const pid = processIdOf(signed);
    assert.equal(pid, messageId(signed, { committers: 'all' }));
    // Not the unsigned ID, nor the ID over every commitment (the HMAC included).
    assert.notEqual(pid, messageId(definition));
    assert.notEqual(pid, messageId(signed));
    assert.match(pid, /^[A-Za-z0-9_-]{43}$/);
  });

  it('is the unsigned ID of an unsigned process', () => {
    assert.equal(processIdOf(definition), messageId(definition));
  });
});

describe('splitHint', () => {
  it('splits an address from its hint', () => {
    assert.deepEqual(splitHint('addr?hint=https%3A%2F%2Fnode.test%2F'), [
      'addr',
      'https://node.test/',
    ]);
    assert.deepEqual(splitHint('addr?a=1&hint=node.test&b=2'), ['addr', 'node.test']);
  });

  it('has no hint without one', () => {
    assert.deepEqual(splitHint('addr'), ['addr', undefined]);
    assert.deepEqual(splitHint('addr?other=1'), ['addr', undefined]);
    assert.deepEqual(splitHint('addr?xhint=1'), ['addr', undefined]);
    assert.deepEqual(splitHint(''), ['', undefined]);
  });
});

describe('schedulersOf', () => {
  it('reads scheduler, else scheduler-location', () => {
    assert.deepEqual(schedulersOf({ scheduler: 'S1' }), { addresses: ['S1'] });
    assert.deepEqual(schedulersOf({ 'scheduler-location': 'S2?hint=h' }), {
      addresses: ['S2'],
      hint: 'h',
    });
    assert.deepEqual(schedulersOf({ scheduler: 'S1', 'scheduler-location': 'S2' }), {
      addresses: ['S1'],
    });
  });

  it('takes every address of a list, or of comma-separated text, and the first hint', () => {
    assert.deepEqual(schedulersOf({ scheduler: ['S1?hint=h1', 'S2'] }), {
      addresses: ['S1', 'S2'],
      hint: 'h1',
    });
    assert.deepEqual(schedulersOf({ scheduler: 'S1, S2' }), { addresses: ['S1', 'S2'] });
  });

  it('names none without a scheduler', () => {
    assert.deepEqual(schedulersOf({}), { addresses: [] });
    assert.deepEqual(schedulersOf({ scheduler: 5 }), { addresses: [] });
    assert.deepEqual(schedulersOf({ scheduler: [] }), { addresses: [] });
  });
});

describe('processOf', () => {
  it('is the process key, or the message itself when it is a process', () => {
    const process = { type: 'Process', n: '1' };
    assert.equal(processOf({ process, 'at-slot': 3 }), process);
    assert.equal(processOf(process), process);
  });

  it('is undefined otherwise', () => {
    assert.equal(processOf({ type: 'Message' }), undefined);
    assert.equal(processOf({ process: 'not-a-message' }), undefined);
  });
});

describe('committedProcess', () => {
  it('keeps only what the signatures cover', () => {
    const signed = signHttpsig(definition, wallet);
    const extended = { ...signed, added: 'later' };
    const committed = committedProcess(extended, context());
    assert.equal(committed.added, undefined);
    assert.deepEqual(committed, signed);
    assert.equal(processIdOf(committed), processIdOf(signed));
  });

  it('is worked out again for the same process ID with other values', () => {
    const signed = signHttpsig({ ...definition, tag: 'v1' }, wallet);
    const first = committedProcess({ ...signed, priv: { hashpath: 'a' } }, context());
    assert.equal(first.tag, 'v1');
    // Read again (private keys aside, equal): the same view.
    assert.equal(committedProcess({ ...signed, priv: { hashpath: 'b' } }, context()), first);
    // The same commitments over another value (forged): its own view, not the first's
    // (which keys they cover, whatever the values; verifying is not this function's part).
    const forged = committedProcess({ ...signed, tag: 'v2' }, context());
    assert.equal(forged.tag, 'v2');
  });

  it('leaves an unsigned process as it is', () => {
    const unsigned = { ...definition, extra: '1' };
    assert.equal(committedProcess(unsigned, context()), unsigned);
  });
});

describe('loadProcess', () => {
  it('reads a stored process by its ID', async () => {
    const ctx = context();
    const signed = signHttpsig(definition, wallet);
    await ctx.services.messages.write(signed);
    const loaded = await loadProcess(processIdOf(signed), ctx);
    assert.deepEqual(loaded, signed);
  });

  it('is undefined for an unknown ID, a non-ID or an empty store', async () => {
    assert.equal(await loadProcess('U'.repeat(43), context()), undefined);
    assert.equal(await loadProcess('not an id', context()), undefined);
    assert.equal(await loadProcess(processIdOf(definition), context()), undefined);
  });
});

describe('targetId', () => {
  const id = 'x'.repeat(43);
  it('reads an ID, without its location hint', () => {
    assert.equal(targetId(id), id);
    assert.equal(targetId(`${id}?hint=http%3A%2F%2Fa`), id);
  });
  it("reads an ANS-104 item's 32 raw target bytes as the ID they encode", () => {
    const bytes = new Uint8Array(32).fill(7);
    assert.equal(targetId(bytes), Buffer.from(bytes).toString('base64url'));
  });
  it('is undefined for no target', () => {
    assert.equal(targetId(undefined), undefined);
    assert.equal(targetId(''), undefined);
    assert.equal(targetId(new Uint8Array(5)), undefined);
  });
});
