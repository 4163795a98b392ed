import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext } from '../defaults.ts';
import { withDirectives } from '../engine/context.ts';
import { resolve } from '../engine/resolver.ts';
import { MemoryStore } from './memory.ts';
import { StoreResultCache } from './result-cache.ts';
import { TieredMessageStore } from './tiered.ts';

describe('StoreResultCache', () => {
  it('keeps results in the store under computed/<hashpath>, found by a fresh cache', async () => {
    const messages = new TieredMessageStore([new MemoryStore()]);
    const ctx = createContext({
      messages,
      results: new StoreResultCache(messages),
      directives: { cacheControl: ['always'] },
    });
    const first = await resolve({ a: '1', b: { c: 2 } }, 'b', ctx);
    const hashpath = (first.body as { priv: { hashpath: string } }).priv.hashpath;
    assert.ok(await messages.read(`computed/${hashpath}`));
    // A new cache over the same store (a restarted node) serves it without computing.
    const fresh = new StoreResultCache(messages);
    const hit = await fresh.read(hashpath);
    assert.deepEqual(hit, { status: 'ok', body: { c: 2, priv: { hashpath } } });
    const only = await resolve(
      { a: '1', b: { c: 2 } },
      'b',
      withDirectives(
        { ...ctx, services: { ...ctx.services, results: fresh } },
        { cacheControl: ['always', 'only-if-cached'] },
      ),
    );
    assert.deepEqual(only, hit);
  });

  it('stores literals in message form; non-ok results are not stored', async () => {
    const messages = new TieredMessageStore([new MemoryStore()]);
    const cache = new StoreResultCache(messages);
    await cache.write('h1/x', { status: 'ok', body: { 'ao-result': 'body', body: 5 } });
    await cache.write('h1/y', { status: 'error', body: { body: 'no' } });
    const fresh = new StoreResultCache(messages);
    assert.deepEqual((await fresh.read('h1/x'))?.body, {
      'ao-result': 'body',
      body: 5,
      priv: { hashpath: 'h1/x' },
    });
    assert.equal(await fresh.read('h1/y'), undefined);
  });
});
