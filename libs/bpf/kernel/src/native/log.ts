import { koffi } from './koffi.js';
import { libbpf } from './libbpf.js';
import { libc } from './libc.js';
import { printFn } from './structs.js';

/** libbpf's print levels. */
const LIBBPF_WARN = 0;
const LIBBPF_DEBUG = 2;

const FORMAT_BUFFER = Buffer.alloc(64 * 1024);
const captures: string[][] = [];
let installed = false;
let debug = false;

/**
 * Routes libbpf's messages into JS. libbpf prints through one global callback; messages are collected
 * into the innermost active capture (calls are synchronous, so a stack is enough) and otherwise dropped.
 */
function install(): void {
  if (installed) return;
  const lib = libbpf();
  const c = libc();
  const callback = koffi.register((level: number, fmt: string, args: unknown) => {
    if (level === LIBBPF_DEBUG && !debug) return 0;
    const top = captures[captures.length - 1];
    if (!top && level !== LIBBPF_WARN) return 0;
    const n = c.vsnprintf(FORMAT_BUFFER, FORMAT_BUFFER.length, fmt, args);
    const text = FORMAT_BUFFER.toString('utf8', 0, Math.max(0, Math.min(n, FORMAT_BUFFER.length - 1)));
    if (top) top.push(text);
    return 0;
  }, koffi.pointer(printFn));
  lib.libbpf_set_print(callback);
  installed = true;
}

/** Includes libbpf's debug-level messages in captures (verbose diagnostics). */
export function setLibbpfDebug(on: boolean): void {
  debug = on;
}

/** Runs `fn` and returns what libbpf printed meanwhile (warnings and info). */
export function captureLibbpfLog<T>(fn: () => T): { result: T; log: string } {
  install();
  const lines: string[] = [];
  captures.push(lines);
  try {
    const result = fn();
    return { result, log: lines.join('') };
  } finally {
    captures.pop();
  }
}

/** Like captureLibbpfLog, but hands the log to `onError` when `fn` throws. */
export function withLibbpfLog<T>(fn: (log: () => string) => T): T {
  install();
  const lines: string[] = [];
  captures.push(lines);
  try {
    return fn(() => lines.join(''));
  } finally {
    captures.pop();
  }
}
