// Userspace eBPF VM: interpreter, WebAssembly JIT, maps, helpers
export {};
