/**
 * A Lua VM for lua@5.3a: real C Lua (5.4, wasmoon's WebAssembly build, one
 * module instance per VM so its memory is its own), made deterministic and
 * bounded:
 *   - created with the clock frozen (Lua seeds its string hashes from it),
 *     `math.randomseed` fixed, `os.time/clock/date` pure functions of their
 *     arguments (time 0 when none is given);
 *   - each call runs within an instruction budget (a count hook that raises
 *     an error) and a memory cap; the VM stays usable after either;
 *   - host functions are registered in a fixed order at creation, so a
 *     snapshot (the linear memory) restores into a new VM exactly;
 *   - a call runs in a coroutine, so host functions that wait (`ao.resolve`)
 *     yield to JavaScript and are resumed with their results.
 * Values cross as AO messages (lua.md §4): integers and floats kept apart,
 * strings as bytes, tables with keys 1..n as lists, an empty table as [].
 */
import { LuaEngine, type LuaWasm, LuaType as T } from 'wasmoon';
import { canonicalBinary, isAllZero, toBytes } from '../core/binary.ts';
import { Atom, Float, isMessage, type Message, put, type Value } from '../core/message.ts';
import { heapBreakAddress } from './heap-break.ts';
import { type Exports, luaModule } from './module.ts';

const LUA_REGISTRYINDEX = -1_000_000 - 1000;
const OK = 0;
const YIELD = 1;
const MASKCOUNT = 8;

/** The C functions called directly (see module.ts): the conversions' hot path. */
const RAW_NAMES = [
  'lua_sethook',
  'lua_pushlstring',
  'lua_tolstring',
  'lua_type',
  'lua_next',
  'lua_settop',
  'lua_absindex',
  'lua_toboolean',
  'lua_isinteger',
  'lua_tointegerx',
  'lua_tonumberx',
  'lua_pushnil',
  'lua_pushboolean',
  'lua_pushinteger',
  'lua_pushnumber',
  'lua_createtable',
  'lua_rawseti',
  'lua_rawset',
  'lua_topointer',
] as const;

/** The module's exports as `RawExports` when it has them all, else wasmoon's wrappers of them. */
function rawExports(wasm: LuaWasm, exports: Exports | undefined): RawExports {
  if (!exports || !RAW_NAMES.every((name) => typeof exports[name] === 'function')) {
    return wasm.module as unknown as RawExports;
  }
  const raw = Object.fromEntries(RAW_NAMES.map((name) => [`_${name}`, exports[name]]));
  return raw as unknown as RawExports;
}

/** The C functions the typings leave out (pointers in, pointers out), and the hot path. */
interface RawExports {
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _lua_pushlstring(L: number, pointer: number, length: number): number;
  _lua_tolstring(L: number, index: number, lengthPointer: number): number;
  _lua_type(L: number, index: number): number;
  _lua_next(L: number, index: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_absindex(L: number, index: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_isinteger(L: number, index: number): number;
  _lua_tointegerx(L: number, index: number, isnum: number): bigint;
  _lua_tonumberx(L: number, index: number, isnum: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawseti(L: number, index: number, n: bigint): void;
  _lua_rawset(L: number, index: number): void;
  _lua_topointer(L: number, index: number): number;
}
const MAX_DEPTH = 100;
const HEADER = 12;
const SCRATCH = 64 * 1024;
const UTF8 = new TextEncoder();
const TEXT = new TextDecoder();
const PAGE = 65536;
const CHUNK = 1 << 20;

/** The values in order when their positions are exactly 1..n (a Lua sequence), else undefined. */
function asList(values: Value[], positions: number[]): Value[] | undefined {
  const n = values.length;
  const list: Value[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = positions[i] as number;
    if (p < 1 || p > n || list[p - 1] !== undefined) return undefined;
    list[p - 1] = values[i] as Value;
  }
  return list;
}

/** The length of memory up to the end of its last page below `limit` that is not all zeros. */
function usedLength(memory: Uint8Array, limit = memory.length): number {
  // Whole chunks first (the memory above the heap is mostly zeros), then pages.
  let end = Math.min(memory.length, Math.ceil(limit / PAGE) * PAGE);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    if (!isAllZero(memory.subarray(start, end))) break;
    end = start;
  }
  for (; end > 0; end -= PAGE) {
    if (!isAllZero(memory.subarray(Math.max(0, end - PAGE), end))) return end;
  }
  return 0;
}

/** Work a host function asks JavaScript to do while its coroutine waits. */
export type HostCall = (
  name: string,
  args: (Value | undefined)[],
) => Promise<(Value | undefined)[]>;

export interface LuaLimits {
  /** Lua instructions per call. */
  instructions: number;
  /** Bytes the Lua heap may hold. */
  memory: number;
}

interface Thread {
  T: number;
  release: () => void;
}

export class LuaError extends Error {
  override name = 'LuaError';
  readonly trace: string | undefined;
  constructor(message: string, trace?: string) {
    super(message);
    this.trace = trace;
  }
}

/** The global function asked for does not exist. */
export class MissingFunction extends LuaError {
  override name = 'MissingFunction';
  constructor(name: string) {
    super(`The Lua modules define no function \`${name}\`.`);
  }
}

/** Where Lua's own values would not survive a trip out: a table that holds itself. */
class RecursiveTable extends Error {}

// Lua run at creation: pure time functions, a fixed random seed, no host I/O.
const PRELUDE = `
local date, time = os.date, os.time
os.time = function(t) if type(t) == "table" then return time(t) end return 0 end
os.clock = function() return 0 end
os.date = function(format, t) return date(format or "%c", t or 0) end
math.randomseed(0)
`;

// The default sandbox: no host access; `load` reads text only; `require` finds
// only what is preloaded or loaded (hyper-aos needs load and require).
const DEFAULT_SANDBOX = `
io = nil
os.execute, os.exit, os.getenv, os.remove, os.rename, os.tmpname = nil, nil, nil, nil, nil, nil
dofile, loadfile = nil, nil
string.dump = nil
local rawload = load
load = function(chunk, name, mode, env) return rawload(chunk, name, "t", env) end
package.path, package.cpath = "", ""
package.loadlib = nil
package.searchers = { package.searchers[1] }
`;

// HyperBEAM's `sandbox: true`: these globals become the string "sandboxed".
const HB_SANDBOX = `
for _, name in ipairs({"io", "file", "package", "loadfile", "require", "dofile", "load", "loadstring"}) do
  _G[name] = "sandboxed"
end
for _, name in ipairs({"execute", "exit", "getenv", "remove", "rename", "tmpname"}) do
  os[name] = "sandboxed"
end
`;

// The global \`ao\`: a deep copy of the one the modules made (as HyperBEAM's
// install does), with the host functions.
const INSTALL_AO = `
local function copy(t, seen)
  if type(t) ~= "table" then return t end
  if seen[t] then return seen[t] end
  local out = {}
  seen[t] = out
  for k, v in pairs(t) do out[copy(k, seen)] = copy(v, seen) end
  return out
end
local made = rawget(_G, "ao")
local ao = type(made) == "table" and copy(made, {}) or {}
ao.resolve, ao.set, ao.event = __hb_resolve, __hb_set, __hb_event
_G.ao = ao
__hb_resolve, __hb_set, __hb_event = nil, nil, nil
`;

export class LuaVM {
  private readonly wasm: LuaWasm;
  private readonly engine: LuaEngine;
  private readonly L: number;
  private readonly limits: LuaLimits;
  private readonly hook: number;
  private readonly lenPtr: number;
  /**
   * Where strings are written on their way into Lua (no allocation per
   * string); 0 for a VM restored from a snapshot taken before it existed.
   */
  private scratch: number;
  private readonly raw: RawExports;
  /** What the running call's host function asked for (set before it yields). */
  private pending: { name: string; args: (Value | undefined)[] } | undefined;
  /** A coroutine that finished its last call cleanly, for the next. */
  private spare: Thread | undefined;
  /** Lines `print` wrote during the running call. */
  printed: string[] = [];
  /** Where this build keeps the heap's break (heap-break.ts), if known. */
  private readonly breakAddress: number | undefined;

  private constructor(
    wasm: LuaWasm,
    raw: RawExports,
    engine: LuaEngine,
    limits: LuaLimits,
    breakAddress: number | undefined,
  ) {
    this.breakAddress = breakAddress;
    this.wasm = wasm;
    this.engine = engine;
    this.L = engine.global.address;
    this.limits = limits;
    const m = wasm.module;
    this.raw = raw;
    // Registered in this order, always: a snapshot's function pointers depend on it.
    this.hook = m.addFunction((L: number) => {
      wasm.lua_pushstring(L, 'instruction budget exceeded');
      wasm.lua_error(L);
    }, 'vii');
    this.lenPtr = m._malloc(4);
    this.scratch = m._malloc(SCRATCH);
    this.register('print', (L) => {
      const n = wasm.lua_gettop(L);
      const parts: string[] = [];
      for (let i = 1; i <= n; i++) parts.push(wasm.luaL_tolstring(L, i, null));
      this.printed.push(parts.join('\t'));
      return 0;
    });
    for (const name of ['resolve', 'set', 'event']) {
      this.register(`__hb_${name}`, (L) => {
        const n = wasm.lua_gettop(L);
        const args: (Value | undefined)[] = [];
        for (let i = 1; i <= n; i++) args.push(this.read(L, i, new Set(), 0));
        if (name === 'event') {
          wasm.lua_pushstring(L, 'ok');
          return 1;
        }
        this.pending = { name, args };
        return wasm.lua_yieldk(L, 0, 0, null);
      });
    }
  }

  private register(global: string, fn: (L: number) => number): void {
    const pointer = this.wasm.module.addFunction(fn, 'ii');
    this.wasm.lua_pushcclosure(this.L, pointer, 0);
    this.wasm.lua_setglobal(this.L, global);
  }

  /** A new VM: deterministic from its first instruction, with `sandbox` applied after `modules`. */
  static async create(limits: LuaLimits): Promise<LuaVM> {
    const breakAddress = await heapBreakAddress();
    const { wasm, exports } = await luaModule();
    const now = Date.now;
    // Synchronous from here: Lua reads the clock for its hash seed while it starts.
    Date.now = () => 0;
    let engine: LuaEngine;
    try {
      engine = new LuaEngine(wasm, {
        openStandardLibs: true,
        injectObjects: false,
        enableProxy: false,
        traceAllocations: true,
      });
    } finally {
      Date.now = now;
    }
    const vm = new LuaVM(wasm, rawExports(wasm, exports), engine, limits, breakAddress);
    vm.runSync(PRELUDE, 'prelude');
    return vm;
  }

  /** Run trusted setup code (no budget, no yields). */
  private runSync(code: string, name: string): void {
    const { wasm, L } = this;
    const bytes = toBytes(code);
    const pointer = this.copyIn(bytes);
    try {
      const loaded = wasm.luaL_loadbufferx(L, pointer, bytes.length, name, 't');
      if (loaded !== OK || wasm.lua_pcallk(L, 0, 0, 0, 0, null) !== OK) {
        const message = wasm.luaL_tolstring(L, -1, null);
        wasm.lua_settop(L, 0);
        throw new LuaError(message);
      }
    } finally {
      wasm.module._free(pointer);
    }
  }

  /** Load a module's source, run in a coroutine (it may call host functions). */
  async load(source: Uint8Array, name: string, host: HostCall): Promise<void> {
    const { wasm } = this;
    const thread = this.thread();
    const pointer = this.copyIn(source);
    try {
      const loaded = wasm.luaL_loadbufferx(thread.T, pointer, source.length, name, 't');
      if (loaded !== OK) {
        const message = wasm.luaL_tolstring(thread.T, -1, null);
        thread.release();
        throw new LuaError(message);
      }
    } finally {
      wasm.module._free(pointer);
    }
    await this.resume(thread, 0, host);
    this.printed = []; // load-time output is not a call's
  }

  /** Apply a sandbox: `true` is HyperBEAM's, anything else the node's default. */
  sandbox(hyperbeam: boolean): void {
    this.runSync(hyperbeam ? HB_SANDBOX : DEFAULT_SANDBOX, 'sandbox');
  }

  /** Install the global `ao` (after the modules, as HyperBEAM does). */
  installAo(): void {
    this.runSync(INSTALL_AO, 'ao');
  }

  /** The names of the global functions, sorted. */
  functions(): string[] {
    const { wasm, L } = this;
    const names: string[] = [];
    wasm.lua_rawgeti(L, LUA_REGISTRYINDEX, 2n); // the globals table
    wasm.lua_pushnil(L);
    while (wasm.lua_next(L, -2) !== 0) {
      if (wasm.lua_type(L, -2) === T.String && wasm.lua_type(L, -1) === T.Function) {
        names.push(this.text(L, -2));
      }
      wasm.lua_settop(L, -2);
    }
    wasm.lua_settop(L, -2);
    return names.sort();
  }

  /** Call a global function; its return values (an error is a LuaError). */
  async call(
    name: string,
    args: (Value | undefined)[],
    host: HostCall,
  ): Promise<(Value | undefined)[]> {
    const { wasm } = this;
    const thread = this.thread();
    this.printed = [];
    if (wasm.lua_getglobal(thread.T, name) !== T.Function) {
      wasm.lua_settop(thread.T, 0);
      this.spare = thread;
      throw new MissingFunction(name);
    }
    for (const arg of args) this.push(thread.T, arg, 0);
    return this.resume(thread, args.length, host);
  }

  /** A coroutine for one call (one that finished cleanly is used again). */
  private thread(): Thread {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) return spare;
    const { wasm, L } = this;
    const T = wasm.lua_newthread(L);
    const ref = wasm.luaL_ref(L, LUA_REGISTRYINDEX);
    return { T, release: () => wasm.luaL_unref(L, LUA_REGISTRYINDEX, ref) };
  }

  private async resume(
    thread: Thread,
    nargs: number,
    host: HostCall,
  ): Promise<(Value | undefined)[]> {
    const { wasm } = this;
    const { T } = thread;
    const m = wasm.module;
    this.engine.global.setMemoryMax(this.limits.memory);
    const results = m._malloc(4);
    let finished = false;
    try {
      let n = nargs;
      for (;;) {
        this.raw._lua_sethook(T, this.hook, MASKCOUNT, this.limits.instructions);
        const status = wasm.lua_resume(T, null, n, results) as number;
        const count = m.getValue(results, 'i32') as number;
        if (status === YIELD) {
          const pending = this.pending;
          this.pending = undefined;
          wasm.lua_settop(T, -(count + 1));
          if (!pending) throw new LuaError('a coroutine yielded outside the host functions');
          const answer = await host(pending.name, pending.args);
          for (const value of answer) this.push(T, value, 0);
          n = answer.length;
          continue;
        }
        if (status !== OK) {
          const message = wasm.luaL_tolstring(T, -1, null);
          throw new LuaError(message, this.traceback(T));
        }
        const out: (Value | undefined)[] = [];
        const top = wasm.lua_gettop(T);
        for (let i = top - count + 1; i <= top; i++) out.push(this.read(T, i, new Set(), 0));
        finished = true;
        return out;
      }
    } catch (error) {
      if (error instanceof RecursiveTable)
        throw new LuaError('recursive_table: a table holds itself');
      throw error;
    } finally {
      m._free(results);
      this.raw._lua_sethook(T, 0, 0, 0);
      this.engine.global.setMemoryMax(undefined);
      if (finished) {
        wasm.lua_settop(T, 0);
        this.spare = thread;
      } else thread.release(); // a coroutine that failed is dead
    }
  }

  private traceback(T: number): string | undefined {
    try {
      this.wasm.luaL_traceback(this.L, T, null, 0);
      const text = this.wasm.luaL_tolstring(this.L, -1, null);
      this.wasm.lua_settop(this.L, -3);
      return text;
    } catch {
      return undefined;
    }
  }

  // Values ---------------------------------------------------------------------------

  private copyIn(bytes: Uint8Array): number {
    const m = this.wasm.module;
    const pointer = m._malloc(Math.max(1, bytes.length));
    m.HEAPU8.set(bytes, pointer);
    return pointer;
  }

  private pushBytes(L: number, bytes: Uint8Array): void {
    if (this.scratch !== 0 && bytes.length <= SCRATCH) {
      this.wasm.module.HEAPU8.set(bytes, this.scratch);
      this.raw._lua_pushlstring(L, this.scratch, bytes.length);
      return;
    }
    const pointer = this.copyIn(bytes);
    this.raw._lua_pushlstring(L, pointer, bytes.length);
    this.wasm.module._free(pointer);
  }

  private pushText(L: number, text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.scratch === 0 || text.length * 3 > SCRATCH) {
      this.pushBytes(L, toBytes(text));
      return;
    }
    const at = this.scratch;
    const { written } = UTF8.encodeInto(text, this.wasm.module.HEAPU8.subarray(at, at + SCRATCH));
    this.raw._lua_pushlstring(L, at, written);
  }

  private push(L: number, value: Value | undefined, depth: number): void {
    const raw = this.raw;
    if (depth > MAX_DEPTH) throw new LuaError('a value is nested too deeply for Lua');
    if (value === undefined || value === null) raw._lua_pushnil(L);
    else if (typeof value === 'boolean') raw._lua_pushboolean(L, value ? 1 : 0);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) raw._lua_pushinteger(L, BigInt(value));
      else raw._lua_pushnumber(L, value);
    } else if (value instanceof Float) raw._lua_pushnumber(L, value.value);
    else if (typeof value === 'string') this.pushText(L, value);
    else if (value instanceof Uint8Array) this.pushBytes(L, value);
    else if (value instanceof Atom) this.pushText(L, value.name);
    else if (Array.isArray(value)) {
      raw._lua_createtable(L, value.length, 0);
      value.forEach((item, i) => {
        this.push(L, item, depth + 1);
        raw._lua_rawseti(L, -2, BigInt(i + 1));
      });
    } else if (isMessage(value)) {
      const keys = Object.keys(value);
      if (keys.every((k, i) => k === String(i + 1))) {
        this.push(
          L,
          keys.map((k) => value[k] as Value),
          depth,
        );
        return;
      }
      raw._lua_createtable(L, 0, keys.length);
      for (const key of keys) {
        this.pushText(L, key);
        this.push(L, value[key], depth + 1);
        raw._lua_rawset(L, -3);
      }
    } else raw._lua_pushnil(L);
  }

  private text(L: number, index: number): string {
    return TEXT.decode(this.bytesAt(L, index));
  }

  /** The bytes of the string at `index`, in the VM's memory: valid until the VM runs again. */
  private bytesAt(L: number, index: number): Uint8Array {
    const m = this.wasm.module;
    const pointer = this.raw._lua_tolstring(L, index, this.lenPtr);
    const length = m.HEAP32[this.lenPtr >> 2] as number;
    return m.HEAPU8.subarray(pointer, pointer + length);
  }

  /** A Lua value as a message value (undefined: nil, a function, userdata). */
  private read(L: number, index: number, seen: Set<number>, depth: number): Value | undefined {
    const raw = this.raw;
    const at = raw._lua_absindex(L, index);
    switch (raw._lua_type(L, at)) {
      case T.Nil:
        return undefined;
      case T.Boolean:
        return raw._lua_toboolean(L, at) !== 0;
      case T.Number: {
        if (raw._lua_isinteger(L, at)) return Number(raw._lua_tointegerx(L, at, 0));
        const n = raw._lua_tonumberx(L, at, 0);
        return Number.isInteger(n) ? new Float(n) : n;
      }
      case T.String:
        return canonicalBinary(this.bytesAt(L, at));
      case T.Table:
        return this.readTable(L, at, seen, depth);
      default:
        return undefined;
    }
  }

  private readTable(L: number, at: number, seen: Set<number>, depth: number): Value {
    const raw = this.raw;
    if (depth > MAX_DEPTH) throw new LuaError('a table is nested too deeply');
    const pointer = raw._lua_topointer(L, at);
    if (seen.has(pointer)) throw new RecursiveTable();
    seen.add(pointer);
    const keys: string[] = [];
    const values: Value[] = [];
    // Positions 1, 2... of keys that are whole numbers (0: a key that is not).
    const positions: number[] = [];
    raw._lua_pushnil(L);
    while (raw._lua_next(L, at) !== 0) {
      const value = this.read(L, -1, seen, depth + 1);
      if (value !== undefined) {
        const keyType = raw._lua_type(L, -2);
        let key = '';
        let position = 0;
        if (keyType === T.Number) {
          if (raw._lua_isinteger(L, -2)) {
            position = Number(raw._lua_tointegerx(L, -2, 0));
            key = String(position);
          } else key = String(raw._lua_tonumberx(L, -2, 0)); // not a crash, as HyperBEAM's
        } else if (keyType === T.String) {
          key = this.text(L, -2);
          if (/^[1-9]\d*$/.test(key)) position = Number(key);
        } else if (keyType === T.Boolean) key = raw._lua_toboolean(L, -2) ? 'true' : 'false';
        if (key !== '') {
          keys.push(key);
          values.push(value);
          positions.push(position);
        }
      }
      raw._lua_settop(L, -2);
    }
    seen.delete(pointer);
    if (keys.length === 0) return [];
    const list = asList(values, positions);
    if (list) return list;
    const out: Message = {};
    for (let i = 0; i < keys.length; i++) put(out, keys[i] as string, values[i] as Value);
    return out;
  }

  // Snapshots ---------------------------------------------------------------------

  /**
   * The VM's memory (between calls only) up to its last page in use, after a
   * header: where its state is, the memory's size, the bytes kept.
   */
  snapshot(): Uint8Array {
    const memory = this.wasm.module.HEAPU8;
    const used = usedLength(memory, this.heapBreak());
    const out = new Uint8Array(HEADER + used);
    const header = new DataView(out.buffer);
    header.setUint32(0, this.L, true);
    header.setUint32(4, memory.length, true);
    header.setUint32(8, used, true);
    out.set(memory.subarray(0, used), HEADER);
    return out;
  }

  /**
   * A new VM holding a snapshot's memory; undefined if it does not fit this
   * build. `scratchKept: false` for snapshots taken before the scratch area.
   */
  static async restore(
    snapshot: Uint8Array,
    limits: LuaLimits,
    { scratchKept = true } = {},
  ): Promise<LuaVM | undefined> {
    if (snapshot.length < HEADER) return undefined;
    const vm = await LuaVM.create(limits);
    // A snapshot from before the scratch area existed has that memory free.
    if (!scratchKept) vm.scratch = 0;
    const header = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
    const size = header.getUint32(4, true);
    const used = header.getUint32(8, true);
    if (header.getUint32(0, true) !== vm.L || snapshot.length !== HEADER + used) return undefined;
    const m = vm.wasm.module;
    // Grow the memory to the snapshot's size (a large allocation, released again).
    if (m.HEAPU8.length < size) {
      const grow = m._malloc(size - m.HEAPU8.length + 65536);
      if (grow) m._free(grow);
    }
    return vm.putBack(snapshot) ? vm : undefined;
  }

  /** Put back the memory of a snapshot (a borrowed VM given back, or a new VM restored). */
  putBack(snapshot: Uint8Array): boolean {
    const memory = this.wasm.module.HEAPU8;
    const header = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
    const size = header.getUint32(4, true);
    const used = header.getUint32(8, true);
    if (size > memory.length) return false;
    // Above this VM's break nothing was written: what lies there is zero already.
    const dirty = this.heapBreak();
    memory.set(snapshot.subarray(HEADER, HEADER + used));
    memory.fill(0, used, Math.max(used, dirty));
    return true;
  }

  /**
   * The heap's break: no byte above it was ever written (the whole memory
   * when the break is not known, or reads as something no break can be).
   */
  private heapBreak(): number {
    const memory = this.wasm.module.HEAPU8;
    if (this.breakAddress === undefined) return memory.length;
    const at = new DataView(memory.buffer).getUint32(this.breakAddress, true);
    // The scratch area came from the heap, so the break lies above it.
    return at > this.lenPtr && at <= memory.length ? at : memory.length;
  }

  /** Bytes of memory the VM holds. */
  get memorySize(): number {
    return this.wasm.module.HEAPU8.length;
  }

  close(): void {
    try {
      this.engine.global.close();
    } catch {
      // already gone
    }
  }
}
