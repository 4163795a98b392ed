/**
 * `cache@1.0`: the node's store over HTTP (HyperBEAM's dev_cache).
 *   GET  /~cache@1.0/read?target=<id|path>   a message by any of its IDs, or the
 *                                             bytes at a path such as data/<sha-256>
 *   POST /~cache@1.0/write                    store the request's `body`: bytes at
 *                                             data/<sha-256>, a message under its IDs;
 *                                             `operation: link` links `source` to
 *                                             `destination`; `type: batch` writes each
 *                                             value of `body`
 *   POST /~cache@1.0/link                     link `source` to `destination`
 * Writes need a signature by one of `cache_writers` (the node's own address by
 * default): others get 403.
 */

import { isBinary, toBytes } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { MessageStore, Opts } from '../engine/context.ts';
import { defineDevice, ok, type Result } from '../engine/device.ts';
import { committersOf } from '../engine/ids.ts';

const answer = (status: number, fields: Message): Result => ok({ status, ...fields });

function storeOf(
  opts: Opts,
): Required<Pick<MessageStore, 'readValue' | 'writeBinary' | 'link'>> & MessageStore {
  const store = opts.store;
  if (!store?.readValue || !store.writeBinary || !store.link) {
    throw new BadRequestError('no_cache', 'this node has no store to read or write');
  }
  return store as Required<Pick<MessageStore, 'readValue' | 'writeBinary' | 'link'>> & MessageStore;
}

function isWriter(req: Message, opts: Opts): boolean {
  const writers = Array.isArray(opts.cache_writers) ? opts.cache_writers.map(String) : [];
  return committersOf(req).some((signer) => writers.includes(signer));
}

function text(req: Message, key: string): string {
  const value = req[key];
  if (typeof value !== 'string' || value === '') {
    throw new BadRequestError('missing_key', `the request needs '${key}'`);
  }
  return value;
}

async function writeOne(req: Message, body: Value | undefined, opts: Opts): Promise<Result> {
  const store = storeOf(opts);
  if (req.operation === 'link') {
    await store.link(text(req, 'source'), text(req, 'destination'));
    return answer(200, { body: 'Linked.' });
  }
  if (body === undefined) return answer(400, { body: 'No body to write.' });
  if (isBinary(body)) return answer(200, { path: await store.writeBinary(toBytes(body)) });
  if (isMessage(body)) return answer(200, { path: await store.write(body) });
  return answer(400, { body: 'Invalid write type.' });
}

export const cacheDevice = defineDevice({
  name: 'cache@1.0',
  exports: ['read', 'write', 'link'],
  // Reads answer with what the store holds now, which writes change.
  volatile: ['read'],
  keys: {
    async read(_base, req, opts) {
      const target = text(req, 'target');
      const value = await storeOf(opts).readValue(target);
      if (value === undefined) return answer(404, { body: `Not found in the cache: ${target}` });
      return ok(value);
    },
    async write(_base, req, opts) {
      if (!isWriter(req, opts))
        return answer(403, { body: 'Not authorized to write to the cache.' });
      if (req.type === 'batch') {
        const items = isMessage(req.body) ? Object.values(req.body) : [];
        const paths: Value[] = [];
        for (const item of items) {
          const result = await writeOne(req, item, opts);
          paths.push((result.body as Message).path ?? '');
        }
        return answer(200, { paths });
      }
      return writeOne(req, req.body, opts);
    },
    async link(_base, req, opts) {
      if (!isWriter(req, opts))
        return answer(403, { body: 'Not authorized to write to the cache.' });
      await storeOf(opts).link(text(req, 'source'), text(req, 'destination'));
      return answer(200, { body: 'Linked.' });
    },
  },
});
