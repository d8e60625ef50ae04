// The WebAssembly JIT: same interface and semantics as the interpreter (`run(program, ctx, options)`).
export { JitEngine, type JitEngineOptions, type JitProgram, type JitRunOptions } from './engine.js';
export { compileToWasm, type CompileOptions, type CompiledModule, type Lowering, type MapLookupPlan } from './compiler.js';
export { jitConformanceEngine } from './conformance-engine.js';
