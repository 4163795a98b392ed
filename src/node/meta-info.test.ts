/**
 * meta@1.0's `info` on a running node: reading and reconfiguring the live
 * node's configuration through its NodeControl (the device's own rules are
 * tested beside it, in devices/meta.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metaInfo } from '../../test/support/meta.ts';
import { sharedPath } from '../../test/support/shared.ts';
import { signHttpsig } from '../codecs/httpsig/commit.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { assemble } from './components.ts';
import { LiveNode } from './live-node.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-1.json'));
const other = loadWallet(sharedPath('fixtures', 'key-2.json'));

describe('meta@1.0 info on a live node', () => {
  const info = metaInfo;

  it('GET reads the live node message', async () => {
    const live = new LiveNode(assemble({ config: { port: 1 }, wallet }));
    live.replace({ port: 2 });
    const result = await info({ method: 'GET' }, live.context());
    assert.equal((result.body as Message).port, 2);
  });

  it('POST from someone other than the operator is Unauthorized', async () => {
    const live = new LiveNode(assemble({ config: { port: 1 }, wallet }));
    const req = signHttpsig({ port: '2' }, other);
    const result = await info({ ...req, method: 'POST' }, live.context());
    assert.deepEqual(result.body, { status: 400, body: 'Unauthorized' });
    assert.equal(live.config.port, 1);
  });

  it('POST signed by the operator updates the live node', async () => {
    const live = new LiveNode(assemble({ config: { port: 1 }, wallet }));
    const req = signHttpsig({ port: '2' }, wallet);
    const result = await info({ ...req, method: 'POST' }, live.context());
    assert.equal((result.body as Message).status, 200);
    assert.equal(live.config.port, 2);
    assert.equal(live.config.commitments, undefined);
  });

  it('POST on an unclaimed node updates the live node', async () => {
    const live = new LiveNode(assemble({ config: { operator: 'unclaimed', port: 1 }, wallet }));
    const result = await info({ method: 'POST', port: '2' }, live.context());
    assert.deepEqual(result.body, {
      'history-length': 1,
      status: 200,
      body: 'Node message updated. History: 1 updates.',
    });
    assert.equal(live.config.port, 2);
  });

  it('POST answers 400 with the reason for a refused option', async () => {
    const live = new LiveNode(assemble({ config: { operator: 'unclaimed' }, wallet }));
    const result = await info({ method: 'POST', devices: 'x' }, live.context());
    assert.deepEqual(result.body, { status: 400, body: "'devices' cannot be set through info" });
  });

  it('POST is refused once the node message is permanent', async () => {
    const live = new LiveNode(
      assemble({ config: { operator: 'unclaimed', initialized: 'permanent' }, wallet }),
    );
    const result = await info({ method: 'POST', port: '2' }, live.context());
    const body = result.body as Message;
    assert.equal(body.status, 400);
    assert.match(String(body.body), /already permanent/);
  });
});
