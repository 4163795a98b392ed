/**
 * scheduler@1.0 over HTTP: spawning, signed and gap-free assignments under
 * concurrent POSTs, listing in both formats, and clear refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { committersOf, verifyMessage } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { httpToTabm } from '../../src/codecs/httpsig/index.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { messageToTabm, tabmToMessage } from '../../src/codecs/structured.ts';
import { base64url, sha256 } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import { unsignedMessageId } from '../../src/engine/ids.ts';
import type { RunningNode } from '../../src/http/server.ts';
import type { TieredMessageStore } from '../../src/stores/tiered.ts';
import {
  clientWallet,
  nodeWallet,
  quickWallet,
  type RawResponse,
  send,
  startTestNode,
} from '../support/node.ts';
import { processMessage, schedule, spawn } from '../support/processes.ts';
import { ans104Request, signedRequest } from '../support/signing.ts';

const codecs = createCodecRegistry();

describe('scheduler@1.0', () => {
  let node: RunningNode;
  let pid: string;
  before(async () => {
    node = await startTestNode({ config: { scheduler_follow_redirects: false } });
    pid = await spawn(node, processMessage(nodeWallet.address, 'test-device@1.0'));
  });
  after(() => node.stop());

  const assignment = async (slot: number) =>
    (await node.node.services.messages.read(`assignments/${pid}/${slot}`)) as Message;

  it('starts a process at slot 0, assigned and signed by the node', async () => {
    const zero = await assignment(0);
    assert.equal(zero.slot, 0);
    assert.equal(zero.process, pid);
    assert.equal((zero.body as Message).type, 'Process');
    assert.deepEqual(committersOf(zero), [nodeWallet.address]);
    assert.equal(await verifyMessage(zero, {}, codecs), true);
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
      assert.equal(await verifyMessage(a, {}, codecs), true, `slot ${slot} verifies`);
      const body = a.body as Message;
      const id = Object.keys(body.commitments as Message).find(
        (c) => ((body.commitments as Message)[c] as Message).committer !== undefined,
      );
      chain = Buffer.from(sha256(Buffer.concat([chain, Buffer.from(id as string)])));
      assert.equal(a['hash-chain'], base64url(chain), `slot ${slot} chain`);
      // Each signed request is kept too (store_all_signed), read by its IDs, and
      // written once: where its assignment holds it.
      if (slot > 0) {
        const own = unsignedMessageId(body);
        const [local] = (node.node.services.messages as TieredMessageStore).stores;
        const held = `${unsignedMessageId(a)}/body`;
        assert.equal(await local?.resolve(own), held, `slot ${slot}'s request is kept`);
        assert.equal(await local?.resolve(id as string), held);
        assert.deepEqual(await node.node.services.messages.read(own), body);
      }
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
    // The node's own assignment, exactly as it signed it (the status is the status line's).
    assert.equal(res.status, 200);
    assert.equal(await verifyMessage(msg, {}, codecs), true);
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

/** The message an httpsig response carries (headers and body), as a client reads it. */
function responseMessage(res: RawResponse): Message {
  const fields: Record<string, string | Uint8Array> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (!/^(access-control|connection|content-length|date|keep-alive)/.test(k)) fields[k] = v;
  }
  if (res.body.length > 0) fields.body = new Uint8Array(res.body);
  return tabmToMessage(httpToTabm(fields));
}

describe('scheduler@1.0: only signed messages are scheduled, and refusals say so', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  const unsignedProcess = () => processMessage(nodeWallet.address, 'test-device@1.0');
  /** An unsigned request whose body is `body` (multipart), as a client would send it. */
  const unsignedWithBody = (path: string, body: Message) => {
    const signed = signedRequest('POST', { path, body }, clientWallet);
    const { signature: _s, 'signature-input': _i, ...headers } = signed.headers ?? {};
    return { ...signed, headers };
  };

  for (const path of ['/~scheduler@1.0/schedule', '/~process@1.0/schedule']) {
    it(`${path}: an unsigned Process as the body of a signed request`, async () => {
      const res = await send(
        node,
        signedRequest('POST', { path, body: unsignedProcess() }, clientWallet),
      );
      assert.equal(res.status, 400, res.text);
      assert.equal(res.text, 'Only signed messages can be scheduled.');
    });

    it(`${path}: an unsigned Process as the body of an unsigned request`, async () => {
      const res = await send(node, unsignedWithBody(path, unsignedProcess()));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.text, 'Only signed messages can be scheduled.');
    });

    it(`${path}: an unsigned Process as JSON`, async () => {
      const res = await send(node, {
        method: 'POST',
        path,
        headers: { 'codec-device': 'json@1.0' },
        body: JSON.stringify({ body: unsignedProcess() }),
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.text, 'Only signed messages can be scheduled.');
    });
  }

  it('POST /schedule: an unsigned Process', async () => {
    const {
      signature: _s,
      'signature-input': _i,
      ...headers
    } = signedRequest('POST', { ...unsignedProcess(), path: '/schedule' }, clientWallet).headers ??
    {};
    const res = await send(node, { method: 'POST', path: '/schedule', headers });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.text, 'Only signed messages can be scheduled.');
  });

  it('still schedules a signed request that names its target, its body a part of it', async () => {
    const pid = await spawn(node, processMessage(nodeWallet.address, 'test-device@1.0'));
    const res = await schedule(node, pid, { body: { note: 'a nested, unsigned part' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.slot, '1');
  });
});

describe('scheduler@1.0: scheduler-location records', () => {
  const LOCATION = '/~scheduler@1.0/location';
  let node: RunningNode;
  let remote: Wallet;
  before(async () => {
    node = await startTestNode({
      config: { scheduler_location_ttl: 3_600_000, scheduler_follow_redirects: false },
    });
    remote = quickWallet();
  });
  after(() => node.stop());

  const record = (url: string, nonce: number, extra: Message = {}): Message => ({
    path: LOCATION,
    'data-protocol': 'ao',
    variant: 'ao.N.1',
    type: 'scheduler-location',
    url,
    nonce,
    'time-to-live': 600_000,
    ...extra,
  });
  const post = (msg: Message, wallet: Wallet) => send(node, signedRequest('POST', msg, wallet));
  const get = (address: string, on: { port: number } = node) =>
    send(on, { path: `${LOCATION}?address=${address}` });

  it('keeps a signed record and answers it, still verifiable, for its address', async () => {
    const posted = await post(record('http://remote.example:8734', 1), remote);
    assert.equal(posted.status, 200, posted.text);
    const res = await get(remote.address);
    assert.equal(res.status, 200, res.text);
    const body = responseMessage(res).body as Message;
    assert.equal(body.url, 'http://remote.example:8734');
    assert.equal(body.nonce, 1);
    assert.equal(body['time-to-live'], 600_000);
    assert.equal(body.type, 'scheduler-location');
    assert.deepEqual(committersOf(body), [remote.address]);
    assert.equal(await verifyMessage(body, {}, codecs), true);
    const url = await send(node, { path: `${LOCATION}/body/url?address=${remote.address}` });
    assert.equal(url.text, 'http://remote.example:8734');
  });

  it('keeps an ANS-104 record too', async () => {
    const res = await send(
      node,
      await ans104Request(LOCATION, record('http://ans104.example', 7), clientWallet),
    );
    assert.equal(res.status, 200, res.text);
    const url = await send(node, { path: `${LOCATION}/body/url?address=${clientWallet.address}` });
    assert.equal(url.text, 'http://ans104.example');
  });

  it('refuses unsigned records, and stores nothing', async () => {
    const other = quickWallet();
    const res = await send(node, {
      method: 'POST',
      path: LOCATION,
      headers: { url: 'http://unsigned.example', nonce: '1', 'time-to-live': '60000' },
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /Only signed location records/);
    const json = await send(node, {
      method: 'POST',
      path: LOCATION,
      headers: { 'codec-device': 'json@1.0' },
      body: JSON.stringify({ target: { url: 'http://unsigned.example', nonce: 1 } }),
    });
    assert.equal(json.status, 400);
    assert.match(json.text, /Only signed location records/);
    assert.equal((await get(other.address)).status, 404);
  });

  it('refuses records changed after signing, and stores nothing', async () => {
    const forger = quickWallet();
    // Sent as the request itself: a changed header.
    const forged = signedRequest('POST', record('http://honest.example', 1), forger);
    forged.headers = { ...forged.headers, url: 'http://forged.example' };
    const res = await send(node, forged);
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /does not verify/);
    // Carried inside the request (as HyperBEAM's `target`): a changed key.
    const signed = signHttpsig(record('http://honest.example', 1), forger);
    const json = (msg: Message) =>
      send(node, {
        method: 'POST',
        path: LOCATION,
        headers: { 'codec-device': 'json@1.0' },
        body: codecs.get('json@1.0').fromTabm(messageToTabm({ target: msg })) as string,
      });
    const tampered = await json({ ...signed, url: 'http://forged.example' });
    assert.equal(tampered.status, 400, tampered.text);
    assert.match(tampered.text, /signature does not verify/);
    const renonced = await json({ ...signed, nonce: 99 });
    assert.equal(renonced.status, 400, renonced.text);
    const missing = await get(forger.address);
    assert.equal(missing.status, 404, missing.text);
    // The same record untouched is kept.
    const honest = await json(signed);
    assert.equal(honest.status, 200, honest.text);
    const kept = await send(node, { path: `${LOCATION}/body/url?address=${forger.address}` });
    assert.equal(kept.text, 'http://honest.example');
  });

  it('refuses a nonce that is not newer than the stored one, and keeps the newer record', async () => {
    const mover = quickWallet();
    assert.equal((await post(record('http://second.example', 2), mover)).status, 200);
    for (const nonce of [2, 1]) {
      const stale = await post(record('http://stale.example', nonce), mover);
      assert.equal(stale.status, 400, stale.text);
      assert.match(stale.text, /Known nonce higher than requested nonce.*has nonce 2/);
    }
    const url = await send(node, { path: `${LOCATION}/body/url?address=${mover.address}` });
    assert.equal(url.text, 'http://second.example');
    assert.equal((await post(record('http://third.example', 3), mover)).status, 200);
    const newer = await send(node, { path: `${LOCATION}/body/url?address=${mover.address}` });
    assert.equal(newer.text, 'http://third.example');
  });

  it('refuses records without a url, an integer nonce or a time-to-live', async () => {
    const sloppy = quickWallet();
    const { url: _u, ...noUrl } = record('x', 1);
    assert.match((await post(noUrl, sloppy)).text, /needs the scheduler's `url`/);
    assert.match((await post(record('http://a', 1, { nonce: 'one' }), sloppy)).text, /`nonce`/);
    const { 'time-to-live': _t, ...noTtl } = record('http://a', 1);
    assert.match((await post(noTtl, sloppy)).text, /`time-to-live`/);
    assert.equal((await get(sloppy.address)).status, 404);
  });

  it("answers for the node's own address without one, 404 for an unknown or expired one", async () => {
    const none = await send(node, { path: LOCATION });
    assert.equal(none.status, 404);
    assert.match(none.text, new RegExp(`No location found for address: ${node.address}`));
    const unknown = await get(quickWallet().address);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /^No location found for address: /);
    const brief = quickWallet();
    const posted = await post(record('http://brief.example', 1, { 'time-to-live': 50 }), brief);
    assert.equal(posted.status, 200, posted.text);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const expired = await get(brief.address);
    assert.equal(expired.status, 404, expired.text);
    assert.match(expired.text, /expired/);
  });

  it("publishes the node's own record when the node signs the request", async () => {
    const res = await post({ path: LOCATION, url: 'http://self.example:8734' }, nodeWallet);
    assert.equal(res.status, 200, res.text);
    const own = responseMessage(await get(nodeWallet.address)).body as Message;
    assert.equal(own.url, 'http://self.example:8734');
    assert.equal(own.nonce, 0);
    assert.equal(own['time-to-live'], 3_600_000, 'scheduler_location_ttl');
    assert.equal(own['codec-device'], 'httpsig@1.0');
    assert.deepEqual(committersOf(own), [nodeWallet.address]);
    assert.equal(await verifyMessage(own, {}, codecs), true);
    const again = await post({ path: LOCATION }, nodeWallet);
    assert.equal(again.status, 200, again.text);
    const next = responseMessage(await get(nodeWallet.address)).body as Message;
    assert.equal(next.nonce, 1);
    assert.equal(next.url, `http://localhost:${node.port}`);
    const stale = await post({ path: LOCATION, nonce: 1 }, nodeWallet);
    assert.equal(stale.status, 400);
  });

  it("redirects a process scheduled elsewhere to the URL in its scheduler's record", async () => {
    const elsewhere = quickWallet();
    const proc = processMessage(elsewhere.address, 'test-device@1.0');
    const before = await send(
      node,
      signedRequest('POST', { ...proc, path: '/schedule' }, clientWallet),
    );
    assert.equal(before.status, 421, before.text);
    assert.equal((await post(record('http://elsewhere.example:8734', 1), elsewhere)).status, 200);
    const res = await send(
      node,
      signedRequest('POST', { ...proc, path: '/schedule' }, clientWallet),
    );
    assert.equal(res.status, 307, res.text);
    assert.equal(res.headers.location, 'http://elsewhere.example:8734');
    assert.equal(res.text, 'Redirecting to scheduler: http://elsewhere.example:8734');
  });
});

describe('scheduler@1.0: location records survive a restart', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-locations-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps records, their nonces and the redirects they give in an LMDB store', async () => {
    const store = [{ 'store-module': 'lmdb', prefix: join(dir, 'store') }];
    const remote = quickWallet();
    const record = (url: string, nonce: number) => ({
      path: '/~scheduler@1.0/location',
      type: 'scheduler-location',
      url,
      nonce,
      'time-to-live': 600_000,
    });
    const first = await startTestNode({ config: { store } });
    try {
      const res = await send(
        first,
        signedRequest('POST', record('http://kept.example', 5), remote),
      );
      assert.equal(res.status, 200, res.text);
    } finally {
      await first.stop();
    }
    const second = await startTestNode({ config: { store, scheduler_follow_redirects: false } });
    try {
      const url = await send(second, {
        path: `/~scheduler@1.0/location/body/url?address=${remote.address}`,
      });
      assert.equal(url.status, 200, url.text);
      assert.equal(url.text, 'http://kept.example');
      const stale = await send(
        second,
        signedRequest('POST', record('http://old.example', 4), remote),
      );
      assert.equal(stale.status, 400, stale.text);
      const proc = processMessage(remote.address, 'test-device@1.0');
      const redirect = await send(
        second,
        signedRequest('POST', { ...proc, path: '/schedule' }, clientWallet),
      );
      assert.equal(redirect.status, 307, redirect.text);
      assert.equal(redirect.headers.location, 'http://kept.example');
    } finally {
      await second.stop();
    }
  });
});
