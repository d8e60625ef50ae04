import { assemble } from '@bpfleet/isa';
import { BpfProgType, type BpfObject } from '@bpfleet/elf';
import { BpfVm } from '../runner/vm.js';
import { defaultEnv } from '../runner/env.js';
import { formatPrintk } from './format.js';

function vmFor(source: string, env = defaultEnv({ comm: 'curl', pid: 42, tgid: 40, uid: 1000, gid: 100 })) {
  const object: BpfObject = {
    name: 'h',
    license: 'GPL',
    kernelVersion: 0,
    maps: [],
    elf: new Uint8Array(0),
    programs: [{ name: 'p', section: 'tp', type: BpfProgType.TRACEPOINT, sleepable: false, insns: assemble(source), references: [], lineInfo: [], funcInfo: [], coreRelocations: [], btfFuncTypeId: 0 }],
  };
  return { vm: new BpfVm(object, { env }), env };
}

describe('helpers', () => {
  it('should copy from readable memory with probe_read and fail with -EFAULT (zeroed) elsewhere', () => {
    // r6 = probe_read(fp-8, 8, ctx); r7 = probe_read(fp-16, 8, 0x1000); r0 = *(fp-8) + r6 + r7
    const { vm } = vmFor(`
      mov %r6, %r1
      mov %r1, %r10
      add %r1, -8
      mov %r2, 8
      mov %r3, %r6
      call 113
      mov %r6, %r0
      stdw [%r10-16], -1
      mov %r1, %r10
      add %r1, -16
      mov %r2, 8
      mov %r3, 0x1000
      call 113
      mov %r7, %r0
      ldxdw %r0, [%r10-8]
      ldxdw %r1, [%r10-16]
      add %r0, %r1
      add %r0, %r6
      add %r0, %r7
      exit`);
    const ctx = new Uint8Array([100, 0, 0, 0, 0, 0, 0, 0]);
    expect(vm.testRun('p', { ctx }).r0).toBe(100n - 14n);
  });

  it('should report the event task: pid/tgid, uid/gid, comm', () => {
    const { vm } = vmFor(`
      call 14
      mov %r6, %r0
      call 15
      add %r6, %r0
      mov %r1, %r10
      add %r1, -16
      mov %r2, 16
      call 16
      ldxw %r0, [%r10-16]
      add %r0, %r6
      exit`);
    const pidTgid = (40n << 32n) | 42n;
    const uidGid = (100n << 32n) | 1000n;
    const comm = BigInt(Buffer.from('curl').readUInt32LE(0));
    expect(vm.testRun('p', { ctx: new Uint8Array(8) }).r0).toBe(BigInt.asUintN(64, pidTgid + uidGid + comm));
  });

  it('should format trace_printk like the kernel subset', () => {
    expect(formatPrintk('pid %d comm %s val %llx %5u|%-3d|%%', [7n, 0x1000n, 0xdeadbeefn, 42n, 1n], () => 'bash')).toBe('pid 7 comm bash val deadbeef    42|1  |%');
    expect(formatPrintk('%d %lld', [0xffffffffn, BigInt.asUintN(64, -5n)], () => '')).toBe('-1 -5');
  });

  it('should send trace_printk lines to the environment', () => {
    const { vm, env } = vmFor(`
      stdw [%r10-8], 0
      stw [%r10-8], 0x00642520
      stw [%r10-12], 0x3d782020
      mov %r1, %r10
      add %r1, -12
      mov %r2, 8
      mov %r3, 5
      call 6
      exit`);
    vm.testRun('p', { ctx: new Uint8Array(8) });
    expect(env.traceLines).toEqual(['  x= 5']);
  });
});
