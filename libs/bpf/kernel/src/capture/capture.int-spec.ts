import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { TRACEFS, ensureMounted } from '../probe/filesystems.js';
import { probeKernel } from '../probe/probe.js';
import { itIfKernel, kernelSkipReason } from '../testing/fixtures.js';
import { TestNetwork } from '../testing/netns.js';
import { PacketSocket } from '../packet-socket.js';
import { DYNAMIC_DATA_BYTES, KernelCapture } from './capture.js';
import type { CapturedRecord } from './capture-program.js';

const skip = kernelSkipReason();
const tpSkip = skip ?? (probeKernel({ helpers: false }).attach.tracepoint.ok ? undefined : 'tracepoints refused here');

describe(KernelCapture.name, () => {
  beforeAll(() => {
    if (!tpSkip) ensureMounted(TRACEFS, 'tracefs', true);
  });

  itIfKernel(tpSkip)('should record openat tracepoint records and raw sys_enter args of this process', async () => {
    const records: CapturedRecord[] = [];
    const capture = KernelCapture.start(
      [
        { kind: 'tracepoint', name: 'syscalls/sys_enter_openat' },
        { kind: 'raw_tracepoint', name: 'sys_enter' },
      ],
      { onRecord: (r) => records.push(r), ringBytes: 1 << 22 },
    );
    try {
      expect(capture.sources[0]!.recordSize).toBe(48);
      expect(capture.sources[1]!.args).toBe(2); // sys_enter(struct pt_regs *regs, long id)
      for (let i = 0; i < 5; i++) closeSync(openSync('/proc/self/stat', 'r'));
      await new Promise((r) => setTimeout(r, 50));
      capture.flush();
    } finally {
      capture.close();
    }
    const mine = records.filter((r) => Number(r.pidTgid >> 32n) === process.pid);
    const opens = mine.filter((r) => r.source === 0);
    expect(opens.length).toBeGreaterThanOrEqual(5);
    const first = opens[0]!;
    expect(first.data.length).toBe(48);
    // What the kernel hands a syscalls tracepoint program: a pt_regs pointer where the common header
    // would be, then __syscall_nr (openat is 257 on x86-64) and the arguments (dfd AT_FDCWD = -100).
    const data = Buffer.from(first.data);
    if (process.arch === 'x64') expect(data.readInt32LE(8)).toBe(257);
    expect(data.readInt32LE(16)).toBe(-100);
    expect(first.comm.length).toBeGreaterThan(0);
    expect(first.uidGid & 0xffffffffn).toBe(BigInt(process.getuid!()));
    expect(first.ktimeNs).toBeGreaterThan(0n);
    const enters = mine.filter((r) => r.source === 1);
    expect(enters.length).toBeGreaterThan(opens.length);
    expect(enters.every((r) => r.data.length === 16)).toBe(true);
  });
});

describe('capture with a full ring buffer', () => {
  itIfKernel(tpSkip)('should count the records it could not write while nobody read the ring', () => {
    const records: CapturedRecord[] = [];
    const capture = KernelCapture.start([{ kind: 'tracepoint', name: 'syscalls/sys_enter_openat' }], { onRecord: (r) => records.push(r), ringBytes: 4096 });
    try {
      // No event-loop turn in between: the reader cannot drain, 4 KiB holds about 40 records.
      for (let i = 0; i < 200; i++) closeSync(openSync('/proc/self/stat', 'r'));
      capture.flush();
      const mine = records.filter((r) => Number(r.pidTgid >> 32n) === process.pid).length;
      expect(mine).toBeLessThan(200);
      expect(capture.lost).toBeGreaterThanOrEqual(BigInt(200 - mine));
    } finally {
      capture.close();
    }
  });
});

describe('capture of records with dynamic data', () => {
  itIfKernel(tpSkip)('should capture the __data_loc file name of sched_process_exec after the fixed part', async () => {
    const records: CapturedRecord[] = [];
    const capture = KernelCapture.start([{ kind: 'tracepoint', name: 'sched/sched_process_exec' }], { onRecord: (r) => records.push(r), ringBytes: 1 << 20 });
    let child = -1;
    try {
      expect(capture.sources[0]!.recordSize).toBe(20 + DYNAMIC_DATA_BYTES);
      child = Number(spawnSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
      await new Promise((r) => setTimeout(r, 50));
      capture.flush();
    } finally {
      capture.close();
    }
    const exec = records.find((r) => Number(r.pidTgid >> 32n) === child);
    expect(exec).toBeDefined();
    const data = Buffer.from(exec!.data);
    const loc = data.readUInt32LE(8); // __data_loc: length << 16 | offset
    const name = data.toString('utf8', loc & 0xffff, (loc & 0xffff) + (loc >>> 16) - 1);
    expect(name).toBe('/bin/sh');
  });
});

describe(PacketSocket.name, () => {
  itIfKernel(skip)('should read the frames sent over a veth pair from another namespace without blocking', async () => {
    const net = TestNetwork.create('p');
    const socket = new PacketSocket(net.hostIf);
    try {
      expect(socket.receive()).toEqual([]); // nothing queued: returns at once
      net.sendUdp(6, 9999);
      await new Promise((r) => setTimeout(r, 50));
      const frames = socket.receive(1000);
      const udp = frames.filter((f) => f.bytes.length >= 42 && f.bytes[12] === 0x08 && f.bytes[13] === 0x00 && f.bytes[23] === 17 && Buffer.from(f.bytes).readUInt16BE(36) === 9999);
      expect(udp.length).toBe(6);
      expect(udp.every((f) => f.direction === 'ingress' && f.wireLength === f.bytes.length)).toBe(true);
    } finally {
      socket.close();
      net.destroy();
    }
  });
});
