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

import { committersOf } from '../codecs/commitments.ts';
import { isBinary, toBytes } from '../core/binary.ts';
import { BadRequestError } from '../core/errors.ts';
import { isMessage, type Message, type Value } from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, fail, ok, type Result } from '../engine/device.ts';

function isWriter(req: Message, ctx: Context): boolean {
  const writers = ctx.config.cache_writers.map(String);
  return committersOf(req).some((signer) => writers.includes(signer));
}

function text(req: Message, key: string): string {
  const value = req[key];
  if (typeof value !== 'string' || value === '') {
    throw new BadRequestError('missing_key', `the request needs '${key}'`);
  }
  return value;
}

async function writeOne(req: Message, body: Value | undefined, ctx: Context): Promise<Result> {
  const store = ctx.services.messages;
  if (req.operation === 'link') {
    await store.link(text(req, 'source'), text(req, 'destination'));
    return ok({ status: 200, body: 'Linked.' });
  }
  if (body === undefined) return fail(400, 'No body to write.');
  if (isBinary(body)) return ok({ status: 200, path: await store.writeBinary(toBytes(body)) });
  if (isMessage(body)) return ok({ status: 200, path: await store.write(body) });
  return fail(400, 'Invalid write type.');
}

const unauthorized = () => fail(403, 'Not authorized to write to the cache.');

export const cacheDevice = defineDevice({
  name: 'cache@1.0',
  exports: ['read', 'write', 'link'],
  // Reads answer with what the store holds now, which writes change.
  volatile: ['read'],
  keys: {
    async read(_base, req, ctx) {
      const target = text(req, 'target');
      const value = await ctx.services.messages.readValue(target);
      if (value === undefined) return fail(404, `Not found in the cache: ${target}`);
      return ok(value);
    },
    async write(_base, req, ctx) {
      if (!isWriter(req, ctx)) return unauthorized();
      if (req.type === 'batch') {
        const items = isMessage(req.body) ? Object.values(req.body) : [];
        const paths: Value[] = [];
        for (const item of items) {
          const result = await writeOne(req, item, ctx);
          paths.push((result.body as Message).path ?? '');
        }
        return ok({ status: 200, paths });
      }
      return writeOne(req, req.body, ctx);
    },
    async link(_base, req, ctx) {
      if (!isWriter(req, ctx)) return unauthorized();
      await ctx.services.messages.link(text(req, 'source'), text(req, 'destination'));
      return ok({ status: 200, body: 'Linked.' });
    },
  },
});
