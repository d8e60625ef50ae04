// The `bpfleet` CLI, importable so tests run commands in-process.
export { main, buildProgram } from './main.js';
export type { CliIo } from './io.js';
