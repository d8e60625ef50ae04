import { readFileSync } from 'node:fs';
import { libc } from '../native/libc.js';
import { loadObject } from '../object.js';
import { probeKernel } from '../probe/probe.js';
import { corpusObject, itIfKernel, kernelSkipReason } from '../testing/fixtures.js';
import { KernelAttachError } from '../errors.js';
import { attachKprobe } from './kprobe.js';
import { attachPerfEvent } from './perf-event.js';
import { attachUprobe } from './uprobe.js';

const skip = kernelSkipReason();
const kindSkip = (kind: 'perf_event' | 'uprobe' | 'kprobe') => {
  if (skip) return skip;
  const r = probeKernel({ helpers: false }).attach[kind];
  return r.ok ? undefined : `${kind} refused by this kernel (${r.reason})`;
};

function libcPath(): string {
  const line = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((l) => /\/libc\.so\.6$/.test(l))!;
  return line.slice(line.indexOf('/'));
}

describe('perf_event attach', () => {
  itIfKernel(kindSkip('perf_event'))('should sample on every CPU at a frequency', async () => {
    const obj = loadObject(corpusObject('kernel_sampling'), { name: 'kernel_sampling', programs: ['on_sample'] });
    try {
      const link = attachPerfEvent(obj.program('on_sample'), { frequency: 1000 });
      expect(link.links.length).toBeGreaterThan(0);
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // keep a CPU busy so cpu-clock samples fire
      }
      await new Promise((r) => setTimeout(r, 50));
      link.close();
      const v = Buffer.from(obj.map('samples').lookup(new Uint8Array(4))!);
      let samples = 0n;
      for (let off = 0; off < v.length; off += 8) samples += v.readBigUInt64LE(off);
      expect(samples).toBeGreaterThan(50n);
    } finally {
      obj.close();
    }
  });
});

describe('uprobe attach', () => {
  itIfKernel(kindSkip('uprobe'))('should count calls of a libc function by symbol', () => {
    const obj = loadObject(corpusObject('kernel_sampling'), { name: 'kernel_sampling', programs: ['on_uprobe'] });
    try {
      const link = attachUprobe(obj.program('on_uprobe'), { binary: libcPath(), symbol: 'getpid', pid: process.pid });
      for (let i = 0; i < 7; i++) libc().getpid();
      link.close();
      const hits = Buffer.from(obj.map('kernel_s.bss').lookup(new Uint8Array(4))!).readBigUInt64LE(0);
      expect(hits).toBeGreaterThanOrEqual(7n);
    } finally {
      obj.close();
    }
  });
});

describe('kprobe attach', () => {
  itIfKernel(kindSkip('kprobe'))('should attach a kprobe to a kernel function', () => {
    const obj = loadObject(corpusObject('kernel_sampling'), { name: 'kernel_sampling', programs: ['on_kprobe'] });
    try {
      attachKprobe(obj.program('on_kprobe'), 'do_sys_openat2').close();
    } finally {
      obj.close();
    }
  });

  itIfKernel(skip)('should fail with a typed error naming the function when kprobes are unavailable or the symbol is unknown', () => {
    const obj = loadObject(corpusObject('kernel_sampling'), { name: 'kernel_sampling', programs: ['on_kprobe'] });
    try {
      let error: unknown;
      try {
        attachKprobe(obj.program('on_kprobe'), 'no_such_kernel_function_bpfleet').close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KernelAttachError);
      expect((error as KernelAttachError).target).toBe('no_such_kernel_function_bpfleet');
    } finally {
      obj.close();
    }
  });
});
