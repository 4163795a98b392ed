/**
 * scheduler@1.0 over HTTP: spawning, signed and gap-free assignments under
 * concurrent POSTs, listing in both formats, and clear refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyMessage } from '../../src/codecs/commitments.ts';
import { httpToTabm } from '../../src/codecs/httpsig/index.ts';
import { schemes } from '../../src/codecs/index.ts';
import { tabmToMessage } from '../../src/codecs/structured.ts';
import { base64url, sha256 } from '../../src/core/binary.ts';
import { committersOf } from '../../src/core/ids.ts';
import type { Message } from '../../src/core/message.ts';
import type { RunningNode } from '../../src/http/server.ts';
import type { MessageCache } from '../../src/stores/message-cache.ts';
import { clientWallet, nodeWallet, send, startTestNode } from '../support/node.ts';
import { processMessage, schedule, spawn } from '../support/processes.ts';
import { signedRequest } from '../support/signing.ts';

describe('scheduler@1.0', () => {
  let node: RunningNode;
  let pid: string;
  before(async () => {
    node = await startTestNode();
    pid = await spawn(node, processMessage(nodeWallet.address, 'test-device@1.0'));
  });
  after(() => node.stop());

  const assignment = async (slot: number) =>
    (await (node.node.opts.store as MessageCache).read(`assignments/${pid}/${slot}`)) as Message;

  it('starts a process at slot 0, assigned and signed by the node', async () => {
    const zero = await assignment(0);
    assert.equal(zero.slot, 0);
    assert.equal(zero.process, pid);
    assert.equal((zero.body as Message).type, 'Process');
    assert.deepEqual(committersOf(zero), [nodeWallet.address]);
    assert.equal(await verifyMessage(zero, {}, schemes, {}), true);
    const current = await send(node, { path: `/${pid}/slot/current` });
    assert.equal(current.text, '0');
  });

  it('gives 50 concurrent messages slots 1..50, gap-free, in a verifiable hash chain', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => schedule(node, pid, { action: 'Count', n: String(i) })),
    );
    for (const reply of replies) assert.equal(reply.status, 200, reply.text);
    const slots = replies.map((r) => Number(r.headers.slot)).sort((a, b) => a - b);
    assert.deepEqual(
      slots,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    let chain = Buffer.alloc(0);
    for (let slot = 0; slot <= 50; slot++) {
      const a = await assignment(slot);
      assert.equal(a.slot, slot);
      assert.equal(await verifyMessage(a, {}, schemes, {}), true, `slot ${slot} verifies`);
      const body = a.body as Message;
      const id = Object.keys(body.commitments as Message).find(
        (c) => ((body.commitments as Message)[c] as Message).committer !== undefined,
      );
      chain = Buffer.from(sha256(Buffer.concat([chain, Buffer.from(id as string)])));
      assert.equal(a['hash-chain'], base64url(chain), `slot ${slot} chain`);
    }
    assert.equal((await send(node, { path: `/${pid}/slot/current` })).text, '50');
  });

  it('answers an assignment that verifies over HTTP', async () => {
    const res = await schedule(node, pid, { action: 'Once' });
    const fields: Record<string, string | Uint8Array> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (!/^(access-control|connection|content-length|date|keep-alive)/.test(k)) fields[k] = v;
    }
    fields.body = new Uint8Array(res.body);
    const msg = tabmToMessage(httpToTabm(fields));
    assert.equal(await verifyMessage(msg, {}, schemes, {}), true);
    assert.deepEqual(committersOf(msg), [nodeWallet.address]);
  });

  it('lists a range, as a bundle and as the legacy aos-2 JSON', async () => {
    const bundle = await send(node, { path: `/${pid}/schedule?from=1&to=3` });
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.type, 'schedule');
    assert.match(bundle.headers['body-keys'] ?? '', /"assignments\/1"/);
    assert.doesNotMatch(bundle.headers['body-keys'] ?? '', /"assignments\/4"/);
    const json = await send(node, {
      path: `/~scheduler@1.0/schedule?target=${pid}&from=0&to=2&accept=application/aos-2`,
    });
    assert.equal(json.headers['content-type'], 'application/json');
    const page = JSON.parse(json.text) as {
      page_info: { process: string };
      edges: { cursor: number; node: { message: { Owner: string; Tags: { name: string }[] } } }[];
    };
    assert.equal(page.page_info.process, pid);
    assert.deepEqual(
      page.edges.map((e) => e.cursor),
      [0, 1, 2],
    );
    assert.equal(page.edges[1]?.node.message.Owner, clientWallet.address);
    assert.ok(page.edges[1]?.node.message.Tags.some((t) => t.name === 'Action'));
  });

  it('reports its processes', async () => {
    const status = await send(node, { path: '/~scheduler@1.0/status/processes/1' });
    assert.equal(status.text, pid);
  });

  it('refuses unsigned messages, forged ones, and unknown processes with 4xx', async () => {
    const unsigned = await send(node, {
      method: 'POST',
      path: `/${pid}/schedule`,
      headers: { target: pid, action: 'x' },
    });
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.text, /signed/);
    const unknown = await schedule(node, 'Z'.repeat(43), { action: 'x' });
    assert.ok(unknown.status === 404, `${unknown.status} ${unknown.text}`);
    const forged = signedRequest(
      'POST',
      { path: `/${pid}/schedule`, target: pid, action: 'a' },
      clientWallet,
    );
    forged.headers = { ...forged.headers, action: 'b' };
    assert.equal((await send(node, forged)).status, 400);
  });

  it('sends processes scheduled elsewhere away: 307 with a hint, else 421', async () => {
    const elsewhere = await spawn(
      node,
      processMessage(`${clientWallet.address}?hint=http://other.example:8734`, 'test-device@1.0'),
    ).catch((e: Error) => e.message);
    assert.match(String(elsewhere), /^spawn failed: 307/);
    const nowhere = await spawn(
      node,
      processMessage(clientWallet.address, 'test-device@1.0'),
    ).catch((e: Error) => e.message);
    assert.match(String(nowhere), /^spawn failed: 421/);
  });

  it('answers bad slots clearly', async () => {
    assert.equal((await send(node, { path: `/${pid}/compute&slot=999` })).status, 404);
    assert.equal((await send(node, { path: `/${pid}/compute&slot=abc` })).status, 400);
    assert.equal((await send(node, { path: `/${pid}/schedule?from=x` })).status, 400);
  });
});
