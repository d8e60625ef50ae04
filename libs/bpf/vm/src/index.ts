// Userspace eBPF VM: interpreter, WebAssembly JIT, maps, helpers
export * from './memory/index.js';
export * from './helpers/types.js';
export { HELPER_NAMES } from './helpers/generated/helper-ids.js';
export { buildHelperTable } from './helpers/table.js';
export type { HelperRuntime } from './helpers/runtime.js';
export * from './maps/index.js';
export { DecodedProgram, REG_SLOTS, type DecodeOptions, type MapLinker } from './interpreter/program.js';
export { Interpreter, DEFAULT_INSN_BUDGET, type InterpretOptions, type InterpretResult } from './interpreter/interpreter.js';
export { RunContext, type FunctionInvoker } from './interpreter/run-context.js';
export * from './conformance/conformance.js';
export { defaultEnv } from './runner/env.js';
export { BpfVm, type VmOptions, type TestRunInput, type TestRunOutput } from './runner/vm.js';
export { TestRunError } from './runner/errors.js';
export { interpreterEngine, jitEngine, type Engine, type EngineFactory, type EngineRunOptions } from './runner/engine.js';
export { dumpMaps, toHex } from './runner/dump.js';
export { PacketState } from './runner/packet.js';
export * from './context/layouts.js';
export { JitEngine, type JitEngineOptions } from './jit/engine.js';
