/**
 * Repeated requests over HTTP: a repeatable GET is answered again with the
 * same bytes, while anything that can change between two identical
 * requests (volatile keys, stored messages, hooks, configuration) is
 * resolved afresh each time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message } from '../../src/core/message.ts';
import { unsignedMessageId } from '../../src/engine/ids.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { clientWallet, nodeWallet, send, startTestNode } from '../support/node.ts';
import { signedRequest } from '../support/signing.ts';

describe('replies to repeated requests', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('answers a repeatable GET again with the same bytes and signature', async () => {
    const first = await send(node, { path: '/~message@1.0&kept=yes/kept' });
    const second = await send(node, { path: '/~message@1.0&kept=yes/kept' });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.ok(first.headers.signature, 'the reply is signed');
    assert.equal(second.headers.signature, first.headers.signature);
  });

  it('resolves volatile keys every time', async () => {
    const counted = async () => {
      const res = await send(node, { path: '/~hyperbuddy@1.0/metrics' });
      assert.equal(res.status, 200);
      return res.text;
    };
    const before = await counted();
    assert.notEqual(await counted(), before, 'metrics move between two identical requests');
  });

  it('reads stored messages every time: a new signature of the same content shows', async () => {
    const msg: Message = { path: '/~message@1.0&seen=1/seen', note: 'signed twice' };
    const id = unsignedMessageId(msg);
    const commitmentsOf = async () => {
      const res = await send(node, { path: `/${id}`, headers: { 'accept-codec': 'json@1.0' } });
      assert.equal(res.status, 200);
      const json = JSON.parse(res.text) as { commitments?: Record<string, unknown> };
      return Object.keys(json.commitments ?? {}).length;
    };
    assert.equal((await send(node, signedRequest('GET', msg, clientWallet))).status, 200);
    const once = await commitmentsOf();
    assert.equal(await commitmentsOf(), once);
    assert.equal((await send(node, signedRequest('GET', msg, nodeWallet))).status, 200);
    assert.ok((await commitmentsOf()) > once, 'the second signer is in the reply');
  });

  it("answers the node's information alike when asked again, and a change of it at once", async () => {
    const local = await startTestNode({ config: { operator: 'unclaimed', port_note: 'one' } });
    try {
      const info = () => send(local, { path: '/~meta@1.0/info' });
      const first = await info();
      assert.equal(first.status, 200);
      assert.equal(first.headers.port_note, 'one');
      const second = await info();
      assert.equal(second.text, first.text);
      assert.equal(second.headers.signature, first.headers.signature);
      const changed = await send(local, {
        method: 'POST',
        path: '/~meta@1.0/info',
        headers: { port_note: 'two' },
      });
      assert.equal(changed.status, 200, changed.text);
      assert.equal((await info()).headers.port_note, 'two');
      // Nor is a key of it kept in the result cache across configurations.
      assert.equal((await send(local, { path: '/~meta@1.0/info/port_note' })).text, 'two');
      local.node.replace({ port_note: 'three' });
      assert.equal((await send(local, { path: '/~meta@1.0/info/port_note' })).text, 'three');
    } finally {
      await local.stop();
    }
  });

  it('resolves again after the configuration changes', async () => {
    const local = await startTestNode({ config: { force_signed: false } });
    try {
      const path = '/~message@1.0&k=v/k';
      const plain = await send(local, { path });
      assert.equal(plain.headers.signature, undefined);
      local.node.replace({ force_signed: true });
      const signed = await send(local, { path });
      assert.ok(signed.headers.signature, 'signed once the node signs its replies');
    } finally {
      await local.stop();
    }
  });
});
