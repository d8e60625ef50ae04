// Userspace eBPF VM: interpreter, WebAssembly JIT, maps, helpers
export * from './memory/index.js';
export * from './helpers/types.js';
