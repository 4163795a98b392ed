/**
 * Where the Lua build keeps its heap's break (emscripten's `sbrk` value): the
 * heap only grows, so nothing above the break was ever written, and a
 * snapshot finds its used length below it instead of reading the untouched
 * rest of memory (the first read of each untouched page costs a page fault:
 * 40 ms for a VM's 15 MiB on this kind of machine).
 *
 * The build exports no way to ask, so the word is found once per process by
 * growing the heap of a throwaway module twice and keeping the one word of
 * its static data that moved exactly as the break must; if no single word
 * does, there is no answer and snapshots read all of memory.
 */
import { LuaFactory } from 'wasmoon';

const STATIC_WORDS = 64 * 1024; // the static data lies in the first 256 KiB
const GRANULE = 1 << 20; // the break moves by the request plus less than this

let found: Promise<number | undefined> | undefined;

/** The address of the break's word (the same for every module of this build). */
export function heapBreakAddress(): Promise<number | undefined> {
  found ??= probe().catch(() => undefined);
  return found;
}

async function probe(): Promise<number | undefined> {
  const m = (await new LuaFactory().getLuaModule()).module;
  const words = () => new Uint32Array(m.HEAPU8.buffer, 0, STATIC_WORDS).slice();
  const before = words();
  const first = grow(m, 4 * GRANULE);
  const middle = words();
  const second = grow(m, 2 * GRANULE);
  const after = words();
  if (!first || !second) return undefined;
  const candidates: number[] = [];
  for (let i = 0; i < STATIC_WORDS; i++) {
    const old = before[i] as number;
    const moved =
      Math.abs(old - first.at) < GRANULE &&
      isBreakAfter(middle[i] as number, first) &&
      isBreakAfter(after[i] as number, second);
    if (moved) candidates.push(i * 4);
  }
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** A block of `size` bytes from the module's malloc (left allocated: the module is thrown away). */
function grow(m: { _malloc(n: number): number }, size: number) {
  const at = m._malloc(size);
  return at ? { at, size } : undefined;
}

const isBreakAfter = (value: number, block: { at: number; size: number }) =>
  value >= block.at + block.size && value - (block.at + block.size) < GRANULE;
