/** `memory`: a store in a Map, for tests and throwaway nodes (store-module `memory`). */
import { type Entry, type EntryMap, type EntryWriter, RecordStore } from './records.ts';

class MemoryEntries implements EntryMap {
  private readonly entries = new Map<string, Entry>();
  private readonly index = new Map<string, Set<string>>();

  get(path: string): Entry | undefined {
    return this.entries.get(path);
  }

  children(path: string): string[] {
    return [...(this.index.get(path) ?? [])].sort();
  }

  async batch(writes: (tx: EntryWriter) => void): Promise<void> {
    // Stage the batch so a failure part-way leaves nothing behind.
    const staged = new Map<string, Entry>();
    const added: [string, string][] = [];
    writes({
      get: (path) => staged.get(path) ?? this.entries.get(path),
      put: (path, entry) => staged.set(path, entry),
      addChild: (parent, name) => added.push([parent, name]),
    });
    for (const [path, entry] of staged) this.entries.set(path, entry);
    for (const [parent, name] of added) {
      const set = this.index.get(parent) ?? new Set<string>();
      this.index.set(parent, set);
      set.add(name);
    }
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.index.clear();
  }

  async close(): Promise<void> {}

  get size(): number {
    return this.entries.size;
  }
}

export class MemoryStore extends RecordStore {
  constructor() {
    super(new MemoryEntries(), { 'store-module': 'memory' });
  }
}
