/**
 * `~meta@1.0` over HTTP: the node message, operator-only changes (signed
 * with our signer and with hbsig, a real client), `permanent`, and an
 * uninitialized node.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'hbsig';
import type { RunningNode } from '../../src/http/server.ts';
import { clientWallet, nodeWallet, send, startTestNode } from '../support/node.ts';
import { sharedPath } from '../support/shared.ts';
import { signedRequest } from '../support/signing.ts';

describe('meta@1.0 info', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ config: { test_config_item: 'test', priv_secret: 'hidden' } });
  });
  after(() => node.stop());

  it('shows the node message without private keys', async () => {
    const res = await send(node, { path: '/~meta@1.0/info' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.address, nodeWallet.address);
    assert.equal(res.headers.test_config_item, 'test');
    assert.equal(res.headers.port, String(node.port));
    assert.match(res.headers['ao-types'] ?? '', /port="integer"/);
    assert.doesNotMatch(res.text + JSON.stringify(res.headers), /priv_|hidden/);
    const secret = await send(node, { path: '/~meta@1.0/info/priv_secret' });
    assert.equal(secret.status, 404);
  });

  it('answers sub-keys: address, port, build', async () => {
    const address = await send(node, { path: '/~meta@1.0/info/address' });
    assert.equal(address.text, nodeWallet.address);
    assert.equal(address.headers['ao-result'], 'body');
    const port = await send(node, { path: '/~meta@1.0/info/port' });
    assert.equal(port.text, String(node.port));
    assert.equal(port.headers['ao-types'], 'body="integer", status="integer"');
    const version = await send(node, { path: '/~meta@1.0/build/version' });
    assert.equal(version.text, '8.00000000000000044409e-01');
    const impl = await send(node, { path: '/~meta@1.0/build/implementation' });
    assert.equal(impl.text, 'hyperbeam-ts');
  });

  it('serves the device list as JSON, as the web UI asks for it', async () => {
    const res = await send(node, { path: '/~meta@1.0/info/preloaded_devices/serialize~json@1.0' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const names = Object.values(JSON.parse(res.text) as Record<string, { name: string }>).map(
      (d) => d.name,
    );
    for (const name of ['message@1.0', 'meta@1.0', 'json@1.0', 'hyperbuddy@1.0']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('refuses other methods', async () => {
    const res = await send(node, { method: 'PUT', path: '/~meta@1.0/info' });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Unsupported Meta/info method.');
    assert.equal(res.headers['ao-result'], undefined);
  });
});

describe('meta@1.0 POST info: operator only', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('refuses an unsigned change, and nothing changes', async () => {
    const res = await send(node, {
      method: 'POST',
      path: '/~meta@1.0/info',
      headers: { test_key: 'x' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Unauthorized');
    assert.equal((await send(node, { path: '/~meta@1.0/info/test_key' })).status, 404);
  });

  it('refuses a change signed by someone else', async () => {
    const req = signedRequest('POST', { path: '/~meta@1.0/info', test_key: 'x' }, clientWallet);
    const res = await send(node, req);
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Unauthorized');
    assert.equal((await send(node, { path: '/~meta@1.0/info/test_key' })).status, 404);
  });

  it('accepts a change signed by the operator', async () => {
    const req = signedRequest(
      'POST',
      { path: '/~meta@1.0/info', test_key: 'x', 'await-inprogress': 'false' },
      nodeWallet,
    );
    const res = await send(node, req);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'Node message updated. History: 1 updates.');
    assert.equal(res.headers['history-length'], '1');
    assert.equal((await send(node, { path: '/~meta@1.0/info/test_key' })).text, 'x');
    // Values take the defaults' types; HTTP keys of the request are not adopted.
    const info = await send(node, { path: '/~meta@1.0/info' });
    assert.match(info.headers['ao-types'] ?? '', /await_inprogress="atom"/);
    assert.equal(info.headers.await_inprogress, '"false"');
    assert.equal((await send(node, { path: '/~meta@1.0/info/method' })).status, 404);
  });

  it('accepts a change signed by the operator with hbsig (a real client)', async () => {
    const jwk = JSON.parse(readFileSync(sharedPath('fixtures', 'key-2.json'), 'utf8'));
    const sign = createSigner(jwk, node.url);
    const signed = await sign({ path: '/~meta@1.0/info', 'hbsig-key': 'yes' });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
    const res = await send(node, { method: 'POST', path: '/~meta@1.0/info', headers });
    assert.equal(res.status, 200, res.text);
    // Option names take underscores, as in HyperBEAM.
    assert.equal((await send(node, { path: '/~meta@1.0/info/hbsig_key' })).text, 'yes');
  });

  it('refuses to change a service or the address', async () => {
    const req = signedRequest('POST', { path: '/~meta@1.0/info', address: 'me' }, nodeWallet);
    const res = await send(node, req);
    assert.equal(res.status, 400);
    assert.match(res.text, /address/);
  });

  it('freezes with initialized: permanent', async () => {
    const freeze = signedRequest(
      'POST',
      { path: '/~meta@1.0/info', initialized: 'permanent' },
      nodeWallet,
    );
    assert.equal((await send(node, freeze)).status, 200);
    const again = signedRequest('POST', { path: '/~meta@1.0/info', late: 'y' }, nodeWallet);
    const res = await send(node, again);
    assert.equal(res.status, 400);
    assert.equal(
      res.text,
      'The node message of this machine is already permanent. It cannot be changed.',
    );
    assert.equal((await send(node, { path: '/~meta@1.0/info/late' })).status, 404);
  });
});

describe('meta@1.0 on an unclaimed node', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ config: { operator: 'unclaimed' } });
  });
  after(() => node.stop());

  it('accepts a JSON body from anyone, then can be claimed', async () => {
    const res = await send(node, {
      method: 'POST',
      path: '/~meta@1.0/info',
      headers: { 'codec-device': 'json@1.0', 'content-type': 'application/json' },
      body: JSON.stringify({ test_option: 'a', operator: clientWallet.address }),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal((await send(node, { path: '/~meta@1.0/info/test_option' })).text, 'a');
    // Claimed: now only the client's key may change it.
    const unsigned = await send(node, {
      method: 'POST',
      path: '/~meta@1.0/info',
      headers: { other: '1' },
    });
    assert.equal(unsigned.status, 400);
    const claimed = signedRequest('POST', { path: '/~meta@1.0/info', other: '2' }, clientWallet);
    assert.equal((await send(node, claimed)).status, 200);
  });
});

describe('an uninitialized node', () => {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode({ config: { initialized: false } });
  });
  after(() => node.stop());

  it('serves only meta@1.0 info', async () => {
    const res = await send(node, { path: '/hello?hello=world' });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'Node must be initialized before use.');
    assert.equal(res.headers['ao-result'], 'body');
    assert.equal(res.headers.signature, undefined);
    const info = await send(node, { path: '/~meta@1.0/info' });
    assert.equal(info.status, 200);
    assert.equal(info.headers.address, nodeWallet.address);
  });
});
