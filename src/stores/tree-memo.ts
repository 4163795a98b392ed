/**
 * Messages read lately by ID (a process read for every request that names
 * it), as the trees a record store read them as. A tree is kept with the
 * top-level names of every entry it was read from (links followed), and a
 * write under any of those names drops it: a message's content never
 * changes, but it may gain commitments or children. Small trees only (8 MiB
 * in all), and only as long as this process is the store's one writer (as a
 * node is).
 */
import type { Tree } from './store.ts';

const LIMIT = 256;
/** The most one tree, and all trees together, may hold in values. */
const MAX_BYTES = 256 * 1024;
const TOTAL_BYTES = 8 * 1024 * 1024;

/** The first segment of a store path ('' for the root). */
export function topOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

function sizeOf(tree: Tree, budget: number): number {
  if (tree instanceof Uint8Array) return tree.length;
  let size = 0;
  for (const value of Object.values(tree)) {
    size += sizeOf(value, budget - size);
    if (size > budget) break;
  }
  return size;
}

export class TreeMemo {
  private readonly trees = new Map<
    string,
    { tree: Tree; from: readonly string[]; bytes: number }
  >();
  private bytes = 0;
  /** Top-level names -> the IDs whose trees were read from entries under them. */
  private readonly readers = new Map<string, Set<string>>();

  get(id: string): Tree | undefined {
    return this.trees.get(id)?.tree;
  }

  keep(id: string, tree: Tree, from: ReadonlySet<string>): void {
    if (tree instanceof Uint8Array) return;
    const bytes = sizeOf(tree, MAX_BYTES);
    if (bytes > MAX_BYTES) return;
    this.drop(id);
    while (this.trees.size >= LIMIT || this.bytes + bytes > TOTAL_BYTES) {
      this.drop(this.trees.keys().next().value as string);
    }
    this.trees.set(id, { tree, from: [...from], bytes });
    this.bytes += bytes;
    for (const top of from) {
      const ids = this.readers.get(top) ?? new Set<string>();
      this.readers.set(top, ids);
      ids.add(id);
    }
  }

  /** Something under `top` was written: trees read from there are read again. */
  forget(top: string): void {
    const ids = this.readers.get(top);
    if (ids) for (const id of [...ids]) this.drop(id);
  }

  clear(): void {
    this.trees.clear();
    this.readers.clear();
    this.bytes = 0;
  }

  private drop(id: string): void {
    const kept = this.trees.get(id);
    if (!kept) return;
    this.trees.delete(id);
    this.bytes -= kept.bytes;
    for (const top of kept.from) {
      const ids = this.readers.get(top);
      ids?.delete(id);
      if (ids?.size === 0) this.readers.delete(top);
    }
  }
}
