import { ByteWriter } from './bytes.js';
import { CodeWriter } from './code.js';
import { Op, type ValType } from './opcodes.js';

/** A function signature. */
export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

const SECTION = { TYPE: 1, IMPORT: 2, FUNCTION: 3, GLOBAL: 6, EXPORT: 7, CODE: 10 } as const;
const EXTERN = { FUNC: 0, MEMORY: 2, GLOBAL: 3 } as const;

interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: number;
  /** func: type index; memory: minimum pages; global: value type. */
  readonly desc: number;
  readonly mutable?: boolean;
}

interface GlobalEntry {
  readonly type: ValType;
  readonly mutable: boolean;
  readonly init: bigint | number;
}

interface FunctionEntry {
  readonly typeIndex: number;
  readonly code: CodeWriter;
}

/**
 * Builds a WebAssembly module in the binary format: types (deduplicated), imports (functions, a
 * memory, globals), module-defined globals and functions, exports. Function indices count
 * imports first, as the spec does, so all imports must be added before the first function.
 */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly typeKeys = new Map<string, number>();
  private readonly imports: ImportEntry[] = [];
  private readonly globals: GlobalEntry[] = [];
  private readonly functions: FunctionEntry[] = [];
  private readonly exports: Array<{ name: string; kind: number; index: number }> = [];
  private importedFuncs = 0;
  private importedGlobals = 0;

  typeIndex(type: FuncType): number {
    const key = `${type.params.join(',')}>${type.results.join(',')}`;
    let index = this.typeKeys.get(key);
    if (index === undefined) {
      index = this.types.length;
      this.types.push(type);
      this.typeKeys.set(key, index);
    }
    return index;
  }

  private checkImportOrder(): void {
    if (this.functions.length > 0) throw new Error('wasm module builder: imports must precede functions');
  }

  /** Imports a function; returns its function index. */
  importFunction(module: string, name: string, type: FuncType): number {
    this.checkImportOrder();
    this.imports.push({ module, name, kind: EXTERN.FUNC, desc: this.typeIndex(type) });
    return this.importedFuncs++;
  }

  /** Imports a linear memory (index 0) with at least `minPages` pages and no maximum. */
  importMemory(module: string, name: string, minPages: number): void {
    this.checkImportOrder();
    this.imports.push({ module, name, kind: EXTERN.MEMORY, desc: minPages });
  }

  /** Imports a global; returns its global index. */
  importGlobal(module: string, name: string, type: ValType, mutable: boolean): number {
    if (this.globals.length > 0) throw new Error('wasm module builder: global imports must precede globals');
    this.imports.push({ module, name, kind: EXTERN.GLOBAL, desc: type, mutable });
    return this.importedGlobals++;
  }

  /** Defines a global with a constant initial value; returns its global index. */
  addGlobal(type: ValType, mutable: boolean, init: bigint | number): number {
    this.globals.push({ type, mutable, init });
    return this.importedGlobals + this.globals.length - 1;
  }

  /** Defines a function; returns its index and the writer for its body. */
  addFunction(type: FuncType): { index: number; code: CodeWriter } {
    const code = new CodeWriter(type.params.length);
    this.functions.push({ typeIndex: this.typeIndex(type), code });
    return { index: this.importedFuncs + this.functions.length - 1, code };
  }

  exportFunction(name: string, index: number): void {
    this.exports.push({ name, kind: EXTERN.FUNC, index });
  }

  exportGlobal(name: string, index: number): void {
    this.exports.push({ name, kind: EXTERN.GLOBAL, index });
  }

  /** Encodes the whole module. */
  encode(): Uint8Array {
    const out = new ByteWriter(4096);
    out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));

    const section = (id: number, fill: (w: ByteWriter) => void): void => {
      const body = new ByteWriter();
      fill(body);
      out.byte(id).u32(body.length).bytes(body.view());
    };

    if (this.types.length > 0) {
      section(SECTION.TYPE, (w) => {
        w.u32(this.types.length);
        for (const t of this.types) {
          w.byte(0x60).u32(t.params.length);
          for (const p of t.params) w.byte(p);
          w.u32(t.results.length);
          for (const r of t.results) w.byte(r);
        }
      });
    }
    if (this.imports.length > 0) {
      section(SECTION.IMPORT, (w) => {
        w.u32(this.imports.length);
        for (const imp of this.imports) {
          w.name(imp.module).name(imp.name).byte(imp.kind);
          if (imp.kind === EXTERN.FUNC) w.u32(imp.desc);
          else if (imp.kind === EXTERN.MEMORY) w.byte(0x00).u32(imp.desc);
          else w.byte(imp.desc).byte(imp.mutable ? 1 : 0);
        }
      });
    }
    if (this.functions.length > 0) {
      section(SECTION.FUNCTION, (w) => {
        w.u32(this.functions.length);
        for (const f of this.functions) w.u32(f.typeIndex);
      });
    }
    if (this.globals.length > 0) {
      section(SECTION.GLOBAL, (w) => {
        w.u32(this.globals.length);
        for (const g of this.globals) {
          w.byte(g.type).byte(g.mutable ? 1 : 0);
          if (g.type === 0x7e) w.byte(Op.I64_CONST).s64(BigInt(g.init));
          else w.byte(Op.I32_CONST).s32(Number(g.init));
          w.byte(Op.END);
        }
      });
    }
    if (this.exports.length > 0) {
      section(SECTION.EXPORT, (w) => {
        w.u32(this.exports.length);
        for (const e of this.exports) w.name(e.name).byte(e.kind).u32(e.index);
      });
    }
    if (this.functions.length > 0) {
      section(SECTION.CODE, (w) => {
        w.u32(this.functions.length);
        for (const f of this.functions) {
          const body = f.code.encodeBody();
          w.u32(body.length).bytes(body);
        }
      });
    }
    return out.view().slice();
  }
}
