/**
 * wasmoon's Lua module with the WebAssembly exports themselves beside it.
 * wasmoon calls each C function through a wrapper that, per call, checks the
 * runtime started and builds that check's error text: the conversions between
 * messages and tables make thousands of such calls per slot, so they call the
 * exports directly. wasmoon keeps its exports to itself; they are caught as it
 * instantiates the module (one module at a time), and used only if their
 * memory is the module's own.
 */
import { LuaFactory, type LuaWasm } from 'wasmoon';

export type Exports = Record<string, unknown>;

// Modules are made one at a time: each must restore the `WebAssembly.instantiate` it found.
let making: Promise<unknown> = Promise.resolve();

/** A new Lua module and its exports (undefined: not caught; wasmoon's wrappers then serve). */
export function luaModule(): Promise<{ wasm: LuaWasm; exports: Exports | undefined }> {
  const made = making.catch(() => undefined).then(catchExports);
  making = made;
  return made;
}

async function catchExports(): Promise<{ wasm: LuaWasm; exports: Exports | undefined }> {
  const instantiate = WebAssembly.instantiate;
  const seen: WebAssembly.Instance[] = [];
  const catching = async (...args: Parameters<typeof WebAssembly.instantiate>) => {
    const made = (await Reflect.apply(instantiate, WebAssembly, args)) as
      | { instance: WebAssembly.Instance }
      | WebAssembly.Instance;
    seen.push(made instanceof WebAssembly.Instance ? made : made.instance);
    return made;
  };
  WebAssembly.instantiate = catching as typeof WebAssembly.instantiate;
  let wasm: LuaWasm;
  try {
    wasm = await new LuaFactory().getLuaModule();
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  const buffer = wasm.module.HEAPU8.buffer;
  const own = seen.find((i) => (i.exports.memory as WebAssembly.Memory)?.buffer === buffer);
  return { wasm, exports: own?.exports as Exports | undefined };
}
