// A small WebAssembly binary emitter: just what the eBPF JIT needs, with no dependencies.
export * from './bytes.js';
export * from './code.js';
export * from './module.js';
export * from './opcodes.js';
