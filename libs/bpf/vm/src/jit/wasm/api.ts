/**
 * The slice of the JavaScript WebAssembly API the JIT uses, typed here because the project's
 * TypeScript libs (es2023 + node) do not declare the `WebAssembly` global.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export type WasmImportValue = WasmMemory | WasmGlobal | ((...args: never[]) => unknown);
export type WasmImports = Record<string, Record<string, WasmImportValue>>;

export interface WasmGlobal {
  value: number | bigint;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmModule {
  readonly __brand?: 'WasmModule';
}

interface WasmNamespace {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Global: new (descriptor: { value: 'i32' | 'i64'; mutable: boolean }, value: number | bigint) => WasmGlobal;
}

/** The host's WebAssembly API (Node 20 always has it). */
export const Wasm: WasmNamespace = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
