/**
 * `fs`: HyperBEAM's on-disk layout (hb_store_fs), so a HyperBEAM cache
 * directory can be read and ours read by HyperBEAM. Under `prefix`: groups
 * are directories, values are files, links are symlinks whose target text is
 * `<prefix>/<existing>` (HyperBEAM's convention: relative to the working
 * directory, not the link). Reading follows such links itself, and also
 * plain relative or absolute ones. Files are written to a temporary name and
 * renamed, so a killed process never leaves a torn value.
 */
import { randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { BadRequestError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import {
  checkPath,
  joinPath,
  LinkCycleError,
  MAX_LINK_HOPS,
  pathSegments,
  type Store,
  type StoreType,
  splitPath,
} from './store.ts';

const TEMP_SUFFIX = '.hb-tmp';

async function lstatOrUndefined(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

export class FsStore implements Store {
  readonly scope = 'local' as const;
  /** As configured (the text written into links). */
  private readonly prefix: string;
  /** Absolute, for file operations. */
  private readonly root: string;

  constructor(prefix: string) {
    this.prefix = prefix.replace(/\/+$/, '');
    this.root = resolvePath(prefix);
  }

  describe(): Message {
    return { 'store-module': 'fs', prefix: this.prefix };
  }

  private file(path: string): string {
    return join(this.root, ...pathSegments(path));
  }

  /** A link's target as a store path. */
  private async linkTarget(file: string): Promise<string> {
    const text = await readlink(file);
    const candidates = [
      text.startsWith(`${this.prefix}/`) ? text.slice(this.prefix.length + 1) : undefined,
      isAbsolute(text)
        ? relative(this.root, text)
        : relative(this.root, resolvePath(dirname(file), text)),
    ];
    for (const candidate of candidates) {
      if (candidate !== undefined && !candidate.startsWith('..') && !isAbsolute(candidate)) {
        return candidate;
      }
    }
    throw new BadRequestError('link_outside_store', `a link points outside the store: ${text}`);
  }

  async resolve(path: string, hops = { n: 0 }): Promise<string> {
    let resolved = '';
    for (const segment of pathSegments(path)) {
      let candidate = joinPath(resolved, segment);
      for (let st = await lstatOrUndefined(this.file(candidate)); st?.isSymbolicLink(); ) {
        if (++hops.n > MAX_LINK_HOPS) throw new LinkCycleError(path);
        candidate = await this.resolve(await this.linkTarget(this.file(candidate)), hops);
        st = await lstatOrUndefined(this.file(candidate));
      }
      resolved = candidate;
    }
    return resolved;
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const file = this.file(await this.resolve(path));
    const st = await lstatOrUndefined(file);
    return st?.isFile() ? new Uint8Array(await readFile(file)) : undefined;
  }

  async type(path: string): Promise<StoreType | undefined> {
    const st = await lstatOrUndefined(this.file(await this.resolve(path)));
    if (st?.isFile()) return 'simple';
    return st?.isDirectory() ? 'composite' : undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const dir = this.file(await this.resolve(path));
    const st = await lstatOrUndefined(dir);
    if (!st?.isDirectory()) return undefined;
    return (await readdir(dir)).filter((name) => !name.endsWith(TEMP_SUFFIX)).sort();
  }

  async write(path: string, value: Uint8Array): Promise<void> {
    const [rawParent, name] = splitPath(checkPath(path));
    const parent = await this.resolve(rawParent);
    await this.makeDirs(parent);
    const file = this.file(joinPath(parent, name));
    const temp = `${file}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    await writeFile(temp, value);
    await rename(temp, file);
  }

  private async makeDirs(path: string): Promise<void> {
    try {
      await mkdir(this.file(path), { recursive: true });
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'EEXIST' ||
        (error as NodeJS.ErrnoException).code === 'ENOTDIR'
      ) {
        throw new BadRequestError('path_collision', `'${path}' holds a value, not a group`);
      }
      throw error;
    }
  }

  async makeGroup(path: string): Promise<void> {
    await this.makeDirs(await this.resolve(checkPath(path)));
  }

  async makeLink(existing: string, link: string, replace = false): Promise<void> {
    const target = checkPath(existing);
    const [rawParent, name] = splitPath(checkPath(link));
    if (joinPath(rawParent, name) === target) return;
    const parent = await this.resolve(rawParent);
    await this.makeDirs(parent);
    const file = this.file(joinPath(parent, name));
    if (replace && (await lstatOrUndefined(file))?.isSymbolicLink()) {
      // A new link beside the old one, renamed over it: readers see one or the other.
      const temp = `${file}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
      await symlink(`${this.prefix}/${target}`, temp);
      await rename(temp, file);
      return;
    }
    try {
      await symlink(`${this.prefix}/${target}`, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  async reset(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}
}
