/** Test helpers for stores. */
import type { MessageStore } from '../../src/engine/context.ts';

/** A message store that does what `inner` does, except for the methods `overrides` gives. */
export function storeOver(
  inner: MessageStore,
  overrides: Partial<MessageStore> = {},
): MessageStore {
  return {
    read: (id) => inner.read(id),
    write: (msg, links) => inner.write(msg, links),
    writeAll: (entries) => inner.writeAll(entries),
    writeAt: (path, msg) => inner.writeAt(path, msg),
    readValue: (path) => inner.readValue(path),
    readLocal: (path) => inner.readLocal(path),
    writeBinary: (bytes) => inner.writeBinary(bytes),
    link: (existing, link) => inner.link(existing, link),
    list: (path) => inner.list(path),
    update: (path, change) => inner.update(path, change),
    ...overrides,
  };
}
