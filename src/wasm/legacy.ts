/**
 * A small synchronous host for legacy AOS modules, the two ao-loader formats
 * `wasm64-unknown-emscripten-draft_2024_02_15` (memory64: pointers are BigInt)
 * and `wasm32-unknown-emscripten4` (pointers are Numbers and i64 values are
 * legalized into i32 pairs). It provides the emscripten runtime those modules
 * import, on plain WebAssembly: no ao-loader, no globals touched, no Node APIs,
 * so it runs in a worker thread.
 *
 * There is no file system (opening anything fails with ENOENT, creating with
 * EROFS), no environment, no WeaveDrive (opening a drive file returns 0, as
 * ao-loader does without one), time is UTC and every clock reads the `now`
 * given to `handle`. stdout and stderr are captured in `output`.
 */
import { restoreMemory, WasmLimitError } from './instance.ts';
import { strftime, type Tm, timegm, utcFields } from './strftime.ts';

export type LegacyBits = 32 | 64;
type Ptr = number | bigint;

export interface LegacyOptions {
  /** Bytes linear memory may grow to; growth past it fails as an OOM (resize_heap returns 0). */
  memoryLimit?: number;
  /** Bytes of `handle`'s two strings placed on the stack (default: half the stack); more go to the heap. */
  maxStackStrings?: number;
}

interface LegacyExports {
  memory: WebAssembly.Memory;
  __indirect_function_table: WebAssembly.Table;
  __wasm_call_ctors(): void;
  emscripten_stack_init(): void;
  emscripten_stack_get_current(): Ptr;
  _emscripten_stack_restore(sp: Ptr): void;
  _emscripten_stack_alloc(size: Ptr): Ptr;
  emscripten_stack_get_base(): Ptr;
  emscripten_stack_get_end(): Ptr;
  setThrew(threw: Ptr, value: number): void;
  malloc(size: Ptr): Ptr;
  free(ptr: Ptr): void;
  handle(msg: Ptr, env: Ptr): Ptr;
  _emscripten_tempret_set?(high: number): void;
}

const REQUIRED = [
  'memory',
  '__indirect_function_table',
  '__wasm_call_ctors',
  'emscripten_stack_init',
  'emscripten_stack_get_current',
  '_emscripten_stack_restore',
  '_emscripten_stack_alloc',
  'emscripten_stack_get_base',
  'emscripten_stack_get_end',
  'setThrew',
  'malloc',
  'free',
  'handle',
];

/**
 * 64 or 32 when the module has the emscripten legacy AOS shape, else undefined
 * (HyperBEAM's `wasm-64@1.0` AOS has neither `free` nor `__wasm_call_ctors`).
 * The width is read from the names: memory64 builds take pointers as i64, so
 * their invoke/dynCall signatures have a `j` first parameter, and only
 * legalized wasm32 builds export `_emscripten_tempret_set`.
 */
export function legacyBits(module: WebAssembly.Module): LegacyBits | undefined {
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (!REQUIRED.every((name) => exports.has(name))) return undefined;
  const names = [...exports, ...WebAssembly.Module.imports(module).map((i) => i.name)];
  const wide = names.some((n) => /^(invoke|dynCall)_[a-z]j/.test(n));
  return wide && !exports.has('_emscripten_tempret_set') ? 64 : 32;
}

/** Thrown by `_emscripten_throw_longjmp`, caught by the `invoke_*` that holds the setjmp. */
const LONGJMP = Symbol('longjmp');

// errno values as emscripten numbers them (WASI's).
const EBADF = 8;
const EINVAL = 28;
const ENOENT = 44;
const ENOSYS = 52;
const EROFS = 69;
const ESPIPE = 70;
const O_CREAT = 64;
const TTY_OPS = [21505, 21506, 21507, 21508, 21509, 21510, 21511, 21512, 21515, 21524];

const PAGE = 65536;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class LegacyInstance {
  readonly bits: LegacyBits;
  readonly memory: WebAssembly.Memory;
  /** What the module wrote to stdout and stderr during the last `handle`. */
  output = '';
  private readonly ex: LegacyExports;
  private readonly memoryLimit: number;
  private now = 0;
  /** Bytes of strings `handle` puts on the stack (by default half of it: the rest is Lua's). */
  private readonly stackRoom: number;
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));

  private constructor(module: WebAssembly.Module, bits: LegacyBits, options: LegacyOptions) {
    this.bits = bits;
    this.memoryLimit = options.memoryLimit ?? Number.POSITIVE_INFINITY;
    const imports: Record<string, WebAssembly.ModuleImports> = {};
    const runtime = this.runtime();
    for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
      if (kind !== 'function') continue;
      const fn = name.startsWith('invoke_') ? this.invoke(name.slice(7)) : runtime[name];
      if (!fn) throw new Error(`legacy module imports ${mod}.${name}, which this host lacks`);
      imports[mod] = { ...imports[mod], [name]: fn };
    }
    const instance = new WebAssembly.Instance(module, imports);
    this.ex = instance.exports as unknown as LegacyExports;
    this.memory = this.ex.memory;
    if ((typeof this.ex.emscripten_stack_get_current() === 'bigint') !== (bits === 64)) {
      throw new Error(`the module is not a ${bits}-bit legacy module`);
    }
    this.ex.emscripten_stack_init();
    const { emscripten_stack_get_base: base, emscripten_stack_get_end: end } = this.ex;
    this.stackRoom = options.maxStackStrings ?? (Number(base()) - Number(end())) / 2;
    this.ex.__wasm_call_ctors(); // libc and static init; AOS builds its Lua state on the first handle
  }

  static create(module: WebAssembly.Module, options: LegacyOptions = {}): LegacyInstance {
    const bits = legacyBits(module);
    if (bits === undefined) throw new Error('not a legacy AOS module');
    return new LegacyInstance(module, bits, options);
  }

  /**
   * `handle(msg, env)` as ao-loader's `cwrap('handle', 'string', ['string', 'string'])`.
   * Like cwrap it puts both strings on the (64 MiB) stack: Lua's string-hash seed
   * mixes in a stack address (and `time()`), so the same placement keeps table
   * order, hence `pairs` and JSON key order, as the legacy CU had it. Strings too
   * big for the stack go to the heap (malloc, freed after). After a throw (trap,
   * exit, abort) the module's state is undefined: restore a snapshot.
   */
  handle(msg: string, env: string, now: number): string {
    const ex = this.ex;
    this.now = now;
    this.output = '';
    const sp = ex.emscripten_stack_get_current();
    const msgBytes = encoder.encode(msg);
    const envBytes = encoder.encode(env);
    const onStack = msgBytes.length + envBytes.length + 32 <= this.stackRoom;
    const msgPtr = this.place(msgBytes, onStack);
    const envPtr = this.place(envBytes, onStack);
    try {
      const result = this.readString(Number(ex.handle(msgPtr, envPtr)));
      ex._emscripten_stack_restore(sp);
      if (!onStack) {
        ex.free(msgPtr);
        ex.free(envPtr);
      }
      return result;
    } catch (error) {
      ex._emscripten_stack_restore(sp); // heap strings stay: the heap may be mid-update
      throw error;
    }
  }

  /** Replace linear memory with a snapshot (growing it first, clearing any rest). */
  restore(bytes: Uint8Array): void {
    restoreMemory(this.memory, bytes);
  }

  private heap(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer) {
      this.u8 = new Uint8Array(this.memory.buffer); // growth detaches the old buffer
      this.dv = new DataView(this.memory.buffer);
    }
    return this.u8;
  }

  private view(): DataView {
    this.heap();
    return this.dv;
  }

  /** Copy a NUL-terminated string onto the stack or into a malloc'd block. */
  private place(bytes: Uint8Array, onStack: boolean): Ptr {
    const size = this.bits === 64 ? BigInt(bytes.length + 1) : bytes.length + 1;
    const ptr = onStack ? this.ex._emscripten_stack_alloc(size) : this.ex.malloc(size);
    if (!ptr) throw new WasmLimitError('memory', `legacy module: malloc(${size}) failed`);
    const heap = this.heap();
    heap.set(bytes, Number(ptr));
    heap[Number(ptr) + bytes.length] = 0;
    return ptr;
  }

  private readString(ptr: number): string {
    if (!ptr) throw new Error('legacy module returned NULL');
    const heap = this.heap();
    const end = heap.indexOf(0, ptr);
    return decoder.decode(heap.subarray(ptr, end < 0 ? heap.length : end));
  }

  /** Read a size_t / pointer. */
  private getPtr(at: number): number {
    const v = this.view();
    return this.bits === 64 ? Number(v.getBigUint64(at, true)) : v.getUint32(at, true);
  }

  private setPtr(at: number, value: number): void {
    const v = this.view();
    if (this.bits === 64) v.setBigUint64(at, BigInt(value), true);
    else v.setUint32(at, value, true);
  }

  /**
   * `struct tm`: nine ints, then `long tm_gmtoff` and `const char *tm_zone`
   * (aligned). The zone is read only for strftime: mktime's callers leave it unset.
   */
  private readTm(at: number, withZone = false): Tm {
    const v = this.view();
    const int = (i: number) => v.getInt32(at + i * 4, true);
    const wide = this.bits === 64;
    const zone = !withZone
      ? 0
      : wide
        ? Number(v.getBigUint64(at + 48, true))
        : v.getUint32(at + 40, true);
    return {
      ...{ sec: int(0), min: int(1), hour: int(2), mday: int(3), mon: int(4), year: int(5) },
      ...{ wday: int(6), yday: int(7), isdst: int(8) },
      gmtoff: wide ? Number(v.getBigInt64(at + 40, true)) : v.getInt32(at + 36, true),
      zone: zone ? this.readString(zone) : '',
    };
  }

  /** Fill the int fields of a `struct tm`; `local` also clears isdst and gmtoff (UTC). */
  private writeTm(at: number, tm: Tm, local: boolean): void {
    const v = this.view();
    const ints = [tm.sec, tm.min, tm.hour, tm.mday, tm.mon, tm.year, tm.wday, tm.yday];
    for (const [i, n] of ints.entries()) v.setInt32(at + i * 4, n, true);
    if (!local) return;
    v.setInt32(at + 32, 0, true);
    if (this.bits === 64) v.setBigInt64(at + 40, 0n, true);
    else v.setInt32(at + 36, 0, true);
  }

  /**
   * `invoke_<sig>(index, ...args)`: emscripten's setjmp/longjmp emulation. Calls
   * table function `index`; a longjmp unwinds to here as LONGJMP, and the caller
   * learns of it through `setThrew(1, 0)` after the stack pointer is put back.
   */
  private invoke(sig: string): (index: Ptr, ...args: Ptr[]) => Ptr | undefined {
    const failed = sig[0] === 'j' ? 0n : sig[0] === 'v' ? undefined : 0;
    return (index, ...args) => {
      const ex = this.ex;
      const sp = ex.emscripten_stack_get_current();
      try {
        const fn = ex.__indirect_function_table.get(Number(index)) as (...a: Ptr[]) => Ptr;
        return fn(...args);
      } catch (e) {
        ex._emscripten_stack_restore(sp);
        if (e !== LONGJMP) throw e;
        ex.setThrew(this.bits === 64 ? 1n : 1, 0);
        return failed;
      }
    };
  }

  /** Every other import, by name (the same names in both widths). */
  private runtime(): Record<string, (...args: Ptr[]) => Ptr | undefined> {
    const wide = this.bits === 64;
    const n = Number;
    /** An i64 argument: one BigInt when wide, a (low, high) i32 pair when legalized. */
    const time = (a: Ptr[]) =>
      wide ? [n(a[0]), n(a[1])] : [n(a[1]) * 2 ** 32 + (n(a[0]) >>> 0), n(a[2])];
    const std = (fd: Ptr) => n(fd) >= 0 && n(fd) <= 2; // stdin/stdout/stderr, ttys as in ao-loader
    return {
      _emscripten_throw_longjmp: () => {
        throw LONGJMP;
      },
      emscripten_resize_heap: (requested) =>
        this.resizeHeap(wide ? n(requested) : n(requested) >>> 0),
      _emscripten_memcpy_js: (dest, src, count) => {
        this.heap().copyWithin(n(dest), n(src), n(src) + n(count));
        return undefined;
      },
      emscripten_date_now: () => this.now,
      _emscripten_get_now_is_monotonic: () => 1,
      _tzset_js: (timezone, daylight, stdName, dstName) => {
        this.setPtr(n(timezone), 0); // long timezone: seconds west of UTC
        this.view().setInt32(n(daylight), 0, true);
        this.heap().set(encoder.encode('UTC\0'), n(stdName));
        this.heap().set(encoder.encode('UTC\0'), n(dstName));
        return undefined;
      },
      _gmtime_js: (...a) => {
        const [t = 0, tm = 0] = time(a);
        this.writeTm(tm, utcFields(t), false); // the C side sets isdst, gmtoff and zone
        return undefined;
      },
      _localtime_js: (...a) => {
        const [t = 0, tm = 0] = time(a);
        this.writeTm(tm, utcFields(t), true);
        return undefined;
      },
      _mktime_js: (tmPtr) => {
        const at = n(tmPtr);
        const tm = this.readTm(at);
        const t = timegm(tm);
        this.writeTm(at, utcFields(t), false);
        if (tm.isdst < 0) this.view().setInt32(at + 32, 0, true);
        if (wide) return BigInt(t);
        this.ex._emscripten_tempret_set?.(Math.floor(t / 2 ** 32)); // legalized i64: high half
        return t | 0;
      },
      strftime: (s, maxsize, format, tm) => {
        const text = strftime(this.readString(n(format)), this.readTm(n(tm), true));
        const bytes = encoder.encode(`${text}\0`);
        let written = 0;
        if (bytes.length <= n(maxsize)) {
          this.heap().set(bytes, n(s));
          written = bytes.length - 1;
        }
        return wide ? BigInt(written) : written;
      },
      fd_write: (fd, iov, iovcnt, pnum) => {
        if (!std(fd)) return EBADF;
        const heap = this.heap();
        let total = 0;
        for (let i = 0; i < n(iovcnt); i++) {
          const at = n(iov) + i * (wide ? 16 : 8);
          const ptr = this.getPtr(at);
          const len = this.getPtr(at + (wide ? 8 : 4));
          if (n(fd) > 0) this.output += decoder.decode(heap.subarray(ptr, ptr + len));
          total += len;
        }
        this.setPtr(n(pnum), total);
        return 0;
      },
      fd_read: (fd, _iov, _iovcnt, pnum) => {
        if (!std(fd)) return EBADF;
        this.setPtr(n(pnum), 0); // end of input
        return 0;
      },
      fd_seek: (fd) => (std(fd) ? ESPIPE : EBADF),
      fd_close: (fd) => (std(fd) ? 0 : EBADF),
      __syscall_fcntl64: (fd, cmd) => {
        if (!std(fd)) return -EBADF;
        if (n(cmd) === 3) return n(fd) === 0 ? 0 : 1; // F_GETFL: O_RDONLY / O_WRONLY
        return [1, 2, 4, 6, 7].includes(n(cmd)) ? 0 : -EINVAL;
      },
      __syscall_ioctl: (fd, op, varargs) => {
        if (!std(fd)) return -EBADF;
        if (n(op) === 21523) {
          // TIOCGWINSZ: musl line-buffers a stream that answers it, as on a terminal
          const at = this.getPtr(n(varargs));
          this.view().setInt16(at, 24, true);
          this.view().setInt16(at + 2, 80, true);
          return 0;
        }
        // other terminal requests (TCGETS, TCSETS*, TCFLSH...) succeed doing nothing
        return TTY_OPS.includes(n(op)) ? 0 : -EINVAL;
      },
      __syscall_openat: (_dirfd, _path, flags) => (n(flags) & O_CREAT ? -EROFS : -ENOENT),
      __syscall_dup3: (fd) => (std(fd) ? -EINVAL : -EBADF),
      __syscall_unlinkat: () => -ENOENT,
      __syscall_rmdir: () => -ENOENT,
      __syscall_renameat: () => -ENOENT,
      __syscall_readlinkat: () => -ENOENT,
      _emscripten_system: (command) => (n(command) ? -ENOSYS : 0), // system(NULL): no shell
      environ_sizes_get: (count, size) => {
        this.setPtr(n(count), 0);
        this.setPtr(n(size), 0);
        return 0;
      },
      environ_get: () => 0,
      __asyncjs__weavedrive_open: () => 0,
      __asyncjs__weavedrive_read: () => 0,
      __asyncjs__weavedrive_close: () => 0,
      metering_gasUsed: () => 0,
      exit: (code) => {
        throw new Error(`the legacy module called exit(${n(code)})`);
      },
      _abort_js: () => {
        throw new Error('the legacy module called abort()');
      },
    };
  }

  /** emscripten's policy: overgrow by 20% (then 10%, 5%), at most 96 MiB past the request, 64 KiB pages. */
  private resizeHeap(requested: number): number {
    const old = this.memory.buffer.byteLength;
    const cap = this.bits === 64 ? 2 ** 34 : 4294901760;
    const max = Math.floor(Math.min(cap, this.memoryLimit) / PAGE) * PAGE;
    if (requested > max) return 0;
    for (let cutDown = 1; cutDown <= 4; cutDown *= 2) {
      const over = Math.min(old * (1 + 0.2 / cutDown), requested + 100663296);
      const size = Math.min(max, Math.ceil(Math.max(requested, over) / PAGE) * PAGE);
      try {
        const pages = (size - old) / PAGE;
        if (this.bits === 64) (this.memory.grow as (delta: bigint) => bigint)(BigInt(pages));
        else this.memory.grow(pages);
        return 1;
      } catch {
        // past the module's maximum: try a smaller overgrowth
      }
    }
    return 0;
  }
}
