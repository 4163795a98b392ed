/**
 * Unit tests for the request pipeline's trace: a request is repeatable
 * unless a step is volatile, a stored message is read, or a hook runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedPath } from '../../test/support/shared.ts';
import type { Message } from '../core/message.ts';
import { loadWallet } from '../crypto/wallet.ts';
import { createDeviceRegistry } from '../devices/index.ts';
import type { RequestTrace } from '../engine/context.ts';
import { defineDevice, ok } from '../engine/device.ts';
import { assemble } from './components.ts';
import { LiveNode } from './live-node.ts';
import { handle } from './pipeline.ts';

const wallet = loadWallet(sharedPath('fixtures', 'key-2.json'));

/** A hook handler that changes nothing. */
const passing = defineDevice({
  name: 'pass@1.0',
  keys: {
    request: (_b, req) => ok(req),
    response: (_b, req) => ok(req),
    step: (_b, req) => ok(req),
  },
});
const devices = createDeviceRegistry([passing]);

async function traced(path: string, config: Message = {}): Promise<RequestTrace> {
  const live = new LiveNode(
    assemble({ config: { force_signed: false, ...config }, wallet, devices }),
  );
  const trace: RequestTrace = { repeatable: true };
  const request: Message = { method: 'GET', path };
  await handle(request, live, { request: { message: request, verified: [], trace } });
  return trace;
}

describe('request trace', () => {
  it('a pure computation is repeatable', async () => {
    assert.equal((await traced('/~message@1.0&a=1/a')).repeatable, true);
  });

  it('a volatile key is not', async () => {
    assert.equal((await traced('/~hyperbuddy@1.0/metrics')).repeatable, false);
  });

  it('a key that depends on the configuration is (the reply cache is per configuration)', async () => {
    assert.equal((await traced('/~meta@1.0/info')).repeatable, true);
    assert.equal((await traced('/~meta@1.0/info/address')).repeatable, true);
  });

  it('reading a stored message is not', async () => {
    const id = 'Zp7Yyu0E8HKp6cOi6k9TXvT9JRTrDCYh04SGJbVd6Ek';
    assert.equal((await traced(`/${id}/a`)).repeatable, false);
  });

  it('a node with request, response or step hooks is not', async () => {
    for (const point of ['request', 'response', 'step']) {
      const on = { [point]: { device: 'pass@1.0' } };
      assert.equal((await traced('/~message@1.0&a=1/a', { on })).repeatable, false, point);
    }
  });
});
