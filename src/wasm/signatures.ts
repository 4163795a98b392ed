/**
 * Function signatures of a module's imports and exports, read from its type,
 * import, function and export sections. JavaScript's WebAssembly API does not
 * expose them, and the host needs them: an i64 crosses as a BigInt, so a stub
 * import must return `0n` where the module expects an i64, and arguments to an
 * export must be converted to match. Written as HyperBEAM writes them:
 * `(iIiI)i` (`i` i32, `I` i64, `f` f32, `F` f64).
 */
import { ByteCursor } from '../core/byte-cursor.ts';

export interface Signature {
  params: string;
  results: string;
}

export interface ModuleSignatures {
  imports: Map<string, Signature>; // "module.name"
  exports: Map<string, Signature>;
}

const VALUE_TYPES: Record<number, string> = { 127: 'i', 126: 'I', 125: 'f', 124: 'F' };

class Reader extends ByteCursor {
  constructor(bytes: Uint8Array) {
    super(bytes, () => {
      throw new RangeError('truncated WebAssembly module');
    });
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name(): string {
    return new TextDecoder().decode(this.take(this.u32(), 'a name'));
  }
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

function valueType(code: number): string {
  return VALUE_TYPES[code] ?? 'x';
}

/** Signatures of every imported and exported function. */
export function moduleSignatures(bytes: Uint8Array): ModuleSignatures {
  const types: Signature[] = [];
  const functions: number[] = []; // type index per function index (imports first)
  const imports = new Map<string, Signature>();
  const exports = new Map<string, Signature>();
  const r = new Reader(bytes);
  r.at = 8;
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        r.byte(); // 0x60: func
        let params = '';
        for (let p = r.u32(); p > 0; p--) params += valueType(r.byte());
        let results = '';
        for (let q = r.u32(); q > 0; q--) results += valueType(r.byte());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          const type = r.u32();
          functions.push(type);
          const sig = types[type];
          if (sig) imports.set(`${module}.${name}`, sig);
        } else if (kind === 1) {
          r.byte();
          r.skipLimits();
        } else if (kind === 2) {
          r.skipLimits();
        } else {
          r.byte();
          r.byte();
        }
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) functions.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        const sig = kind === 0 ? types[functions[index] ?? -1] : undefined;
        if (sig) exports.set(name, sig);
      }
    }
    r.at = end;
  }
  return { imports, exports };
}

/** `(iIiI)i`, as HyperBEAM names signatures. */
export const signatureText = (sig: Signature): string => `(${sig.params})${sig.results}`;

/** A number converted to the type a parameter or result expects. */
export function toWasmValue(type: string, value: number | bigint): number | bigint {
  if (type === 'I') return typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  return typeof value === 'bigint' ? Number(value) : value;
}
