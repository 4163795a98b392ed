/**
 * The fs store keeps HyperBEAM's on-disk layout: what we write, HyperBEAM can
 * read, and a directory HyperBEAM wrote (links whose text is `<prefix>/<path>`,
 * relative to the working directory) reads back as the same message.
 */
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signHttpsig } from '../../src/codecs/httpsig/commit.ts';
import { base64url, sha256 } from '../../src/core/binary.ts';
import { messageId, unsignedMessageId } from '../../src/engine/ids.ts';
import { FsStore } from '../../src/stores/fs.ts';
import { TieredMessageStore } from '../../src/stores/tiered.ts';
import { clientWallet } from '../support/node.ts';

const hash = (text: string) => base64url(sha256(new TextEncoder().encode(text)));

describe('fs store: HyperBEAM layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-fs-layout-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes groups as directories, values as data/<sha-256> files, keys and IDs as links', async () => {
    const cache = new TieredMessageStore([new FsStore(dir)]);
    const msg = signHttpsig({ a: '1', n: 2 }, clientWallet);
    await cache.write(msg);
    const id = unsignedMessageId(msg);
    assert.ok(lstatSync(join(dir, id)).isDirectory());
    assert.equal(readlinkSync(join(dir, id, 'a')), `${dir}/data/${hash('1')}`);
    assert.equal(readFileSync(join(dir, 'data', hash('1')), 'utf8'), '1');
    assert.equal(readlinkSync(join(dir, id, 'ao-types')), `${dir}/data/${hash('n="integer"')}`);
    // Commitments: a directory with a link per commitment, to its own directory.
    assert.ok(lstatSync(join(dir, id, 'commitments')).isDirectory());
    const signed = messageId(msg, { committers: 'all' });
    assert.ok(lstatSync(join(dir, id, 'commitments', signed)).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, signed)), `${dir}/${id}`);
  });

  it('reads a directory HyperBEAM wrote with a relative prefix', async () => {
    // HyperBEAM's links name `<prefix>/<path>` relative to its working directory.
    const prefix = `.hb-test-fs-${process.pid}`;
    const root = join(process.cwd(), prefix);
    try {
      const msg = { greeting: 'hi', count: 3 };
      const id = unsignedMessageId(msg);
      mkdirSync(join(root, 'data'), { recursive: true });
      mkdirSync(join(root, id));
      for (const [key, value] of [
        ['greeting', 'hi'],
        ['ao-types', 'count="integer"'],
        ['count', '3'],
      ]) {
        writeFileSync(join(root, 'data', hash(value as string)), value as string);
        symlinkSync(`${prefix}/data/${hash(value as string)}`, join(root, id, key as string));
      }
      symlinkSync(`${prefix}/${id}`, join(root, 'alias'));
      const cache = new TieredMessageStore([new FsStore(prefix)]);
      assert.deepEqual(await cache.read(id), msg);
      assert.deepEqual(await cache.read('alias'), msg);
      assert.equal(
        new TextDecoder().decode((await cache.readValue(`${id}/greeting`)) as Uint8Array),
        'hi',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports a message with a missing part as not found, not a crash', async () => {
    const cache = new TieredMessageStore([new FsStore(dir)]);
    const id = unsignedMessageId({ part: 'x' });
    await cache.write({ part: 'x' });
    rmSync(join(dir, 'data', hash('x')));
    await assert.rejects(cache.read(id), { status: 404 });
  });
});
