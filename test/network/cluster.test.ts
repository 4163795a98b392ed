/**
 * Several nodes as separate OS processes on loopback ports, each with its own
 * wallet, LMDB store and JSON configuration (network.md §4):
 *   A  routes /~meta@1.0/info to B; reads through B (remote-node store)
 *   B  schedules AOS processes (the module is imported into its store)
 *   C  a plain node
 *   D  like A, but answers 307 for processes scheduled elsewhere
 *   X  forwards every request by its routes (Nearest over B and C; /loop to Y)
 *   Y  forwards every request to X (so /loop goes round)
 *   G  a fake scheduler (node:http) that answers garbage or forged schedules
 * Relay by URL and by route, no route, unreachable peers, route strategies,
 * loops; location records posted, read back, forged, stale or malformed;
 * 307 against proxying; an AOS process scheduled on B computed on A with the
 * same results; push from a process on A to one on B.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { committersOf } from '../../src/codecs/commitments.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { toByteString } from '../../src/core/binary.ts';
import { isMessage, type Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import { messageId } from '../../src/engine/ids.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { aosProcess, resultAt, sendAos } from '../support/aos.ts';
import {
  clusterDir,
  freePort,
  importFixtures,
  type NodeProcess,
  prepareNode,
  startNodeProcess,
} from '../support/cluster.ts';
import { quickWallet, send } from '../support/node.ts';
import { processMessage, schedule, spawn } from '../support/processes.ts';
import { signedRequest } from '../support/signing.ts';

const codecs = createCodecRegistry();
const http = new HttpClient({ timeoutMs: 30_000 });
const client = quickWallet();
const HOUR = 3_600_000;

/** A location record for `wallet`'s scheduler at `url`, posted to `node`. */
function postLocation(node: NodeProcess, wallet: Wallet, url: string, nonce: number | string) {
  return send(
    node,
    signedRequest(
      'POST',
      {
        path: '/~scheduler@1.0/location',
        'data-protocol': 'ao',
        variant: 'ao.N.1',
        type: 'scheduler-location',
        url,
        nonce,
        'time-to-live': HOUR,
      },
      wallet,
    ),
  );
}

const address = (node: { port: number }) => send(node, { path: '/~meta@1.0/info/address' });

describe('nodes as separate processes', () => {
  const files = clusterDir();
  const wallets = { a: quickWallet(), b: quickWallet(), c: quickWallet(), g: quickWallet() };
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;
  let d: NodeProcess;
  let x: NodeProcess;
  let y: NodeProcess;
  let image: string;
  let fake: Server;
  let fakeUrl: string;
  /** What the fake scheduler answers, by path. */
  const fakeReplies = new Map<string, () => { headers: Record<string, string>; body: Buffer }>();

  before(async () => {
    const [portB, portC, portX, portY, portClosed] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const urlOf = (port: number) => `http://127.0.0.1:${port}`;
    const remoteB = [{ 'store-module': 'remote-node', node: urlOf(portB) }];
    const preparedB = prepareNode(files.dir, 'b', { port: portB }, wallets.b);
    [image] = (await importFixtures(files.dir, 'b', ['aos-2-pure-xs.wasm'])) as [string];
    [b, c] = await Promise.all([
      preparedB.start(),
      startNodeProcess(files.dir, 'c', { port: portC }, wallets.c),
    ]);
    [a, d, x, y] = await Promise.all([
      startNodeProcess(
        files.dir,
        'a',
        {
          routes: [
            {
              template: '/~meta@1.0/info/operator',
              strategy: 'Random',
              choose: 3,
              nodes: [{ prefix: urlOf(portClosed) }, { prefix: b.url }, { prefix: c.url }],
            },
            { template: '/~meta@1.0/info', node: { prefix: b.url } },
          ],
          store: remoteB,
        },
        wallets.a,
      ),
      startNodeProcess(files.dir, 'd', { scheduler_follow_redirects: false, store: remoteB }),
      startNodeProcess(files.dir, 'x', {
        port: portX,
        on: { request: { device: 'relay@1.0' } },
        routes: [
          { template: '/loop', node: { prefix: urlOf(portY) } },
          {
            template: '/.*',
            strategy: 'Nearest',
            nodes: [
              { prefix: b.url, wallet: b.address },
              { prefix: c.url, wallet: c.address },
            ],
          },
        ],
      }),
      startNodeProcess(files.dir, 'y', {
        port: portY,
        on: { request: { device: 'relay@1.0' } },
        routes: [{ template: '/.*', node: { prefix: urlOf(portX) } }],
      }),
    ]);
    fake = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] as string;
      const reply = fakeReplies.get(path)?.() ?? {
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('\u0000garbage\u00ff'),
      };
      req.resume();
      res.writeHead(200, reply.headers).end(reply.body);
    });
    await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });

  after(async () => {
    await Promise.all([a, b, c, d, x, y].map((n) => n?.stop()));
    fake?.close();
    await http.stop();
    files.remove();
  });

  describe('relay and routes', () => {
    it('relays to an explicit URL and by the route table', async () => {
      const byUrl = await send(a, {
        path: `/~relay@1.0/call?relay-path=${b.url}/~meta@1.0/info/address`,
      });
      assert.equal(byUrl.status, 200, byUrl.text);
      assert.equal(byUrl.text, b.address);
      const byRoute = await send(a, {
        path: '/~relay@1.0/call?relay-path=/~meta@1.0/info/address',
      });
      assert.equal(byRoute.text, b.address);
    });

    it('answers a path with no route, and an unreachable peer, with a 502', async () => {
      const none = await send(a, { path: '/~relay@1.0/call?relay-path=/unknown' });
      assert.equal(none.status, 502);
      assert.match(none.text, /no_viable_route/);
      const closed = await freePort();
      const gone = await send(a, {
        path: `/~relay@1.0/call?relay-path=http://127.0.0.1:${closed}/~meta@1.0/info`,
      });
      assert.equal(gone.status, 502);
      assert.match(gone.text, /did not answer/);
      assert.equal((await address(a)).text, a.address, 'A keeps serving');
    });

    it('forwards whole requests by a Nearest route: the same peer each time, never itself', async () => {
      const answers = new Set<string>();
      for (let i = 0; i < 3; i++) answers.add((await address(x)).text);
      assert.equal(answers.size, 1);
      const [peer] = [...answers];
      assert.ok(peer === b.address || peer === c.address, `answered ${peer}`);
    });

    it('tries the nodes of a Random route in turn, past one that does not answer', async () => {
      for (let i = 0; i < 6; i++) {
        const res = await send(a, { path: '/~relay@1.0/call?relay-path=/~meta@1.0/info/operator' });
        assert.equal(res.status, 200, res.text);
        assert.ok([b.address, c.address].includes(res.text), res.text);
      }
    });

    it('stops a route loop (X -> Y -> X ...) with a 508, and keeps serving', async () => {
      const looped = await send(x, { path: '/loop' });
      assert.equal(looped.status, 508, looped.text);
      assert.match(looped.text, /route loop/);
      assert.equal((await address(x)).status, 200);
    });
  });

  describe('scheduler locations', () => {
    it('keeps a record signed by the scheduler, and reads it back', async () => {
      const before = await send(a, { path: `/~scheduler@1.0/location?address=${b.address}` });
      assert.equal(before.status, 404);
      assert.match(before.text, /No location found for address/);
      // B publishes its own; the same record, signed by B, is given to A.
      assert.equal((await postLocation(b, wallets.b, b.url, 1)).status, 200);
      const posted = await postLocation(a, wallets.b, b.url, 1);
      assert.equal(posted.status, 200, posted.text);
      const read = await http.send(
        a.url,
        { path: `/~scheduler@1.0/location?address=${b.address}` },
        codecs,
      );
      assert.equal(read.status, 200);
      const record = read.message.body as Message;
      assert.equal(record.url, b.url);
      assert.deepEqual(committersOf(record), [b.address]);
    });

    it('refuses stale, forged and malformed records', async () => {
      const stale = await postLocation(a, wallets.b, 'http://127.0.0.1:1', 1);
      assert.equal(stale.status, 400);
      assert.match(stale.text, /Known nonce higher than requested nonce/);
      const forged = signedRequest(
        'POST',
        { path: '/~scheduler@1.0/location', url: b.url, nonce: 5, 'time-to-live': HOUR },
        wallets.b,
      );
      forged.headers = { ...forged.headers, url: 'http://evil.example' };
      assert.equal((await send(a, forged)).status, 400);
      const unsigned = await send(a, {
        method: 'POST',
        path: `/~scheduler@1.0/location?url=${b.url}&nonce=6`,
      });
      assert.equal(unsigned.status, 400);
      const noUrl = await send(
        a,
        signedRequest(
          'POST',
          { path: '/~scheduler@1.0/location', nonce: 7, 'time-to-live': HOUR },
          wallets.b,
        ),
      );
      assert.equal(noUrl.status, 400);
      assert.equal((await postLocation(a, wallets.b, b.url, 'soon')).status, 400);
      const read = await http.send(
        a.url,
        { path: `/~scheduler@1.0/location?address=${b.address}` },
        codecs,
      );
      assert.equal((read.message.body as Message).url, b.url, 'the kept record is unchanged');
    });
  });

  /** An AOS process scheduled by B. */
  let onB: string;

  describe('a process scheduled on B', () => {
    let pid: string;
    before(async () => {
      pid = await spawn(b, aosProcess(b.address, image), client);
      onB = pid;
      await sendAos(b, pid, { action: 'Eval', data: 'X = 41; return X' }, client);
    });

    it('is redirected (307) by a node that does not follow redirects', async () => {
      const res = await schedule(d, pid, { action: 'Eval', data: 'return 0' }, client);
      assert.equal(res.status, 307, res.text);
      assert.equal(res.headers.location, b.url);
      assert.equal(res.text, `Redirecting to scheduler: ${b.url}`);
      assert.equal(res.headers.variant, 'ao.N.1');
    });

    it('is scheduled through A: B signs the assignment, both see the slot', async () => {
      const res = await schedule(a, pid, { action: 'Eval', data: 'X = X + 1; return X' }, client);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.slot, '2');
      const slots = await Promise.all([a, b].map((n) => send(n, { path: `/${pid}/slot/current` })));
      assert.deepEqual(
        slots.map((s) => s.text),
        ['2', '2'],
      );
      const read = await http.send(
        a.url,
        { path: `/~scheduler@1.0/schedule?target=${pid}&from=0&to=2` },
        codecs,
      );
      const assignments = read.message.assignments as Message;
      assert.deepEqual(Object.keys(assignments).sort(), ['0', '1', '2']);
      for (const assignment of Object.values(assignments)) {
        assert.ok(isMessage(assignment));
        assert.deepEqual(committersOf(assignment), [b.address]);
      }
    });

    it('is computed on A with the same results as on B', async () => {
      for (const slot of [1, 2]) {
        const onA = await resultAt(a, pid, slot, 'data');
        const onB = await resultAt(b, pid, slot, 'data');
        assert.equal(onA.status, 200, onA.text);
        assert.deepEqual(onA, onB);
      }
      assert.equal((await resultAt(a, pid, 2, 'data')).text, '42');
      // Scheduled on B after A's compute: A reads the new slot from B.
      const next = await sendAos(b, pid, { action: 'Eval', data: 'return X * 2' }, client);
      assert.equal((await resultAt(a, pid, next, 'data')).text, '84');
    });
  });

  describe('push from a process on A to one on B', () => {
    it('delivers the message to B, signed by A, and computes it', async () => {
      // AOS trusts messages signed by its authorities: A signs what it delivers.
      const p2 = await spawn(b, aosProcess(b.address, image, { authority: a.address }), client);
      await sendAos(
        b,
        p2,
        {
          action: 'Eval',
          data:
            'Handlers.add("Pong", Handlers.utils.hasMatchingTag("Action","Pong"), ' +
            'function(m) Pongs = (Pongs or 0) + 1; print("pong " .. Pongs) end); return 1',
        },
        client,
      );
      const p1 = await spawn(a, aosProcess(a.address, image), client);
      await sendAos(
        a,
        p1,
        {
          action: 'Eval',
          data:
            'Handlers.add("Ping", Handlers.utils.hasMatchingTag("Action","Ping"), ' +
            `function(m) Send({ Target = "${p2}", Action = "Pong" }) end); return 1`,
        },
        client,
      );
      const pushed = await http.send(
        a.url,
        {
          method: 'POST',
          path: `/${p1}/push`,
          message: {
            target: p1,
            type: 'Message',
            'data-protocol': 'ao',
            variant: 'ao.N.1',
            action: 'Ping',
          },
          wallet: client,
        },
        codecs,
      );
      assert.equal(pushed.status, 200, String(pushed.message.body));
      const entry = Object.values(pushed.message).find(
        (v) => isMessage(v) && v.target === p2,
      ) as Message;
      assert.ok(entry, 'the push reply has an entry for the message to P2');
      assert.equal(entry.slot, 2);
      assert.equal((await send(b, { path: `/${p2}/slot/current` })).text, '2');
      assert.equal((await resultAt(b, p2, 2, 'data')).text, 'pong 1');
      const onB = await http.send(
        b.url,
        { path: `/~scheduler@1.0/schedule?target=${p2}&from=2&to=2` },
        codecs,
      );
      const assignment = (onB.message.assignments as Message)['2'] as Message;
      assert.deepEqual(committersOf(assignment), [b.address]);
      const delivered = assignment.body as Message;
      assert.equal(delivered['from-process'], p1);
      assert.equal(delivered.type, 'Message');
      assert.deepEqual(committersOf(delivered), [a.address]);
    });
  });

  describe('a scheduler that answers garbage', () => {
    let pid: string;
    before(async () => {
      // A learns where G is, and holds a process G schedules.
      assert.equal((await postLocation(a, wallets.g, fakeUrl, 1)).status, 200);
      const process = await codecs
        .committer('httpsig@1.0')
        .commit(processMessage(wallets.g.address, 'test-device@1.0'), {}, { wallet: client });
      const written = await send(
        a,
        signedRequest('POST', { path: '/~cache@1.0/write', body: process }, wallets.a),
      );
      assert.equal(written.status, 200, written.text);
      pid = messageId(process, { committers: 'all' });
    });

    it('gives a clear 502 for garbage, and keeps serving', async () => {
      const posted = await schedule(a, pid, { n: 1 }, client);
      assert.equal(posted.status, 502, posted.text);
      const slot = await send(a, { path: `/${pid}/slot` });
      assert.equal(slot.status, 502, slot.text);
      assert.equal((await address(a)).text, a.address);
    });

    it('keeps nothing of a schedule that does not verify', async () => {
      const form = (msg: Message) => {
        const { headers, body } = codecs.toHttp('httpsig@1.0', msg);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers)) out[k] = toByteString(v);
        return { headers: out, body: Buffer.from(body) };
      };
      fakeReplies.set('/~scheduler@1.0/slot', () => form({ current: 0, process: pid }));
      // An assignment signed by someone other than G.
      const forged = await codecs.committer('httpsig@1.0').commit(
        {
          process: pid,
          slot: 0,
          'hash-chain': 'x',
          body: { type: 'Process' },
        },
        {},
        { wallet: quickWallet() },
      );
      fakeReplies.set('/~scheduler@1.0/schedule', () =>
        form({ type: 'schedule', process: pid, assignments: { '0': forged } }),
      );
      const computed = await send(a, { path: `/${pid}/compute&slot=0` });
      assert.equal(computed.status, 502, computed.text);
      assert.match(computed.text, /not signed by the scheduler/, computed.text);
      // Signed by G, but not following from the slot before.
      const unchained = await codecs.committer('httpsig@1.0').commit(
        { process: pid, slot: 0, 'hash-chain': 'x', body: { type: 'Process' } },
        {},
        {
          wallet: wallets.g,
        },
      );
      fakeReplies.set('/~scheduler@1.0/schedule', () =>
        form({ type: 'schedule', process: pid, assignments: { '0': unchained } }),
      );
      const again = await send(a, { path: `/${pid}/compute&slot=0` });
      assert.equal(again.status, 502, again.text);
      assert.match(again.text, /hash chain does not follow/);
      const kept = await send(a, {
        path: `/~cache@1.0/read?target=remote-assignments/${pid}/0`,
      });
      assert.equal(kept.status, 404);
    });
  });

  it('reads a schedule it has kept with the scheduler gone', async () => {
    await b.stop();
    const read = await http.send(
      a.url,
      { path: `/~scheduler@1.0/schedule?target=${onB}&from=0&to=2` },
      codecs,
    );
    assert.equal(read.status, 200);
    assert.deepEqual(Object.keys(read.message.assignments as Message).sort(), ['0', '1', '2']);
    assert.equal((await resultAt(a, onB, 2, 'data')).text, '42');
  });

  it('uses the wallets and stores it was given (no shared state)', async () => {
    const addresses = await Promise.all([a, c, d].map(async (n) => (await address(n)).text));
    assert.equal(new Set(addresses).size, 3);
    assert.equal(addresses[0], wallets.a.address);
  });
});
