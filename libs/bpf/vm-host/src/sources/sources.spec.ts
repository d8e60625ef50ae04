import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PcapPacketSource } from './pcap-source.js';
import { FileWindow } from './byte-window.js';
import { LINKTYPE_ETHERNET, PcapError, readPcap, readPcapWindow, writePcap } from './pcap.js';
import { PERF_EVENT_DATA_SIZE, PERF_REGS_SIZE, PerfSamplingSource } from './perf-source.js';
import { encodeRecord, encodeRecordingStart, readRecording, readRecordingWindow, RecordingError, type RecordedEvent, type RecordingHeader } from './recording.js';
import { ReplaySource } from './replay-source.js';
import { deliverEvent } from './route.js';
import type { VmEvent } from './source.js';
import { parseProcStat, TaskTable } from './task-table.js';
import { parseReplaySpeed, Pacer } from './pacer.js';
import { mapTotal, startVm, udpFrame } from '../testing/fixtures.js';

/** A pcapng file: blocks of (type, body), either byte order. */
function pcapng(blocks: [number, Uint8Array][], littleEndian = true): Uint8Array {
  const parts: Buffer[] = [];
  for (const [type, body] of blocks) {
    const padded = Buffer.alloc((body.length + 3) & ~3);
    padded.set(body);
    const total = 12 + padded.length;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(4);
    if (littleEndian) {
      head.writeUInt32LE(type, 0);
      head.writeUInt32LE(total, 4);
      tail.writeUInt32LE(total, 0);
    } else {
      head.writeUInt32BE(type, 0);
      head.writeUInt32BE(total, 4);
      tail.writeUInt32BE(total, 0);
    }
    parts.push(head, padded, tail);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function u32s(le: boolean, ...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (le ? b.writeUInt32LE(v, i * 4) : b.writeUInt32BE(v, i * 4)));
  return b;
}

function shb(le: boolean): Uint8Array {
  const b = Buffer.alloc(16);
  if (le) b.writeUInt32LE(0x1a2b3c4d, 0);
  else b.writeUInt32BE(0x1a2b3c4d, 0);
  if (le) b.writeUInt16LE(1, 4);
  else b.writeUInt16BE(1, 4);
  b.fill(0xff, 8, 16); // section length unknown
  return b;
}

function idb(le: boolean, linkType: number, tsresol?: number): Uint8Array {
  const b = Buffer.alloc(8 + (tsresol === undefined ? 0 : 12));
  if (le) b.writeUInt16LE(linkType, 0);
  else b.writeUInt16BE(linkType, 0);
  if (tsresol !== undefined) {
    if (le) {
      b.writeUInt16LE(9, 8);
      b.writeUInt16LE(1, 10);
    } else {
      b.writeUInt16BE(9, 8);
      b.writeUInt16BE(1, 10);
    }
    b[12] = tsresol;
  }
  return b;
}

function epb(le: boolean, iface: number, ts: bigint, data: Uint8Array, origLen = data.length): Uint8Array {
  return Buffer.concat([u32s(le, iface, Number(ts >> 32n), Number(ts & 0xffffffffn), data.length, origLen), data]);
}

describe('pcap reader', () => {
  const frames = [udpFrame(9999, 'a'), udpFrame(53, 'bb'), udpFrame(9999, 'ccc')];

  it('should read back the classic nanosecond pcap it writes', () => {
    const file = writePcap(frames.map((data, i) => ({ timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_500n, data })));
    const packets = [...readPcap(file)];
    expect(packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
    expect(packets[1]!.timestampNs - packets[0]!.timestampNs).toBe(1500n);
    expect(packets.every((p) => p.linkType === LINKTYPE_ETHERNET)).toBe(true);
  });

  it('should read big-endian microsecond pcap', () => {
    const head = Buffer.alloc(24);
    head.writeUInt32BE(0xa1b2c3d4, 0);
    head.writeUInt16BE(2, 4);
    head.writeUInt16BE(4, 6);
    head.writeUInt32BE(65535, 16);
    head.writeUInt32BE(1, 20);
    const rec = Buffer.alloc(16);
    rec.writeUInt32BE(10, 0);
    rec.writeUInt32BE(250, 4);
    rec.writeUInt32BE(frames[0]!.length, 8);
    rec.writeUInt32BE(100, 12);
    const [p] = [...readPcap(new Uint8Array(Buffer.concat([head, rec, frames[0]!])))];
    expect(p!.timestampNs).toBe(10_000_250_000n);
    expect(p!.originalLength).toBe(100);
  });

  it.each([true, false])('should read pcapng (little-endian %s) with enhanced, simple and unknown blocks and if_tsresol', (le) => {
    const file = pcapng(
      [
        [0x0a0d0d0a, shb(le)],
        [1, idb(le, 1, 9)], // nanoseconds
        [6, epb(le, 0, 5_000_000_123n, frames[0]!)],
        [0x0bad, new Uint8Array(8)], // a block type we do not know is skipped
        [3, Buffer.concat([u32s(le, frames[1]!.length), frames[1]!])],
        [6, epb(le, 0, 5_000_000_999n, frames[2]!, 1500)],
      ],
      le,
    );
    const packets = [...readPcap(file)];
    expect(packets).toHaveLength(3);
    expect(packets[0]!.timestampNs).toBe(5_000_000_123n);
    expect(Buffer.from(packets[1]!.data).equals(Buffer.from(frames[1]!))).toBe(true);
    expect(packets[2]!.originalLength).toBe(1500);
  });

  it('should give typed errors for bad magic, truncation, bad lengths and unknown interfaces', () => {
    const err = (bytes: Uint8Array) => {
      try {
        for (const p of readPcap(bytes)) void p;
      } catch (e) {
        return e instanceof PcapError ? e.code : `untyped: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(err(new Uint8Array([1, 2, 3, 4, 5]))).toBe('PCAP_BAD_MAGIC');
    expect(err(new Uint8Array([0xd4, 0xc3]))).toBe('PCAP_TRUNCATED');
    const good = writePcap([{ timestampNs: 0n, data: frames[0]! }]);
    expect(err(good.subarray(0, good.length - 1))).toBe('PCAP_TRUNCATED');
    expect(err(pcapng([[0x0a0d0d0a, shb(true)], [6, epb(true, 0, 0n, frames[0]!)]]))).toBe('PCAP_BAD_BLOCK');
    const bad = pcapng([[0x0a0d0d0a, shb(true)]]);
    new DataView(bad.buffer).setUint32(4, 13, true);
    expect(err(bad)).toBe('PCAP_BAD_BLOCK');
  });

  it('should never throw anything but a PcapError on random or mutated input (fuzz)', () => {
    const seeds = [
      writePcap(frames.map((data, i) => ({ timestampNs: BigInt(i), data }))),
      pcapng([[0x0a0d0d0a, shb(true)], [1, idb(true, 1, 0x86)], [6, epb(true, 0, 1n, frames[0]!)], [3, Buffer.concat([u32s(true, 20), frames[2]!])]]),
      pcapng([[0x0a0d0d0a, shb(false)], [1, idb(false, 1)], [6, epb(false, 0, 7n, frames[1]!)]], false),
    ];
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat()).map(([seed, flips, cut]) => {
      const b = Uint8Array.from(seed);
      for (const [at, v] of flips) b[at % b.length] = v;
      return b.subarray(0, cut % (b.length + 1));
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 256 })), (bytes) => {
        try {
          for (const p of readPcap(bytes)) expect(p.data.length).toBeLessThanOrEqual(bytes.length);
        } catch (e) {
          if (!(e instanceof PcapError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** What a reader makes of some bytes: the items as hex, or the error code it stopped with. */
function outcome<T>(read: () => Iterable<T>, show: (item: T) => string): string[] {
  const out: string[] = [];
  try {
    for (const item of read()) out.push(show(item));
  } catch (e) {
    out.push(`error ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  return out;
}

describe('file windows', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bpfleet-window-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should read captures and recordings through a small window exactly as from memory, malformed ones too', () => {
    const frames = [udpFrame(9999, 'a'), udpFrame(53, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), udpFrame(1, 'c')];
    const pcaps = [
      writePcap(frames.map((data, i) => ({ timestampNs: BigInt(i), data }))),
      pcapng([[0x0a0d0d0a, shb(true)], [1, idb(true, 1, 9)], [6, epb(true, 0, 5n, frames[1]!)], [3, Buffer.concat([u32s(true, frames[0]!.length), frames[0]!])]]),
    ];
    const header: RecordingHeader = { kernelRelease: 'k', hostname: 'h', startedAt: 's', sources: [{ kind: 'raw_tracepoint', name: 'sys_enter', args: 2 }] };
    const recording = new Uint8Array(Buffer.concat([encodeRecordingStart(header), ...[1, 2, 3].map((pid) => encodeRecord({ source: 0, cpu: pid, ktimeNs: BigInt(pid), pidTgid: BigInt(pid), uidGid: 0n, comm: `c${pid}`, data: new Uint8Array(16).fill(pid) }))]));
    const showPacket = (p: { timestampNs: bigint; data: Uint8Array }) => `${p.timestampNs}:${Buffer.from(p.data).toString('hex')}`;
    const showRecord = (r: RecordedEvent) => `${r.pidTgid}:${r.comm}:${Buffer.from(r.data).toString('hex')}`;
    const file = join(dir, 'x');
    fc.assert(
      fc.property(fc.nat(2), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(), fc.integer({ min: 16, max: 200 }), (which, flips, cut, windowBytes) => {
        const seed = which < 2 ? pcaps[which]! : recording;
        const b = Uint8Array.from(seed);
        for (const [at, v] of flips) b[at % b.length] = v;
        const bytes = b.subarray(0, cut % (b.length + 1));
        writeFileSync(file, bytes);
        const w = new FileWindow(file, windowBytes);
        try {
          if (which < 2) expect(outcome(() => readPcapWindow(w), showPacket)).toEqual(outcome(() => readPcap(bytes), showPacket));
          else expect(outcome(() => readRecordingWindow(w).records, showRecord)).toEqual(outcome(() => readRecording(bytes).records, showRecord));
        } finally {
          w.close();
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe(PcapPacketSource.name, () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bpfleet-pcap-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should drive an xdp program in the VM with the frames of a pcap file', async () => {
    const file = join(dir, 'udp.pcap');
    const packets = Array.from({ length: 25 }, (_, i) => ({ timestampNs: BigInt(i) * 1000n, data: udpFrame(i % 5 === 0 ? 53 : 9999) }));
    // Frames a VM cannot take (shorter than an Ethernet header) are counted, not delivered.
    packets.push({ timestampNs: 99_000n, data: new Uint8Array(10) });
    writeFileSync(file, writePcap(packets));
    const running = startVm('kernel_net');
    const source = new PcapPacketSource(file);
    let runs = 0;
    await source.start((e) => (runs += deliverEvent(running, e)));
    await source.done;
    expect(source.error).toBeUndefined();
    expect(mapTotal(running, 'xdp_udp')).toBe(20n); // the 20 frames to port 9999
    expect(source.stats().events).toBe(25);
    expect(source.stats().skipped).toEqual({ 'shorter than an Ethernet header': 1 });
    // xdp_count_udp and the socket filter take every frame; the ingress tc programs too.
    expect(runs).toBe(25 * 4);
  });

  it('should replay at the recorded pace when asked', async () => {
    const file = join(dir, 'paced.pcap');
    writeFileSync(file, writePcap([0n, 100_000_000n, 200_000_000n].map((timestampNs) => ({ timestampNs, data: udpFrame(9999) }))));
    const source = new PcapPacketSource(file, { speed: 2 });
    const started = performance.now();
    const times: number[] = [];
    await source.start(() => times.push(performance.now() - started));
    await source.done;
    expect(times).toHaveLength(3);
    expect(times[2]).toBeGreaterThanOrEqual(95); // 200 ms of capture at 2x
    expect(times[2]).toBeLessThan(1000);
  });

  it('should stop with the PcapError of a malformed file after the good frames', async () => {
    const file = join(dir, 'cut.pcap');
    const good = writePcap([{ timestampNs: 0n, data: udpFrame(9999) }, { timestampNs: 1n, data: udpFrame(9999) }]);
    writeFileSync(file, good.subarray(0, good.length - 5));
    const source = new PcapPacketSource(file);
    let n = 0;
    await source.start(() => n++);
    await source.done;
    expect(n).toBe(1);
    expect(source.error).toBeInstanceOf(PcapError);
    expect((source.error as PcapError).code).toBe('PCAP_TRUNCATED');
  });
});

describe('perf sampling', () => {
  it('should parse /proc/<pid>/stat with a comm holding spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i));
    fields[0] = 'R';
    fields[36] = '3';
    expect(parseProcStat(`4242 (a) (b c) ${fields.join(' ')}`)).toEqual({ pid: 4242, comm: 'a) (b c', state: 'R', cpu: 3 });
  });

  it('should drive a perf_event program with bpf_perf_event_data samples attributed to running processes', () => {
    const running = startVm('perf_event_oncpu', 2);
    const source = new PerfSamplingSource({ frequency: 50, cpus: [0, 1], tasks: new TaskTable(0) });
    const events: VmEvent[] = [];
    for (let i = 0; i < 10; i++) source.sampleOnce((e) => events.push(e));
    expect(events).toHaveLength(20);
    for (const e of events) deliverEvent(running, e);
    const samples = running.readMaps().find((m) => m.spec.name === 'samples')!;
    let total = 0n;
    const tgids = new Set<number>();
    for (const { key, value } of samples.entries) {
      total += Buffer.from(value).readBigUInt64LE(0);
      tgids.add(Buffer.from(key).readUInt32LE(0));
    }
    expect(total).toBe(20n);
    // This process is running while it samples, so it is among the sampled tasks on its CPU.
    const perTask = events.map((e) => (e.kind === 'perf_sample' ? Number(e.task.pidTgid >> 32n) : -1));
    expect(perTask).toContain(process.pid);
    expect([...tgids].every((t) => perTask.includes(t))).toBe(true);
    const period = running.readMaps().find((m) => m.spec.name === 'last_period')!.entries[0]!.value;
    expect(Buffer.from(period).readBigUInt64LE(0)).toBe(20_000_000n); // 1e9 / 50 Hz
    const first = events[0]!;
    expect(first.kind === 'perf_sample' && first.ctx.length).toBe(PERF_EVENT_DATA_SIZE);
    expect(PERF_REGS_SIZE).toBeGreaterThan(0);
  });

  it('should sample on a timer at its frequency', async () => {
    const source = new PerfSamplingSource({ frequency: 100, cpus: [0] });
    let n = 0;
    await source.start(() => n++);
    await new Promise((r) => setTimeout(r, 300));
    await source.stop();
    // 30 ticks in 300 ms on an idle host; a loaded one delays timers, never adds ticks.
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThanOrEqual(40);
  });
});

describe('recordings', () => {
  const header: RecordingHeader = {
    kernelRelease: '6.18.0',
    hostname: 'h',
    startedAt: '2026-01-01T00:00:00.000Z',
    sources: [
      { kind: 'tracepoint', name: 'syscalls/sys_enter_openat', recordSize: 48 },
      { kind: 'raw_tracepoint', name: 'sys_enter', args: 2 },
    ],
  };
  const event = (pid: number, comm: string, source = 0, ktimeNs = 1000n): RecordedEvent => ({
    source,
    cpu: 1,
    ktimeNs,
    pidTgid: (BigInt(pid) << 32n) | BigInt(pid),
    uidGid: 0n,
    comm,
    data: new Uint8Array(source === 0 ? 48 : 16),
  });
  const file = (events: RecordedEvent[]) => new Uint8Array(Buffer.concat([encodeRecordingStart(header), ...events.map(encodeRecord)]));

  it('should round-trip header and records', () => {
    const { header: h, records } = readRecording(file([event(10, 'cat'), event(11, 'bash', 1, 5n)]));
    expect(h).toEqual(header);
    const all = [...records];
    expect(all.map((r) => [r.source, r.comm, r.pidTgid >> 32n, r.ktimeNs, r.data.length])).toEqual([
      [0, 'cat', 10n, 1000n, 48],
      [1, 'bash', 11n, 5n, 16],
    ]);
  });

  it('should refuse malformed recordings with typed errors only (fuzz)', () => {
    const seed = file([event(10, 'cat'), event(11, 'bash', 1)]);
    expect(() => readRecording(new Uint8Array(16))).toThrow(RecordingError);
    const bad = Uint8Array.from(seed);
    bad[8] = 9;
    expect(() => readRecording(bad)).toThrow(expect.objectContaining({ code: 'REC_VERSION' }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (flips, cut) => {
        const b = Uint8Array.from(seed);
        for (const [at, v] of flips) b[at % b.length] = v;
        try {
          const { records } = readRecording(b.subarray(0, cut % (b.length + 1)));
          for (const r of records) expect(r.data.length === 48 || r.data.length === 16).toBe(true);
        } catch (e) {
          if (!(e instanceof RecordingError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('should replay records into a tracepoint program with the recorded task as the current one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfleet-rec-'));
    try {
      const path = join(dir, 'r.bprec');
      writeFileSync(path, file([event(10, 'cat'), event(11, 'bash'), event(10, 'cat'), event(12, 'x', 1), event(10, 'cat')]));
      const running = startVm('kernel_openat');
      const source = new ReplaySource(path);
      await source.prepare();
      expect(running.vm.object.programs.filter((p) => source.feeds(p)).map((p) => p.name)).toEqual(['count_openat']);
      await source.start((e) => deliverEvent(running, e));
      await source.done;
      const counts = running.readMaps().find((m) => m.spec.name === 'opens')!.entries.map(({ key, value }) => [Buffer.from(key).readUInt32LE(0), Buffer.from(key.subarray(4)).toString('latin1').replace(/\0+$/, ''), Buffer.from(value).readBigUInt64LE(0)]);
      expect(counts.sort()).toEqual([
        [10, 'cat', 3n],
        [11, 'bash', 1n],
      ]);
      // The helpers' view of the current task is back to the VM's own after each record.
      expect(running.vm.env.comm).not.toBe('cat');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('raw tracepoint replay', () => {
  it('should hand a raw_tp program the recorded u64 arguments, kernel pointers included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfleet-raw-'));
    try {
      // vm_tracing.o reads four arguments (the kernel would refuse it on a tracepoint with fewer).
      const header: RecordingHeader = { kernelRelease: '6.18', hostname: 'h', startedAt: 'x', sources: [{ kind: 'raw_tracepoint', name: 'sys_enter', args: 4 }] };
      const args = new Uint8Array(32);
      new DataView(args.buffer).setBigUint64(0, 0xffff888012345678n, true); // struct pt_regs * on the recording host
      new DataView(args.buffer).setBigUint64(8, 257n, true); // openat
      const path = join(dir, 'raw.bprec');
      writeFileSync(path, Buffer.concat([encodeRecordingStart(header), encodeRecord({ source: 0, cpu: 0, ktimeNs: 42n, pidTgid: 7n, uidGid: 0n, comm: 'x', data: args })]));
      const running = startVm('vm_tracing');
      const source = new ReplaySource(path);
      await source.start((e) => deliverEvent(running, e));
      await source.done;
      const bss = running.vm.maps.find((m) => m.name.endsWith('.bss'))!;
      const value = Buffer.from([...bss.entries()][0]![1]);
      // args_seen[12] then hist[8]: the arguments as recorded.
      expect([value.readBigUInt64LE(0), value.readBigUInt64LE(8), value.readBigUInt64LE(16)]).toEqual([0xffff888012345678n, 257n, 0n]);
      expect(running.stats().runCount).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pacing', () => {
  it('should parse speeds', () => {
    expect(parseReplaySpeed('max')).toBe('max');
    expect(parseReplaySpeed('2x')).toBe(2);
    expect(parseReplaySpeed('0.5')).toBe(0.5);
    expect(parseReplaySpeed('0')).toBeUndefined();
    expect(parseReplaySpeed('fast-ish')).toBeUndefined();
  });

  it('should give the event loop turns while replaying as fast as possible', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let n = 0;
    await new Pacer('max', 100).run(
      Array.from({ length: 5000 }, (_, i) => BigInt(i)),
      (t) => t,
      () => n++,
    );
    clearInterval(timer);
    expect(n).toBe(5000);
    expect(ticks).toBeGreaterThan(0);
  });
});
