/**
 * greenzone@1.0 across node processes (trust.md §3.8, §5.3): A starts a
 * zone; B and C, attesting with a test VCEK A's chain trusts, join it and
 * take A's identity; nodes with another configuration, untrusted software,
 * a forged join or the wrong peer are refused, each with its reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { committersOf } from '../../src/codecs/commitments.ts';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import type { Message } from '../../src/core/message.ts';
import type { Wallet } from '../../src/crypto/wallet.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { publicKeyTerm } from '../../src/trust/zone-keys.ts';
import { clusterDir, freePort, type NodeProcess, startNodeProcess } from '../support/cluster.ts';
import { quickWallet, send, startTestNode } from '../support/node.ts';
import { signedRequest } from '../support/signing.ts';
import { TRUSTED, testChain } from '../support/snp.ts';

const codecs = createCodecRegistry();
const http = new HttpClient({ timeoutMs: 30_000 });
const chain = testChain();
/** What every node runs with: the trusted software, A's view of the test chain. */
const common = { snp_trusted: [TRUSTED], snp_cert_chain: chain.chain };
const attesting = { snp_test_vcek: chain.vcek, priv_snp_test_vcek_key: chain.vcekKey };

type Node = { port: number; url: string };

/** `path` on `node`, signed by `wallet` (the operator's requests). */
async function operator(node: Node, wallet: Wallet, path: string, method = 'GET') {
  const res = await send(node, signedRequest(method, { path, operation: path }, wallet));
  return { status: res.status, text: res.text, headers: res.headers };
}

/** A reply through the HTTP client: its message, who signed it, whether that holds. */
async function ask(node: Node, path: string) {
  const reply = await http.send(node.url, { path }, codecs);
  return { ...reply, signers: committersOf(reply.message) };
}

describe('greenzone@1.0 across node processes', () => {
  const files = clusterDir();
  const wallets = { a: quickWallet(), b: quickWallet(), c: quickWallet() };
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;
  const member = (name: string, wallet: Wallet) =>
    startNodeProcess(
      files.dir,
      name,
      {
        ...common,
        ...attesting,
        green_zone_peer_location: a.url,
        green_zone_peer_id: a.address,
      },
      wallet,
    );

  before(async () => {
    a = await startNodeProcess(files.dir, 'a', common, wallets.a);
    [b, c] = await Promise.all([member('b', wallets.b), member('c', wallets.c)]);
  });
  after(async () => {
    await Promise.all([a, b, c].map((n) => n?.stop()));
    files.remove();
  });

  it('refuses key, become and init before there is a zone (GZ-01, GZ-03, GZ-15)', async () => {
    const key = await ask(a, '/~greenzone@1.0/key');
    assert.equal(key.status, 400);
    assert.equal(key.message.body, 'Node not part of a green zone.');
    const become = await operator(b, wallets.b, '/~greenzone@1.0/become');
    assert.equal(become.status, 400);
    assert.equal(become.text, 'Node not part of a green zone.');
    const early = await operator(a, wallets.a, '/~greenzone@1.0/init');
    assert.equal(early.text, 'Node history too short. Expected at least 1 entries, got 0.');
  });

  it('starts a zone on A: operator-signed, with the default required options (GZ-02)', async () => {
    const configured = await send(
      a,
      signedRequest('POST', { path: '/~meta@1.0/info', 'zone-name': 'test' }, wallets.a),
    );
    assert.equal(configured.status, 200, configured.text);
    const stranger = await operator(a, quickWallet(), '/~greenzone@1.0/init');
    assert.equal(stranger.status, 403);
    const init = await operator(a, wallets.a, '/~greenzone@1.0/init');
    assert.equal(init.status, 200);
    assert.equal(init.text, 'Green zone initialized successfully.');
    const again = await operator(a, wallets.a, '/~greenzone@1.0/init');
    assert.equal(again.text, 'Green zone already initialized.');
    const required = await ask(a, '/~meta@1.0/info/green_zone_required_opts');
    assert.ok(required.verified && required.signers.includes(a.address));
    assert.equal(required.message.initialized, 'permanent');
    assert.equal(required.message.scheduling_mode, 'disabled');
    assert.deepEqual(required.message.routes, []);
    const {
      commitments: _c,
      status: _s,
      ...none
    } = (await ask(a, '/~greenzone@1.0/trusted_nodes')).message;
    assert.deepEqual(none, {});
  });

  it('lets B join: B adopts the zone options, attests, and receives the zone key (GZ-07, GZ-13)', async () => {
    const stranger = await operator(b, quickWallet(), '/~greenzone@1.0/join');
    assert.equal(stranger.status, 403);
    const joined = await operator(b, wallets.b, '/~greenzone@1.0/join');
    assert.equal(joined.status, 200, joined.text);
    assert.equal(joined.text, 'Node joined green zone successfully.');
    const info = (await ask(b, '/~meta@1.0/info')).message;
    assert.equal(info.initialized, 'permanent');
    assert.equal(info.scheduling_mode, 'disabled');
    assert.equal((info.node_history as Message[]).length, 1);
    const trusted = (await ask(a, '/~greenzone@1.0/trusted_nodes')).message;
    assert.deepEqual(
      Object.keys(trusted).filter((k) => k === b.address),
      [b.address],
    );
    // The joined node is B, by the key it proved: A answers is_trusted for B's requests.
    const isTrusted = await send(
      a,
      signedRequest('GET', { path: '/~greenzone@1.0/is_trusted', x: '1' }, wallets.b),
    );
    assert.equal(isTrusted.text, 'true');
    const again = await operator(b, wallets.b, '/~greenzone@1.0/join');
    assert.equal(again.text, 'Node already part of green zone.');
    // The zone's `scheduling_mode: disabled`: B assigns no slots.
    const spawn = await send(
      b,
      signedRequest(
        'POST',
        {
          path: '/~scheduler@1.0/schedule',
          type: 'Process',
          device: 'process@1.0',
          scheduler: b.address,
          'execution-device': 'test-device@1.0',
        },
        wallets.b,
      ),
    );
    assert.equal(spawn.status, 503);
    assert.equal(spawn.text, 'Scheduling is disabled on this node.');
  });

  it('lets B become A: B then signs as A (GZ-14), having opened A’s key with the zone key', async () => {
    const before = await ask(b, '/~meta@1.0/info/address');
    assert.deepEqual(before.signers, [b.address]);
    const become = await operator(b, wallets.b, '/~greenzone@1.0/become');
    assert.equal(become.status, 200, become.text);
    assert.equal(become.headers.message, 'Successfully adopted target node identity');
    const after = await ask(b, '/~meta@1.0/info/address');
    assert.equal(after.message.body ?? after.message['ao-result'], a.address);
    assert.ok(after.verified);
    assert.deepEqual(after.signers, [a.address]);
    // B's operator is still B's: A's key does not let anyone reconfigure B.
    const info = (await ask(b, '/~meta@1.0/info')).message;
    assert.equal(info.operator, b.address);
  });

  it('lets C join and become A too: all three sign as A (GZ-16)', async () => {
    const joined = await operator(c, wallets.c, '/~greenzone@1.0/join');
    assert.equal(joined.text, 'Node joined green zone successfully.');
    const become = await operator(c, wallets.c, '/~greenzone@1.0/become');
    assert.equal(become.status, 200, become.text);
    for (const node of [a, b, c]) {
      const reply = await ask(node, '/~meta@1.0/info/address');
      assert.ok(reply.verified);
      assert.deepEqual(reply.signers, [a.address]);
    }
    const trusted = (await ask(a, '/~greenzone@1.0/trusted_nodes')).message;
    assert.ok(Object.hasOwn(trusted, b.address) && Object.hasOwn(trusted, c.address));
    // A member is not a zone node for others: it answers as a joiner does.
    const viaB = await http.send(
      b.url,
      { method: 'POST', path: '/~greenzone@1.0/join', message: { x: '1' }, wallet: quickWallet() },
      codecs,
    );
    assert.equal(viaB.status, 403);
  });

  describe('refusals', () => {
    const nodes: RunningNode[] = [];
    const start = async (config: Message, wallet = quickWallet()) => {
      const node = await startTestNode({
        wallet,
        config: {
          ...common,
          ...attesting,
          green_zone_peer_location: a.url,
          green_zone_peer_id: a.address,
          ...config,
        },
      });
      nodes.push(node);
      return { node, wallet };
    };
    after(() => Promise.all(nodes.map((n) => n.stop())));

    it('refuses a node whose node message is not the zone’s (GZ-12)', async () => {
      const { node, wallet } = await start({ green_zone_adopt_config: false });
      const res = await operator(node, wallet, '/~greenzone@1.0/join');
      assert.equal(res.status, 400);
      assert.match(res.text, /invalid_join_request: the node message's \w+ is not the zone's/);
      const { node: other, wallet: otherWallet } = await start({
        green_zone_adopt_config: false,
        initialized: true,
        scheduling_mode: 'aggressive',
      });
      const mismatched = await operator(other, otherWallet, '/~greenzone@1.0/join');
      assert.match(mismatched.text, /invalid_join_request/);
    });

    it('refuses software the zone does not trust (GZ-11)', async () => {
      const other = { ...TRUSTED, initrd: '11'.repeat(32) };
      const { node, wallet } = await start({ snp_trusted: [other, TRUSTED] });
      const res = await operator(node, wallet, '/~greenzone@1.0/join');
      assert.equal(res.status, 400);
      assert.equal(res.text, 'Received invalid commitment report.');
      assert.match(res.headers.reason ?? '', /local-hashes\/initrd is not trusted here/);
    });

    it('refuses a join signed by another key than the one it claims', async () => {
      // A genuine report of a node that runs the zone's options.
      const { node, wallet } = await start({ green_zone_adopt_config: false });
      const zone = (await ask(a, '/~meta@1.0/info/green_zone_required_opts')).message;
      const { commitments: _rc, status: _rs, ...required } = zone;
      node.node.replace({ ...required, green_zone_required_opts: required });
      const report = (await ask(node, '/~snp@1.0/generate')).message;
      const { commitments: _c, status: _s, ...content } = report;
      const joinWith = async (msg: Message) => {
        const res = await http.send(
          a.url,
          { method: 'POST', path: '/~greenzone@1.0/join', message: msg },
          codecs,
        );
        return { status: res.status, body: res.message.body, reason: res.message.reason };
      };
      const intruder = quickWallet();
      const forged = await joinWith(
        signHttpsig({ ...content, 'public-key': publicKeyTerm(intruder) }, intruder),
      );
      assert.equal(forged.status, 400);
      assert.match(String(forged.body), /public key is not the one of the address/);
      const resigned = await joinWith(
        signHttpsig({ ...content, 'public-key': publicKeyTerm(wallet) }, intruder),
      );
      assert.equal(resigned.body, 'Received invalid commitment report.');
      assert.match(String(resigned.reason), /not signed by its address/);
      const garbage = await joinWith(signHttpsig({ ...content, 'public-key': '%%%' }, wallet));
      assert.equal(garbage.status, 400);
      assert.match(String(garbage.body), /public key is not base64/);
      const unsigned = await joinWith({ ...content, 'public-key': publicKeyTerm(wallet) });
      assert.match(String(unsigned.body), /not signed|invalid commitment report/);
      // Signed by the node it names, with its own key: accepted, and the reply
      // carries the zone key for that key and A's public key, nothing private (GZ-17).
      const reply = await http.send(
        a.url,
        {
          method: 'POST',
          path: '/~greenzone@1.0/join',
          message: signHttpsig({ ...content, 'public-key': publicKeyTerm(wallet) }, wallet),
        },
        codecs,
      );
      assert.equal(reply.status, 200, String(reply.message.body));
      assert.deepEqual(committersOf(reply.message), [a.address]);
      const { commitments: _rc2, ...keys } = reply.message;
      assert.deepEqual(Object.keys(keys).sort(), [
        'body',
        'node-address',
        'public-key',
        'status',
        'zone-key',
      ]);
      assert.equal(keys['public-key'], publicKeyTerm(a.wallet));
      assert.equal(keys['node-address'], wallet.address);
    });

    it('refuses replies not signed by the configured peer (GZ-10)', async () => {
      const wrong = { green_zone_peer_id: quickWallet().address };
      const adopting = await start(wrong);
      const res = await operator(adopting.node, adopting.wallet, '/~greenzone@1.0/join');
      assert.equal(res.text, 'Peer gave invalid signature for required config.');
      const plain = await start({ ...wrong, green_zone_adopt_config: false });
      const res2 = await operator(plain.node, plain.wallet, '/~greenzone@1.0/join');
      assert.equal(res2.text, 'Received incorrect response from peer!');
    });

    it('answers 503 when the peer is unreachable (GZ-09)', async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const { node, wallet } = await start({
        green_zone_peer_location: dead,
        green_zone_adopt_config: false,
      });
      const res = await operator(node, wallet, '/~greenzone@1.0/join');
      assert.equal(res.status, 503);
      assert.equal(res.text, 'Peer node is unreachable.');
    });
  });
});

after(() => http.stop());
