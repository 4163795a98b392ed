/**
 * Messages through the cache layer on LMDB (the default store): writes and
 * reads per second, against raw `lmdb` put/get of the same message's bytes
 * (its httpsig@1.0 form), same run. Writes keep 64 in flight, as a busy node does.
 * Messages are kept at their IDs, spread over the key space; raw puts of the
 * bytes at their SHA-256 are the like-for-like baseline (sequential keys
 * append to one B-tree page and commit far fewer pages: printed too).
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { HttpFields } from '../src/codecs/httpsig/index.ts';
import { serializeHttp } from '../src/codecs/httpsig/message-http.ts';
import { createCodecRegistry } from '../src/codecs/index.ts';
import { messageToTabm } from '../src/codecs/structured.ts';
import { toBytes } from '../src/core/binary.ts';
import type { Message } from '../src/core/message.ts';
import { LmdbStore } from '../src/stores/lmdb.ts';
import { TieredMessageStore } from '../src/stores/tiered.ts';
import { report } from './harness.ts';

const codecs = createCodecRegistry();

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const IN_FLIGHT = 64;

const sampleOf = (i: number): Message => ({
  action: 'Transfer',
  recipient: 'vcaPe4JWnrSOCktDHBgXge-zWUb6JRkqbom5w9t7i-4',
  quantity: i,
  tags: ['a', 'b', 3],
  nested: { note: `hello ${i}`, count: 2 },
});
const bytesOf = (msg: Message) =>
  toBytes(serializeHttp(codecs.get('httpsig@1.0').fromTabm(messageToTabm(msg)) as HttpFields));

/** Operations per second with `IN_FLIGHT` running at once. */
async function rate(name: string, op: (i: number) => Promise<unknown>) {
  let i = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => op(i++)));
  }
  return { name, opsPerSec: i / ((performance.now() - start) / 1000) };
}

const dir = mkdtempSync(join(tmpdir(), 'hb-bench-store-'));
try {
  const raw = open({ path: join(dir, 'raw'), keyEncoding: 'binary', encoding: 'binary' });
  const cache = new TieredMessageStore([new LmdbStore(join(dir, 'ours'))]);
  const ids: string[] = [];
  const sequential = await rate('lmdb put, sequential keys', (i) =>
    raw.put(Buffer.from(`k${i}`), bytesOf(sampleOf(i))),
  );
  const rawWrites = await rate('lmdb put at the bytes’ hash', (i) => {
    const bytes = bytesOf(sampleOf(i));
    return raw.put(createHash('sha256').update(bytes).digest(), bytes);
  });
  const ourWrites = await rate('cache write', async (i) => {
    ids.push(await cache.write(sampleOf(i)));
  });
  report('message write (LMDB, cache layer)', ourWrites, rawWrites);
  report('message write, against sequential keys', ourWrites, sequential);
  // What was written reads back whole (a bench of writes that lose data measures nothing).
  assert.deepEqual(await cache.read(ids[7] as string), sampleOf(7));
  const n = Math.min(ids.length, rawWrites.opsPerSec * SECONDS);
  const rawReads = await rate('lmdb get', async (i) => raw.get(Buffer.from(`k${i % n}`)));
  const ourReads = await rate('cache read', (i) => cache.read(ids[i % ids.length] as string));
  report('message read (LMDB, cache layer)', ourReads, rawReads);
  await raw.close();
  await cache.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
