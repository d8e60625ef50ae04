/**
 * VM event source benchmarks: frames of a pcap file and records of a recording replayed as fast as
 * possible into small programs (events/s and µs per event, source and delivery included), a burst of
 * UDP frames over a veth pair read through AF_PACKET (agent CPU per frame, frames lost), and the cost
 * of one /proc task-table refresh for perf sampling.
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/sources/sources-bench.ts [--quick]
 *
 * Writes bench/results/sources.json. The AF_PACKET part needs root, `ip` and python3 (skipped otherwise).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InterfacePacketSource, PcapPacketSource, ReplaySource, TaskTable, deliverEvent, encodeRecord, encodeRecordingStart, writePcap, type VmEventSource } from '@bpfleet/vm-host';
import { mapTotal, startVm, udpFrame } from '@bpfleet/vm-host/testing';
import { TestVeth } from '@bpfleet/vm-host/testing';

const quick = process.argv.includes('--quick');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const N = quick ? 50_000 : 200_000;
const ROUNDS = quick ? 2 : 5;
const dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-sources-bench-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median µs per event over rounds, each round a fresh VM replaying the whole file. */
async function replayRate(program: string, makeSource: () => VmEventSource): Promise<{ eventsPerSecond: number; usPerEvent: number }> {
  const us: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const running = startVm(program);
    const source = makeSource();
    const t0 = performance.now();
    await source.start((e) => deliverEvent(running, e));
    await source.done;
    us.push(((performance.now() - t0) * 1000) / N);
  }
  const m = median(us);
  return { eventsPerSecond: Math.round(1e6 / m), usPerEvent: Number(m.toFixed(2)) };
}

async function pcap() {
  const file = path.join(dir, 'frames.pcap');
  writeFileSync(file, writePcap(Array.from({ length: N }, (_, i) => ({ timestampNs: BigInt(i), data: udpFrame(9999) }))));
  return replayRate('minimal', () => new PcapPacketSource(file, { speed: 'max' }));
}

async function recording() {
  const file = path.join(dir, 'openat.bprec');
  const rec = (i: number) => encodeRecord({ source: 0, cpu: 0, ktimeNs: BigInt(i), pidTgid: (BigInt(100 + (i % 50)) << 32n) | BigInt(100 + (i % 50)), uidGid: 0n, comm: `p${i % 50}`, data: new Uint8Array(48) });
  const header = encodeRecordingStart({ kernelRelease: release(), hostname: 'bench', startedAt: new Date(0).toISOString(), sources: [{ kind: 'tracepoint', name: 'syscalls/sys_enter_openat', recordSize: 48 }] });
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: N }, (_, i) => rec(i))]));
  return replayRate('kernel_openat', () => new ReplaySource(file, { speed: 'max' }));
}

async function afPacket() {
  if (process.getuid?.() !== 0) return { skipped: 'needs root' };
  const frames = quick ? 20_000 : 100_000;
  const veth = TestVeth.create('bs', 77);
  try {
    const running = startVm('minimal');
    const source = new InterfacePacketSource(veth.hostIf);
    await source.start((e) => deliverEvent(running, e));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const send = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(${frames}): s.sendto(b'x',('${veth.hostIp}',9999))`;
    await promisify(execFile)('ip', ['netns', 'exec', veth.ns, 'python3', '-c', send]);
    const sentMs = performance.now() - t0;
    while (mapTotal(running, 'counter') < BigInt(frames) && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    const cpu = process.cpuUsage(cpu0);
    await source.stop();
    const counted = Number(mapTotal(running, 'counter'));
    return {
      frames,
      senderFramesPerSecond: Math.round(frames / (sentMs / 1000)),
      counted,
      lostInKernel: source.stats().skipped['dropped by the kernel (socket buffer full)'] ?? 0,
      agentCpuUsPerFrame: Number(((cpu.user + cpu.system) / counted).toFixed(2)),
    };
  } finally {
    veth.destroy();
  }
}

function taskTable() {
  const table = new TaskTable(0);
  const ms: number[] = [];
  for (let i = 0; i < (quick ? 5 : 20); i++) {
    const t0 = performance.now();
    table.sample(0);
    ms.push(performance.now() - t0);
  }
  return { refreshMs: Number(median(ms).toFixed(2)) };
}

try {
  const results = {
    date: new Date().toISOString(),
    host: { kernel: release(), cpus: cpus().length, loadavg: loadavg().map((x) => Number(x.toFixed(2))) },
    events: N,
    pcapIntoMinimalXdp: await pcap(),
    recordingIntoTracepointCounter: await recording(),
    afPacketIntoMinimalXdp: await afPacket(),
    perfTaskTable: taskTable(),
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/sources.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
