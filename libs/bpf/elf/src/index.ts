// ELF object loader producing a loader-neutral BpfObject.
export * from './object.js';
