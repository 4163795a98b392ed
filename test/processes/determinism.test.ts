/**
 * Determinism: one schedule computed by two independent nodes (separate
 * stores, runtimes and instances) gives the same results and byte-identical
 * memory, on both AOS execution paths.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { isMessage, type Message } from '../../src/core/message.ts';
import { createContext } from '../../src/defaults.ts';
import { createDeviceRegistry } from '../../src/devices/index.ts';
import { processIdOf } from '../../src/processes/process-message.ts';
import { openStore } from '../../src/stores/index.ts';
import { aosProcess, legacyProcess } from '../support/aos.ts';
import { quickWallet } from '../support/node.ts';
import { sharedPath } from '../support/shared.ts';

const operator = quickWallet();
const client = quickWallet();

function aNode() {
  return createContext({
    wallet: operator,
    devices: createDeviceRegistry(),
    messages: openStore([{ 'store-module': 'memory' }]),
  });
}

const cases = [
  { name: 'wasm-64 stack', file: 'aos-2-pure-xs.wasm', process: aosProcess },
  { name: 'genesis-wasm', file: 'aos-2.0.0-legacy-wasm64.wasm', process: legacyProcess },
];

describe('the same schedule on two nodes', () => {
  const nodes = [aNode(), aNode()];
  after(async () => {
    for (const ctx of nodes) {
      await ctx.services.processes.stop(ctx);
      await ctx.services.messages.close?.();
    }
  });

  for (const c of cases) {
    it(`${c.name}: same results, same memory`, async () => {
      const module = {
        'content-type': 'application/wasm',
        body: readFileSync(sharedPath('fixtures', c.file)),
      };
      const ids = await Promise.all(nodes.map((ctx) => ctx.services.messages.write(module)));
      assert.equal(ids[0], ids[1]);
      const process = signHttpsig(c.process(operator.address, ids[0] as string), client);
      const pid = processIdOf(process);
      // Node A schedules; node B receives the very same signed assignments.
      const [a, b] = nodes as [ReturnType<typeof aNode>, ReturnType<typeof aNode>];
      const messages = [
        process,
        ...['X = 41', 'X = X + 1; return X', 'return tostring(#Inbox)', 'error("no")'].map((data) =>
          signHttpsig({ type: 'Message', target: pid, action: 'Eval', data }, client),
        ),
      ];
      for (const [slot, msg] of messages.entries()) {
        const assignment = await a.services.schedules.assign(pid, msg, a);
        await b.services.messages.write(assignment, [`assignments/${pid}/${slot}`]);
      }
      const last = messages.length - 1;
      const results: Message[] = [];
      const memories: string[] = [];
      for (const ctx of nodes) {
        const runtime = ctx.services.processes;
        const computed = await runtime.compute(process, last, ctx);
        assert.equal(computed.status, 'ok');
        results.push((computed.body as Message).results as Message);
        await runtime.stop(ctx);
        const saved = await ctx.services.messages.read(`processes/${pid}/snapshots/${last}`);
        // The memory is kept as bytes of its own (data/<sha-256>), referenced from `blobs`.
        const paths = (value: unknown): string[] =>
          typeof value === 'string'
            ? [value]
            : isMessage(value)
              ? Object.values(value).flatMap(paths)
              : [];
        const [path] = paths(saved?.blobs);
        const bytes = path ? await ctx.services.messages.readValue(path) : undefined;
        assert.ok(bytes instanceof Uint8Array && bytes.length > 0, 'a memory snapshot');
        memories.push(createHash('sha256').update(bytes).digest('hex'));
      }
      assert.deepEqual(results[0], results[1]);
      assert.equal(memories[0], memories[1]);
      const second = await a.services.processes.compute(process, 2, a);
      assert.equal(((second.body as Message).results as Message).data, '42');
    });
  }
});
