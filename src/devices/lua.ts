/**
 * `lua@5.3a` (HyperBEAM's dev_lua): a message `{device: lua@5.3a, module}`
 * loads Lua modules (`{content-type: application/lua, body}`, by ID or
 * inline; a list, or a map of them) and answers any key `K` by calling the
 * global Lua function `K` with `(base, req, {})` (or `function`/`parameters`
 * from the request or the base). A function returns a value, or a status and
 * a value; a table is the next message. Lua sees `ao.resolve`, `ao.set` and
 * `ao.event`. Keys the base holds are read, not called (`GET .../module`).
 *   init       load the modules (a process keeps its VM live, `<pid>/lua`)
 *   compute    in a process: the global `compute` on the process's live VM;
 *              the table it returns is the new state
 *   snapshot   `{body: <the VM's memory in use>}`; normalize restores it
 *   functions  the global functions' names, sorted
 * The VM is real Lua 5.4 (src/lua/vm.ts), deterministic, with an instruction
 * budget and a memory cap per call, and sandboxed by default (no io, no host
 * os, text-only load, require of loaded modules only); `sandbox: true` is
 * HyperBEAM's. Differences: a scheduled message cannot choose the function
 * a process runs; 0 or 3+ return values are a 500, not a crash.
 */
import { gunzipSync } from 'node:zlib';
import { isBinary, toBytes } from '../core/binary.ts';
import { HbError } from '../core/errors.ts';
import {
  Atom,
  isId,
  isMessage,
  type Message,
  privateOf,
  put,
  type Value,
  valueAt,
  valueEquals,
  withoutPrivate,
  withPrivate,
} from '../core/message.ts';
import type { Context } from '../engine/context.ts';
import { defineDevice, error, fail, ok, type Result } from '../engine/device.ts';
import { parseHyperpath } from '../engine/hyperpath.ts';
import { messageId } from '../engine/ids.ts';
import { resolveMany } from '../engine/resolver.ts';
import { set } from '../engine/set.ts';
import { limitsOf } from '../lua/live.ts';
import { type HostCall, LuaError, LuaVM, MissingFunction } from '../lua/vm.ts';

const LUA_TYPES = new Set(['application/lua', 'text/x-lua']);
const EXPORTED = ['init', 'snapshot', 'normalize', 'functions', 'info'];
// The VM's memory as it is (copied in a few ms, so the fold never waits on
// compressing it); earlier builds kept it gzipped, and those still restore.
const SNAPSHOT_FORMAT = 'wasmoon-1.16.0+raw';
const GZIPPED_FORMAT = 'wasmoon-1.16.0';

interface Module {
  name: string;
  source: Uint8Array;
}

const isModule = (msg: Message) =>
  typeof msg['content-type'] === 'string' && LUA_TYPES.has(msg['content-type'].toLowerCase());

/** The modules a base names, in order; a missing one is an HbError (404). */
async function modulesOf(base: Message, ctx: Context): Promise<Module[]> {
  const given = base.module;
  if (given === undefined)
    throw new HbError('no_modules', 'No Lua modules found: give `module`.', { status: 404 });
  const items: Value[] = Array.isArray(given)
    ? given
    : isMessage(given) && !isModule(given)
      ? Object.values(given)
      : [given];
  const modules: Module[] = [];
  for (const item of items) modules.push(await moduleOf(item, ctx));
  return modules;
}

async function moduleOf(item: Value, ctx: Context): Promise<Module> {
  if (typeof item === 'string' && isId(item)) {
    const found = await ctx.services.messages.readValue(item);
    if (found instanceof Uint8Array) return { name: item, source: found };
    if (isMessage(found)) return { ...(await moduleOf(found, ctx)), name: item };
    throw new HbError('module_not_found', `Lua module '${item}' not found.`, { status: 404 });
  }
  if (isMessage(item)) {
    const source = item.body ?? item.data;
    if (!isBinary(source)) {
      throw new HbError('module_not_loadable', 'Lua module not loadable: it has no body.', {
        status: 404,
      });
    }
    const name = typeof item.name === 'string' ? item.name : messageId(item);
    return { name, source: toBytes(source) };
  }
  throw new HbError('bad_module', 'A Lua module is an ID or a module message.', { status: 400 });
}

/** What Lua's host functions do, in this resolution's context. */
function hostFor(ctx: Context): HostCall {
  return async (name, args) => {
    try {
      if (name === 'set') {
        const [base, key, value] = args;
        const changes = isMessage(key) ? key : { [String(key)]: value ?? Atom.of('unset') };
        return [await set(isMessage(base) ? base : {}, changes as Message, ctx)];
      }
      const result = await resolveFromLua(args, ctx);
      return [result.status === 'ok' ? 'ok' : 'error', result.body];
    } catch (e) {
      if (!(e instanceof HbError)) throw e;
      return ['error', { status: e.status, body: e.message }];
    }
  };
}

/** `ao.resolve(msg)`: a singleton request; `ao.resolve(base, "a/b", ...)`: a list. */
function resolveFromLua(args: (Value | undefined)[], ctx: Context): Promise<Result> {
  const [first] = args;
  if (args.length === 1 && isMessage(first)) return resolveMany(parseHyperpath(first), ctx);
  const items = args.flatMap((arg): Message[] => {
    if (typeof arg === 'string')
      return arg
        .split('/')
        .filter(Boolean)
        .map((path) => ({ path }));
    return isMessage(arg) ? [arg] : [];
  });
  return resolveMany(items, ctx);
}

/** A VM with the base's modules loaded, sandboxed and given `ao`. */
async function build(base: Message, ctx: Context): Promise<LuaVM> {
  const modules = await modulesOf(base, ctx);
  const vm = await LuaVM.create(limitsOf(ctx));
  try {
    const host = hostFor(ctx);
    for (const module of modules) {
      try {
        await vm.load(module.source, module.name, host);
      } catch (e) {
        // A module that does not compile, fails or runs away while loading is the request's.
        if (!(e instanceof LuaError)) throw e;
        throw new HbError(
          'module_not_loadable',
          `The Lua module ${module.name} does not load: ${e.message}`,
          {
            status: 422,
          },
        );
      }
    }
    vm.sandbox(base.sandbox === true || base.sandbox === 'true');
    vm.installAo();
    return vm;
  } catch (e) {
    vm.close();
    throw e;
  }
}

/** A fresh VM for a message that is not a process (from a kept copy of its loaded state). */
function freshVm(base: Message, ctx: Context): Promise<LuaVM> {
  const key = JSON.stringify([valueAt(base, 'module'), base.sandbox ?? false], (_k, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
  return ctx.services.lua.fresh(key, limitsOf(ctx), () => build(base, ctx));
}

/** A Lua function's return values as a result (lua.md §2.5). */
function resultOf(values: (Value | undefined)[]): Result {
  if (values.length === 0 || values.length > 2) {
    return fail(
      500,
      `A Lua function returns a value, or a status and a value (this one returned ${values.length}).`,
    );
  }
  const value = values[values.length - 1] ?? Atom.of('nil');
  const status = values.length === 2 ? String(values[0]) : 'ok';
  if (status === 'ok') return ok(value);
  if (status === 'error') return error(value);
  return { status, body: value };
}

function luaFailure(e: unknown): Result {
  if (e instanceof MissingFunction) return fail(404, e.message);
  if (e instanceof LuaError) {
    return fail(500, e.message, e.trace === undefined ? {} : { trace: e.trace });
  }
  throw e;
}

const first = <T>(...values: (Value | undefined)[]): T | undefined =>
  values.find((v) => v !== undefined) as T | undefined;

/**
 * The state Lua returned, holding the base's own values where they came back
 * equal: a slot that changes only its results is then kept as only those.
 */
function unchangedFrom(base: Message, next: Message): Message {
  const out: Message = {};
  for (const [key, value] of Object.entries(next)) {
    const before = base[key];
    put(out, key, before !== undefined && valueEquals(before, value) ? before : value);
  }
  return out;
}

/** Any other key: a call of the Lua function of that name. */
async function call(key: string, base: Message, req: Message, ctx: Context): Promise<Result> {
  const live = ctx.services.lua.vmOf(base);
  const name = live
    ? key
    : (first<string>(valueAt(req, 'body/function'), req.function, base.function) ?? key);
  const given = live
    ? undefined
    : first<Value[]>(valueAt(req, 'body/parameters'), req.parameters, base.parameters);
  const params: (Value | undefined)[] = Array.isArray(given)
    ? given
    : [withoutPrivate(base), req, {}];
  const vm = live ?? (await freshVm(base, ctx));
  let values: (Value | undefined)[];
  try {
    values = await vm.call(name, params, hostFor(ctx));
  } catch (e) {
    return luaFailure(e);
  } finally {
    if (!live) vm.close();
  }
  const result = resultOf(values);
  // A process's state is the table its `compute` returns, its VM kept beside it.
  if (live && result.status === 'ok' && isMessage(result.body)) {
    return ok(withPrivate(unchangedFrom(base, result.body), privateOf(base)));
  }
  if (live && key === 'compute') {
    return fail(500, '`compute` must return the process state (a table).');
  }
  return result;
}

async function init(base: Message, ctx: Context): Promise<Result> {
  if (ctx.services.lua.vmOf(base)) return ok(base);
  if (!isMessage(base.process)) {
    (await freshVm(base, ctx)).close(); // loads (and keeps a copy), so errors show now
    return ok(base);
  }
  try {
    return ok(ctx.services.lua.keep(base, await build(base, ctx), ctx));
  } catch (e) {
    return luaFailure(e);
  }
}

async function normalize(base: Message, ctx: Context): Promise<Result> {
  if (ctx.services.lua.vmOf(base)) return ok(base);
  const deviceKey = typeof base['device-key'] === 'string' ? `/${base['device-key']}` : '';
  const kept = valueAt(base, `snapshot${deviceKey}/body`);
  if (!isBinary(kept)) return fail(404, 'No Lua state snapshot found.');
  const format = valueAt(base, `snapshot${deviceKey}/snapshot-format`);
  if (format !== SNAPSHOT_FORMAT && format !== GZIPPED_FORMAT) {
    return fail(422, `The Lua snapshot's format (${String(format)}) is not one this build reads.`);
  }
  let memory = toBytes(kept);
  try {
    if (format === GZIPPED_FORMAT) memory = gunzipSync(memory);
  } catch {
    return fail(422, 'The Lua snapshot is not gzip data, as its format says.');
  }
  const vm = await LuaVM.restore(memory, limitsOf(ctx), {
    scratchKept: format === SNAPSHOT_FORMAT,
  });
  if (!vm) return fail(422, 'The Lua snapshot was taken by another runtime build.');
  return ok(ctx.services.lua.keep(base, vm, ctx));
}

export const luaDevice = defineDevice({
  name: 'lua@5.3a',
  info: (base) => ({
    excludes: [
      'keys',
      'set',
      'encode',
      'decode',
      ...Object.keys(base).filter((k) => !EXPORTED.includes(k)),
    ],
    default: call,
  }),
  keys: {
    init: (base, _req, ctx) => init(base, ctx),
    normalize: (base, _req, ctx) => normalize(base, ctx),
    snapshot: async (base, _req, ctx) => {
      const vm = ctx.services.lua.vmOf(base);
      if (!vm) return fail(400, 'Cannot snapshot Lua state: state not initialized.');
      // Copied now (between calls): the VM goes on changing.
      return ok({ body: vm.snapshot(), 'snapshot-format': SNAPSHOT_FORMAT });
    },
    async functions(base, _req, ctx) {
      const live = ctx.services.lua.vmOf(base);
      const vm = live ?? (await freshVm(base, ctx));
      try {
        return ok(vm.functions());
      } finally {
        if (!live) vm.close();
      }
    },
  },
});
