/** Every local backend passes the same compliance suite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { FsStore } from '../../src/stores/fs.ts';
import { LmdbStore } from '../../src/stores/lmdb.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { storeCompliance } from '../support/store-compliance.ts';

const dirs: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hb-${name}-`));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeCompliance('memory', async () => new MemoryStore());

const lmdbDir = tempDir('lmdb');
storeCompliance('lmdb', async () => new LmdbStore(lmdbDir), {
  reopen: async (old) => {
    await old.close?.();
    return new LmdbStore(lmdbDir);
  },
});

const fsDir = tempDir('fs');
storeCompliance('fs', async () => new FsStore(fsDir), {
  reopen: async (old) => {
    await old.close?.();
    return new FsStore(fsDir);
  },
});
