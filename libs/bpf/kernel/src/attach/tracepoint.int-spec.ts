import { openSync, closeSync } from 'node:fs';
import { loadObject } from '../object.js';
import { probeKernel } from '../probe/probe.js';
import { corpusObject, itIfKernel, kernelSkipReason } from '../testing/fixtures.js';
import { attachBySection, attachRawTracepoint, attachTracepoint, attachTracing } from './tracepoint.js';

const skip = kernelSkipReason();
const attachSkip = (kind: 'tracepoint' | 'raw_tracepoint' | 'tp_btf') => {
  if (skip) return skip;
  const r = probeKernel({ helpers: false }).attach[kind];
  return r.ok ? undefined : `${kind} refused by this kernel (${r.reason})`;
};

function opensBy(obj: ReturnType<typeof loadObject>, pid: number): bigint {
  let total = 0n;
  for (const { key, value } of obj.map('opens').iterate()) {
    if (Buffer.from(key).readUInt32LE(0) === pid) total += Buffer.from(value).readBigUInt64LE(0);
  }
  return total;
}

describe('tracepoint attach', () => {
  itIfKernel(attachSkip('tracepoint'))('should count the openat calls this process makes', () => {
    const obj = loadObject(corpusObject('kernel_openat'), { name: 'kernel_openat' });
    const link = attachTracepoint(obj.program('count_openat'), 'syscalls/sys_enter_openat');
    try {
      const before = opensBy(obj, process.pid);
      for (let i = 0; i < 25; i++) closeSync(openSync('/proc/self/stat', 'r'));
      const after = opensBy(obj, process.pid);
      expect(after - before).toBeGreaterThanOrEqual(25n);
      const key = [...obj.map('opens').keys()].find((k) => Buffer.from(k).readUInt32LE(0) === process.pid)!;
      expect(Buffer.from(key.subarray(4)).toString('latin1')).toMatch(/^(node|jest|MainThread)/);
    } finally {
      link.close();
      obj.close();
    }
  });

  itIfKernel(attachSkip('tracepoint'))('should stop counting once detached', () => {
    const obj = loadObject(corpusObject('kernel_openat'), { name: 'kernel_openat' });
    try {
      const link = attachBySection(obj.program('count_openat'));
      closeSync(openSync('/proc/self/stat', 'r'));
      link.close();
      const before = opensBy(obj, process.pid);
      for (let i = 0; i < 10; i++) closeSync(openSync('/proc/self/stat', 'r'));
      expect(opensBy(obj, process.pid)).toBe(before);
    } finally {
      obj.close();
    }
  });

  itIfKernel(skip)('should reject a tracepoint that does not exist with a typed error', () => {
    const obj = loadObject(corpusObject('kernel_openat'), { name: 'kernel_openat' });
    try {
      expect(() => attachTracepoint(obj.program('count_openat'), 'syscalls/no_such_tracepoint')).toThrow(/attach tracepoint syscalls\/no_such_tracepoint.*ENOENT/);
      expect(() => attachTracepoint(obj.program('count_openat'), 'nocategory')).toThrow(/category\/name/);
    } finally {
      obj.close();
    }
  });
});

describe('raw tracepoint attach', () => {
  itIfKernel(attachSkip('raw_tracepoint'))('should count this process system calls through .bss', () => {
    const obj = loadObject(corpusObject('kernel_raw_tp'), { name: 'kernel_raw_tp' });
    try {
      const bss = obj.map('kernel_r.bss');
      const value = new Uint8Array(bss.valueSize);
      new DataView(value.buffer).setUint32(0, process.pid, true); // target_pid
      bss.update(new Uint8Array(4), value);
      const link = attachRawTracepoint(obj.program('count_sys_enter'), 'sys_enter');
      for (let i = 0; i < 20; i++) closeSync(openSync('/proc/self/stat', 'r'));
      link.close();
      const after = Buffer.from(bss.lookup(new Uint8Array(4))!).readBigUInt64LE(8);
      expect(after).toBeGreaterThanOrEqual(40n); // openat + close each
    } finally {
      obj.close();
    }
  });
});

describe('tp_btf attach', () => {
  itIfKernel(attachSkip('tp_btf'))('should run a BTF tracepoint on sys_enter', () => {
    const obj = loadObject(corpusObject('kernel_tp_btf'), { name: 'kernel_tp_btf' });
    try {
      const link = attachTracing(obj.program('on_sys_enter'));
      for (let i = 0; i < 5; i++) closeSync(openSync('/proc/self/stat', 'r'));
      link.close();
      const bss = obj.map('kernel_t.bss');
      expect(Buffer.from(bss.lookup(new Uint8Array(4))!).readBigUInt64LE(0)).toBeGreaterThanOrEqual(10n);
    } finally {
      obj.close();
    }
  });
});
