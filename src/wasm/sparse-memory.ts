/**
 * Linear memory as a snapshot that leaves out its all-zero pages: an AOS
 * process holds 12 MiB of memory of which about 2 MiB is not zero, and a
 * snapshot is copied, hashed and written every few hundred slots.
 *
 * Layout (little-endian): the memory's size (u64), the number of pages kept
 * (u32), their page numbers (u32 each), then the pages themselves.
 */
import { isAllZero } from '../core/binary.ts';
import { growTo } from './instance.ts';

/** The `snapshot-format` of a snapshot in this layout (a raw one has none). */
export const SPARSE_FORMAT = 'wasm-memory-pages@1';

const PAGE = 65536;

/** The pages of `memory` that are not all zeros, in the layout above. */
export function sparseSnapshot(memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(memory.buffer);
  const kept: number[] = [];
  for (let page = 0; page * PAGE < bytes.length; page++) {
    if (!isAllZero(bytes.subarray(page * PAGE, (page + 1) * PAGE))) kept.push(page);
  }
  const header = 12 + kept.length * 4;
  const out = new Uint8Array(header + kept.length * PAGE);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(bytes.length), true);
  view.setUint32(8, kept.length, true);
  kept.forEach((page, i) => {
    view.setUint32(12 + i * 4, page, true);
    out.set(bytes.subarray(page * PAGE, (page + 1) * PAGE), header + i * PAGE);
  });
  return out;
}

/** Put a sparse snapshot into `memory` (grown to its size; every other page zero). */
export function restoreSparse(memory: WebAssembly.Memory, snapshot: Uint8Array): void {
  if (snapshot.length < 12) throw new Error('the memory snapshot is truncated');
  const view = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  const size = Number(view.getBigUint64(0, true));
  const count = view.getUint32(8, true);
  const header = 12 + count * 4;
  if (size % PAGE !== 0 || snapshot.length !== header + count * PAGE) {
    throw new Error('the memory snapshot is malformed');
  }
  growTo(memory, size);
  const bytes = new Uint8Array(memory.buffer);
  const pages = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const page = view.getUint32(12 + i * 4, true);
    if ((page + 1) * PAGE > size) throw new Error('the memory snapshot is malformed');
    pages.set(page, i);
  }
  for (let page = 0; page * PAGE < bytes.length; page++) {
    const at = page * PAGE;
    const i = pages.get(page);
    if (i !== undefined)
      bytes.set(snapshot.subarray(header + i * PAGE, header + (i + 1) * PAGE), at);
    // Cleared only where needed: writing zeros would commit pages never used.
    else if (!isAllZero(bytes.subarray(at, at + PAGE))) bytes.fill(0, at, at + PAGE);
  }
}
