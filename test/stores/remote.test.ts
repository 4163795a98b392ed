/**
 * Stores that fetch over the network, against real HTTP servers on loopback:
 * another node's cache@1.0 (remote-node), and a local server that answers
 * like an Arweave gateway (GraphQL plus /raw) from recorded responses. Also
 * cache@1.0 itself: reads, and writes only by trusted writers.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signItem } from '../../src/codecs/ans104/data-item.ts';
import { tabmToItem } from '../../src/codecs/ans104/index.ts';
import { createCodecRegistry } from '../../src/codecs/index.ts';
import { messageToTabm } from '../../src/codecs/structured.ts';
import { base64url, sha256 } from '../../src/core/binary.ts';
import type { Message } from '../../src/core/message.ts';
import { messageId } from '../../src/engine/ids.ts';
import type { RunningNode } from '../../src/http/server.ts';
import { HttpClient } from '../../src/net/http-client.ts';
import { GatewayStore } from '../../src/stores/gateway.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RemoteNodeStore } from '../../src/stores/remote-node.ts';
import { TieredMessageStore } from '../../src/stores/tiered.ts';
import { clientWallet, nodeWallet, send, startTestNode } from '../support/node.ts';
import { signedRequest } from '../support/signing.ts';

const codecs = createCodecRegistry();
const http = new HttpClient();

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }),
  );
}

describe('cache@1.0 over HTTP', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('writes bytes for the operator and reads them back', async () => {
    const req = signedRequest('POST', { path: '/~cache@1.0/write', body: 'hi' }, nodeWallet);
    const res = await send(node, req);
    assert.equal(res.status, 200, res.text);
    const path = `data/${base64url(sha256(new TextEncoder().encode('hi')))}`;
    assert.equal(res.headers.path, path);
    const read = await send(node, { path: `/~cache@1.0/read?target=${path}` });
    assert.equal(read.status, 200);
    assert.equal(read.text, 'hi');
  });

  it('refuses writes by anyone else with 403', async () => {
    const other = signedRequest('POST', { path: '/~cache@1.0/write', body: 'x' }, clientWallet);
    const res = await send(node, other);
    assert.equal(res.status, 403);
    assert.equal(res.text, 'Not authorized to write to the cache.');
    const unsigned = await send(node, { method: 'POST', path: '/~cache@1.0/write', body: 'x' });
    assert.equal(unsigned.status, 403);
  });

  it('writes messages and links; reads by ID and by link', async () => {
    const msg: Message = { body: { greeting: 'hello', n: 3 } };
    const res = await send(
      node,
      signedRequest('POST', { path: '/~cache@1.0/write', ...msg }, nodeWallet),
    );
    assert.equal(res.status, 200, res.text);
    const id = res.headers.path as string;
    assert.equal(id, messageId({ greeting: 'hello', n: 3 }));
    assert.equal((await send(node, { path: `/${id}/greeting` })).text, 'hello');
    const link = signedRequest(
      'POST',
      { path: '/~cache@1.0/link', source: id, destination: 'names/greeting' },
      nodeWallet,
    );
    assert.equal((await send(node, link)).status, 200);
    const byName = await send(node, { path: '/~cache@1.0/read?target=names/greeting' });
    assert.equal(byName.status, 200);
    assert.equal(byName.headers.greeting, 'hello');
  });

  it('answers 404 for what it does not hold', async () => {
    const res = await send(node, { path: `/~cache@1.0/read?target=${'B'.repeat(43)}` });
    assert.equal(res.status, 404);
    assert.equal((await send(node, { path: '/~cache@1.0/read' })).status, 400);
  });
});

describe('remote-node store', () => {
  let remote: RunningNode;
  let stored: string;
  let storedBytes: string;
  before(async () => {
    remote = await startTestNode();
    stored = await remote.node.services.messages.write({ kept: 'remotely', n: 7 });
    storedBytes = await remote.node.services.messages.writeBinary(new TextEncoder().encode('raw'));
  });
  after(async () => {
    await http.stop();
    await remote.stop();
  });

  it('reads a message by ID from another node, and keeps it locally', async () => {
    const local = new MemoryStore();
    const cache = new TieredMessageStore([
      local,
      new RemoteNodeStore(remote.url, { codecs, http }),
    ]);
    assert.deepEqual(await cache.read(stored), { kept: 'remotely', n: 7 });
    // Now local: the remote is not needed.
    assert.deepEqual(await new TieredMessageStore([local]).read(stored), {
      kept: 'remotely',
      n: 7,
    });
  });

  it('reads bytes by their hash path', async () => {
    const cache = new TieredMessageStore([
      new MemoryStore(),
      new RemoteNodeStore(remote.url, { codecs, http }),
    ]);
    assert.equal(
      new TextDecoder().decode((await cache.readValue(storedBytes)) as Uint8Array),
      'raw',
    );
  });

  it('serves a node whose store chain ends in the remote', async () => {
    const node = await startTestNode({
      config: {
        store: [{ 'store-module': 'memory' }, { 'store-module': 'remote-node', node: remote.url }],
      },
    });
    try {
      const res = await send(node, { path: `/${stored}/kept` });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, 'remotely');
      assert.equal((await send(node, { path: `/${'C'.repeat(43)}` })).status, 404);
    } finally {
      await node.stop();
    }
  });

  it('writes with the operator key, and is refused with another', async () => {
    const writer = new RemoteNodeStore(remote.url, { codecs, http, wallet: nodeWallet });
    await writer.write('ignored', new TextEncoder().encode('pushed'));
    const path = `data/${base64url(sha256(new TextEncoder().encode('pushed')))}`;
    assert.equal(new TextDecoder().decode(await writer.read(path)), 'pushed');
    const stranger = new RemoteNodeStore(remote.url, { codecs, http, wallet: clientWallet });
    await assert.rejects(stranger.write('x', new TextEncoder().encode('no')), { status: 403 });
    await assert.rejects(
      new RemoteNodeStore(remote.url, { codecs, http }).write('x', new Uint8Array()),
      {
        code: 'read_only',
      },
    );
  });

  it('refuses content that does not match what was asked for', async () => {
    const liar = createServer((_req, res) => {
      res.writeHead(200, { 'ao-types': 'n="integer"', n: '8', kept: 'remotely' });
      res.end();
    });
    const url = await listen(liar);
    try {
      const store = new RemoteNodeStore(url, { codecs, http });
      assert.equal(await store.readMessage(stored), undefined);
      assert.equal(await store.read(storedBytes), undefined);
    } finally {
      liar.close();
    }
  });

  it('treats an unreachable node as not having it', async () => {
    const store = new RemoteNodeStore('http://127.0.0.1:1', { codecs, http, timeoutMs: 1000 });
    assert.equal(await store.readMessage(stored), undefined);
  });
});

describe('gateway store', () => {
  // A signed data item, as Arweave would hold it, and GraphQL's view of it.
  const item = signItem(
    tabmToItem(messageToTabm({ 'Data-Protocol': 'ao', Type: 'Message', data: 'gateway data' })),
    clientWallet,
  );
  const id = base64url(sha256(item.signature));
  const node = (overrides: Record<string, unknown> = {}) => ({
    id,
    anchor: null,
    signature: base64url(item.signature),
    recipient: null,
    owner: { key: base64url(item.owner) },
    fee: { winston: '0' },
    quantity: { winston: '0' },
    tags: item.tags.map((t) => ({ name: String(t.name), value: String(t.value) })),
    data: { size: String(item.data.length) },
    ...overrides,
  });
  let gateway: Server;
  let url: string;
  let edges: unknown[] = [];
  const queries: string[] = [];
  before(async () => {
    gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/graphql') {
          queries.push(body);
          const { variables } = JSON.parse(body) as { variables: { transactionIds: string[] } };
          const found = variables.transactionIds[0] === id ? edges : [];
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: { transactions: { edges: found } } }));
        } else if (req.url === `/raw/${id}`) {
          res.writeHead(200);
          res.end(Buffer.from(item.data));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
    });
    url = await listen(gateway);
  });
  after(() => gateway.close());

  it('rebuilds a signed item from GraphQL and /raw, with its ID', async () => {
    edges = [{ node: node() }];
    const store = new GatewayStore({
      gateway: url,
      subindex: [{ name: 'Data-Protocol', value: 'ao' }],
    });
    const msg = await store.readMessage(id);
    assert.ok(msg);
    assert.equal(msg.data, 'gateway data');
    assert.equal(msg.type, 'Message');
    assert.equal(messageId(msg), id);
    assert.match(
      queries.at(-1) ?? '',
      /tags: \[\{ name: \\"Data-Protocol\\", values: \[\\"ao\\"\] \}\]/,
    );
  });

  it('misses unknown IDs and non-IDs', async () => {
    const store = new GatewayStore({ gateway: url });
    assert.equal(await store.readMessage('D'.repeat(43)), undefined);
    assert.equal(await store.readMessage('data/abc'), undefined);
    await assert.rejects(store.write(), { code: 'read_only' });
  });

  it('refuses an item that does not verify, unless told to trust GraphQL', async () => {
    edges = [{ node: node({ tags: [{ name: 'Data-Protocol', value: 'forged' }] }) }];
    assert.equal(await new GatewayStore({ gateway: url }).readMessage(id), undefined);
    const trusted = await new GatewayStore({ gateway: url, trustGraphql: true }).readMessage(id);
    assert.ok(trusted);
    const [commitment] = Object.values(trusted.commitments as Message) as Message[];
    assert.deepEqual(commitment?.['trusted-keys'], ['data-protocol']);
  });

  it('serves items over HTTP through a node configured with it', async () => {
    edges = [{ node: node() }];
    const http = await startTestNode({
      config: {
        store: [{ 'store-module': 'memory' }, { 'store-module': 'gateway', gateway: url }],
      },
    });
    try {
      const res = await send(http, { path: `/${id}/data` });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, 'gateway data');
    } finally {
      await http.stop();
    }
  });
});
