/**
 * Signed requests from clients nobody on this project wrote, against a live
 * node: hbsig's signed multipart bodies (what wao's HB class sends: a
 * committed message as the body of a request signed over its bytes) and
 * aoconnect's `request` with an Ethereum key (an HTTP signature by a
 * secp256k1 key). Each verifies over the bytes received; a copy with one byte
 * changed anywhere the signature covers is refused and stores nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EthereumSigner } from '@dha-team/arbundles';
import { connect } from '@permaweb/aoconnect';
import { commit, createSigner, rsaid, type SignedRequest } from 'hbsig';
import { ethereumAddress } from '../../src/crypto/wallet.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { type RawRequest, type RawResponse, send, startTestNode } from '../support/node.ts';
import { processMessage, spawn } from '../support/processes.ts';
import { sharedPath } from '../support/shared.ts';

const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-1.json'), 'utf8'));
const CLIENT = 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4';

/** A request whose headers are known to be there. */
type Sent = RawRequest & { headers: Record<string, string> };

async function raw(signed: SignedRequest): Promise<Sent> {
  const url = new URL(signed.url);
  const body =
    signed.body === undefined
      ? undefined
      : new Uint8Array(await new Response(signed.body).arrayBuffer());
  return {
    method: signed.method,
    path: url.pathname + url.search,
    headers: { ...signed.headers },
    ...(body ? { body } : {}),
  };
}

/** Copy a request with `from` replaced by `to` once in the body. */
function tamperBody(req: Sent, from: string, to: string): Sent {
  const text = Buffer.from(req.body as Uint8Array).toString('latin1');
  assert.ok(text.includes(from), `the body holds ${from}`);
  return { ...req, body: Buffer.from(text.replace(from, to), 'latin1') };
}

const slotOf = async (node: RunningNode, pid: string) =>
  Number((await send(node, { path: `/${pid}/slot/current` })).text);

describe('hbsig: signed multipart bodies (wao HB requests)', () => {
  let node: RunningNode;
  const sign = createSigner(jwk, 'http://127.0.0.1:1');
  /** A committed message as the body of a request signed by the same key, as HB.schedule sends it. */
  async function hbRequest(path: string, fields: Record<string, unknown>) {
    const body = await commit(fields, { signer: sign, path: false });
    return { request: await raw(await sign({ path, body })), body };
  }

  before(async () => {
    node = await startTestNode({ config: { store: { 'store-module': 'memory' } } });
  });
  after(() => node.stop());

  it('spawns a process through /~process@1.0/schedule and schedules to it', async () => {
    const spawned = await hbRequest('/~process@1.0/schedule', {
      ...processMessage(node.address, 'test-device@1.0', { 'random-seed': 'hbsig-spawn' }),
    });
    const res = await send(node, spawned.request);
    assert.equal(res.status, 200, res.text);
    const pid = res.headers.process as string;
    // The process ID is the client's signature's: what hbsig computes for it.
    const rsa = Object.entries(spawned.body.commitments as Record<string, { alg: string }>).find(
      ([, c]) => c.alg === 'rsa-pss-sha512',
    );
    assert.ok(rsa);
    assert.equal(pid, rsa[0]);
    assert.equal(res.headers.slot, '0');

    const first = await hbRequest(`/${pid}/schedule`, {
      type: 'Message',
      target: pid,
      action: 'Eval',
      data: 'hello',
    });
    const scheduled = await send(node, first.request);
    assert.equal(scheduled.status, 200, scheduled.text);
    assert.equal(scheduled.headers.slot, '1');
    const body = await send(node, {
      path: `/${pid}/schedule?from=1&to=1&accept=application/aos-2`,
    });
    const page = JSON.parse(body.text);
    const message = page.edges[0].node.message;
    assert.equal(message.Data, 'hello');
    assert.equal(message.Owner, CLIENT);
    assert.equal(message.Target, pid);
  });

  describe('tampered copies are refused, and nothing from them is stored', () => {
    let pid: string;
    let valid: Sent;
    let innerId: string;
    before(async () => {
      pid = await spawn(node, processMessage(node.address, 'test-device@1.0'));
      const made = await hbRequest(`/${pid}/schedule`, {
        type: 'Message',
        target: pid,
        action: 'Eval',
        data: 'payload-123',
      });
      valid = made.request;
      const rsa = Object.values(made.body.commitments).find((c) => c.alg === 'rsa-pss-sha512');
      innerId = rsaid(rsa);
    });

    const refused = async (req: RawRequest, why: RegExp) => {
      const res: RawResponse = await send(node, req);
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, why);
      assert.equal(await slotOf(node, pid), 0);
      assert.equal((await send(node, { path: `/${innerId}` })).status, 404);
    };

    it('one byte of a part value', () =>
      refused(tamperBody(valid, 'payload-123', 'payload-124'), /content-digest|does not verify/));
    it('one byte of a part header', () =>
      refused(
        tamperBody(valid, 'content-disposition: inline', 'content-disposition: inlinf'),
        /./,
      ));
    it('one byte appended to the body', () =>
      refused(
        { ...valid, body: Buffer.concat([valid.body as Uint8Array, Buffer.from('x')]) },
        /content-digest/,
      ));
    it('one byte of a signed header (the path)', () =>
      refused(
        { ...valid, headers: { ...valid.headers, path: `${valid.headers.path}x` } },
        /does not verify/,
      ));
    it('one byte of the signature', () => {
      const signature = valid.headers.signature as string;
      const at = signature.indexOf('=:') + 5;
      const flipped =
        signature.slice(0, at) + (signature[at] === 'A' ? 'B' : 'A') + signature.slice(at + 1);
      return refused(
        { ...valid, headers: { ...valid.headers, signature: flipped } },
        /does not verify/,
      );
    });

    it('the untouched request then schedules at slot 1', async () => {
      const res = await send(node, valid);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.slot, '1');
      assert.equal((await send(node, { path: `/${innerId}` })).status, 200);
    });
  });
});

/** An aoconnect signer over an Ethereum key, signing HTTP messages as EIP-191 personal messages. */
function ethereumSigner(secret: string, alg = 'secp256k1') {
  const eth = new EthereumSigner(secret);
  const signer = async (create: (args: object) => Promise<Uint8Array>) => {
    const base = await create({ type: 3, publicKey: eth.publicKey, alg });
    return { signature: await eth.sign(base), address: eth.publicKey.toString('hex') };
  };
  return { signer, address: ethereumAddress(new Uint8Array(eth.publicKey)) };
}

interface Requester {
  request(args: Record<string, unknown>): Promise<Response>;
}
const requester = (url: string, signer: unknown): Requester =>
  connect({ MODE: 'mainnet', URL: url, signer } as never) as unknown as Requester;

/** The raw request a client sends, captured by a loopback server that answers 200. */
async function capture(run: (url: string) => Promise<unknown>): Promise<Sent> {
  let seen: Sent | undefined;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers[(req.rawHeaders[i] as string).toLowerCase()] = req.rawHeaders[i + 1] as string;
      }
      delete headers.host;
      delete headers.connection;
      seen = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body: Buffer.concat(chunks),
      };
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
  assert.ok(seen, 'the client sent a request');
  return seen;
}

describe('aoconnect request with an Ethereum signer (HTTP signatures by a secp256k1 key)', () => {
  let node: RunningNode;
  let pid: string;
  const eth = ethereumSigner('11'.repeat(32));
  before(async () => {
    node = await startTestNode({ config: { store: { 'store-module': 'memory' } } });
    pid = await spawn(node, processMessage(node.address, 'test-device@1.0'));
  });
  after(() => node.stop());

  it('answers a signed GET', async () => {
    const res = await requester(node.url, eth.signer).request({
      path: '/~meta@1.0/info/address',
      method: 'GET',
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), node.address);
  });

  it('schedules a signed message, attributed to the signer’s Ethereum address', async () => {
    const res = await requester(node.url, eth.signer).request({
      path: `/${pid}/schedule`,
      method: 'POST',
      type: 'Message',
      target: pid,
      action: 'Ping',
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('slot'), '1');
    const page = JSON.parse(
      (await send(node, { path: `/${pid}/schedule?from=1&to=1&accept=application/aos-2` })).text,
    );
    assert.equal(page.edges[0].node.message.Owner, eth.address);
  });

  it('refuses a copy with one signed header changed, and one signed by another key for this key', async () => {
    const sent = await capture((url) =>
      requester(url, eth.signer).request({
        path: '/~message@1.0&x=1/x',
        method: 'POST',
        hello: 'world',
      }),
    );
    assert.equal((await send(node, sent)).status, 200);
    const changed = await send(node, { ...sent, headers: { ...sent.headers, hello: 'World' } });
    assert.equal(changed.status, 400);
    assert.match(changed.text, /does not verify/);
    // Another key's signature presented with this key's keyid.
    const other = await capture((url) =>
      requester(url, ethereumSigner('22'.repeat(32)).signer).request({
        path: '/~message@1.0&x=1/x',
        method: 'POST',
        hello: 'world',
      }),
    );
    const theirs = /=:([^:]+):/.exec(other.headers.signature as string)?.[1] as string;
    const forged = (sent.headers.signature as string).replace(/=:[^:]+:/, `=:${theirs}:`);
    const res = await send(node, { ...sent, headers: { ...sent.headers, signature: forged } });
    assert.equal(res.status, 400);
  });

  it('refuses a signature in an algorithm it does not know, saying so', async () => {
    const res = await requester(
      node.url,
      ethereumSigner('11'.repeat(32), 'made-up-alg').signer,
    ).request({
      path: '/~meta@1.0/info/address',
      method: 'GET',
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /alg 'made-up-alg' cannot be verified here/);
  });
});
