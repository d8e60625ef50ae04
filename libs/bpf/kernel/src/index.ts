// libbpf binding: probe, load, attach, maps, test run
export * from './errors.js';
export { loadObject, KernelObject, type LoadOptions } from './object.js';
export { KernelProgram } from './program.js';
export { KernelMap, UpdateFlags, type MapEntry, type MapDescription } from './map.js';
export { isPerCpu, isReadable, splitPerCpu, type MapInfo, type ProgramInfo } from './map-info.js';
export { testRunFd, type TestRunOptions, type TestRunResult } from './test-run.js';
export type { Link } from './link.js';
export { possibleCpus } from './cpus.js';
export { toHex, fromHex } from './hex.js';
