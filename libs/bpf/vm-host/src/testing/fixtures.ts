import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBpfObject, type BpfObject } from '@bpfleet/elf';
import { encodeRecord, encodeRecordingStart } from '../sources/recording.js';
import { VmRunningProgram } from '../vm-program.js';

export const repoRoot = resolve(import.meta.dirname, '../../../../..');

/** The path of tests/bpf/build/NAME.o, building the corpus once when missing. */
export function corpusPath(name: string): string {
  const path = join(repoRoot, 'tests/bpf/build', `${name}.o`);
  if (!existsSync(path)) execFileSync('bash', [join(repoRoot, 'tests/bpf/build.sh')], { stdio: 'inherit' });
  return path;
}

/** tests/bpf/build/NAME.o parsed, building the corpus once when missing. */
export function corpusObject(name: string): BpfObject {
  return loadBpfObject(new Uint8Array(readFileSync(corpusPath(name))), { name: `${name}.o` });
}

/**
 * A `bpfleet record` recording of `sys_enter_openat` as a kernel host would write it: one 48-byte
 * record per task, in order, all at `ktimeNs`.
 */
export function openatRecording(tasks: readonly { readonly pid: number; readonly comm: string }[], ktimeNs = 1_000n): Buffer {
  const start = encodeRecordingStart({ kernelRelease: '6.18', hostname: 'kernel-host', startedAt: '2026-01-01T00:00:00Z', sources: [{ kind: 'tracepoint', name: 'syscalls/sys_enter_openat', recordSize: 48 }] });
  const records = tasks.map(({ pid, comm }) => encodeRecord({ source: 0, cpu: 0, ktimeNs, pidTgid: (BigInt(pid) << 32n) | BigInt(pid), uidGid: 0n, comm, data: new Uint8Array(48) }));
  return Buffer.concat([start, ...records]);
}

export function startVm(name: string, cpus = 1): VmRunningProgram {
  return VmRunningProgram.start(corpusObject(name), { cpus, budget: 1_000_000 });
}

/** A map's integer values summed over keys and CPUs. */
export function mapTotal(running: VmRunningProgram, map: string): bigint {
  let total = 0n;
  for (const m of running.readMaps()) {
    if (m.spec.name !== map) continue;
    for (const e of m.entries) {
      const v = Buffer.from(e.value);
      for (let off = 0; off + 8 <= v.length; off += 8) total += v.readBigUInt64LE(off);
    }
  }
  return total;
}

/** An Ethernet/IPv4/UDP frame to `port` with `payload`. */
export function udpFrame(port: number, payload = 'x'): Uint8Array {
  const data = Buffer.from(payload);
  const frame = Buffer.alloc(14 + 20 + 8 + data.length);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(20 + 8 + data.length, 16);
  frame[22] = 64;
  frame[23] = 17;
  frame.set([10, 0, 0, 2], 26);
  frame.set([10, 0, 0, 1], 30);
  frame.writeUInt16BE(40000, 34);
  frame.writeUInt16BE(port, 36);
  frame.writeUInt16BE(8 + data.length, 38);
  data.copy(frame, 42);
  return new Uint8Array(frame);
}
