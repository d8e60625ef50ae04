/**
 * Type declarations for the WebAssembly JS API (Node provides it at run time; TypeScript only
 * declares it in the DOM libs, which this project does not load). The subset the VM and the JIT use.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    type ImportValue = ((...args: never[]) => unknown) | Memory | Global | Table | number | bigint;
    type Imports = Record<string, Record<string, ImportValue>>;
    type Exports = Record<string, unknown>;
    interface GlobalDescriptor {
      value: 'i32' | 'i64' | 'f32' | 'f64';
      mutable?: boolean;
    }
    class Global {
      constructor(descriptor: GlobalDescriptor, value?: number | bigint);
      value: number | bigint;
    }
    interface TableDescriptor {
      element: 'anyfunc' | 'externref';
      initial: number;
      maximum?: number;
    }
    class Table {
      constructor(descriptor: TableDescriptor);
      readonly length: number;
      get(index: number): unknown;
      set(index: number, value: unknown): void;
    }
    class Module {
      constructor(bytes: BufferSource);
    }
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Exports;
    }
    type BufferSource = ArrayBufferView | ArrayBuffer;
    class CompileError extends Error {}
    class LinkError extends Error {}
    class RuntimeError extends Error {}
    function validate(bytes: BufferSource): boolean;
    function compile(bytes: BufferSource): Promise<Module>;
    function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  }
}

export {};
