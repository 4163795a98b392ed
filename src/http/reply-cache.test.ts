/** Unit tests for the reply cache: which requests it keys, its bound, and its configuration rule. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { defaults, type NodeConfig } from '../config/schema.ts';
import type { HttpReply } from './reply.ts';
import { ReplyCache } from './reply-cache.ts';

function request(method: string, headers: Record<string, string> = {}): IncomingMessage {
  const raw = Object.entries(headers).flat();
  return { method, url: '/~message@1.0&a=1/a', headers, rawHeaders: raw } as IncomingMessage;
}

const reply = (status: number, size = 10): HttpReply => ({
  status,
  headers: { 'content-type': 'text/plain' },
  body: new Uint8Array(size),
});

describe('ReplyCache', () => {
  const config = defaults() as NodeConfig;

  it('keys unsigned GETs and HEADs without a body or cache-control', () => {
    const cache = new ReplyCache(1 << 20);
    assert.ok(cache.key(request('GET')));
    assert.notEqual(cache.key(request('GET')), cache.key(request('HEAD')));
    assert.notEqual(cache.key(request('GET', { a: '1' })), cache.key(request('GET', { a: '2' })));
    const refused: Record<string, string>[] = [
      { 'content-length': '0' },
      { 'transfer-encoding': 'chunked' },
      { 'cache-control': 'no-cache' },
      { signature: 'x' },
      { 'signature-input': 'x' },
    ];
    for (const headers of refused) {
      assert.equal(cache.key(request('GET', headers)), undefined, Object.keys(headers)[0]);
    }
    assert.equal(cache.key(request('POST')), undefined);
    assert.equal(new ReplyCache(0).key(request('GET')), undefined);
  });

  it('serves a 2xx reply for the configuration it was made under', () => {
    const cache = new ReplyCache(1 << 20);
    const ok = reply(200);
    cache.put('k', config, ok);
    assert.equal(cache.get('k', config), ok);
    assert.equal(cache.get('k', { ...config }), undefined, 'another configuration');
    assert.equal(cache.size, 0, 'the stale entry is dropped');
    cache.put('e', config, reply(404));
    assert.equal(cache.get('e', config), undefined);
  });

  it('holds at most its budget, least recently used out first', () => {
    const cache = new ReplyCache(16 * 1000);
    for (let i = 0; i < 40; i++) cache.put(`k${i}`, config, reply(200, 900));
    assert.ok(cache.size < 40 && cache.size > 0);
    assert.equal(cache.get('k0', config), undefined);
    assert.ok(cache.get('k39', config));
    cache.put('big', config, reply(200, 2000));
    assert.equal(cache.get('big', config), undefined, 'larger than a sixteenth of the budget');
  });
});
