/**
 * The parts of the WebAssembly JavaScript API this node uses. TypeScript
 * declares them only in its DOM library, which a Node program should not
 * pull in.
 */
declare namespace WebAssembly {
  type ImportValue = ((...args: never[]) => unknown) | Memory | Table | Global;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  type Exports = Record<string, ((...args: never[]) => unknown) | Memory | Table | Global>;
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: 'function' | 'table' | 'memory' | 'global';
  }
  interface ModuleExportDescriptor {
    name: string;
    kind: 'function' | 'table' | 'memory' | 'global';
  }
  class Module {
    constructor(bytes: BufferSource);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(descriptor: {
      initial: number | bigint;
      maximum?: number | bigint;
      address?: 'i32' | 'i64';
    });
    readonly buffer: ArrayBuffer;
    /** Pages before growing: a Number for an i32 memory, a BigInt for an i64 one on Node 24. */
    grow(delta: number | bigint): number | bigint;
  }
  class Table {
    get(index: number): ((...args: unknown[]) => unknown) | null;
    readonly length: number;
  }
  class Global {
    value: unknown;
  }
  class RuntimeError extends Error {}
  class CompileError extends Error {}
  class LinkError extends Error {}
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  function validate(bytes: BufferSource): boolean;
}
