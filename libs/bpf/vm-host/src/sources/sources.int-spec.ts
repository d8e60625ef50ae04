import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachProgram, loadObject, probeKernel } from '@bpfleet/kernel';
import { InterfacePacketSource } from './interface-source.js';
import { capturePoints, recordAttachPoints } from './recorder.js';
import { readRecording } from './recording.js';
import { ReplaySource } from './replay-source.js';
import { deliverEvent } from './route.js';
import { corpusObject, mapTotal, startVm } from '../testing/fixtures.js';
import { TestVeth } from '../testing/netns.js';

const caps = probeKernel({ helpers: false });
const kernelSkip = !caps.libbpf.available ? 'libbpf unavailable' : !caps.canLoad ? 'cannot load BPF programs here (needs root or CAP_BPF)' : undefined;
const tpSkip = kernelSkip ?? (caps.attach.tracepoint.ok ? undefined : `tracepoints refused (${caps.attach.tracepoint.reason})`);
const netSkip = process.getuid?.() !== 0 ? 'needs root for a network namespace and AF_PACKET' : undefined;
for (const [what, why] of [['AF_PACKET source', netSkip], ['record/replay', tpSkip]] as const) if (why) console.log(`skipping ${what} tests: ${why}`);

const waitFor = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe('VM event sources on a real host', () => {
  (netSkip ? it.skip : it)('should feed frames of a live interface (AF_PACKET) to an xdp program in the VM', async () => {
    const veth = TestVeth.create('s', 7);
    try {
      const running = startVm('kernel_net');
      const source = new InterfacePacketSource(veth.hostIf);
      await source.start((e) => deliverEvent(running, e));
      try {
        veth.send(20, 9999);
        veth.send(5, 53);
        await waitFor(() => mapTotal(running, 'xdp_udp') >= 20n);
        // Let anything late arrive, then check nothing was counted twice.
        await new Promise((r) => setTimeout(r, 100));
        expect(mapTotal(running, 'xdp_udp')).toBe(20n);
        expect(source.stats().events).toBeGreaterThanOrEqual(25);
      } finally {
        await source.stop();
      }
    } finally {
      veth.destroy();
    }
  });

  (tpSkip ? it.skip : it)('should record openat on the kernel and replay it into the VM with the same per-process counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfleet-record-'));
    const object = corpusObject('kernel_openat');
    // The same program in the kernel, attached for the whole recording, is the reference.
    const kernel = loadObject(object.elf, { name: 'kernel_openat' });
    const link = attachProgram(kernel.program('count_openat'));
    try {
      const out = join(dir, 'openat.bprec');
      const points = capturePoints(object);
      expect(points).toEqual([{ kind: 'tracepoint', name: 'syscalls/sys_enter_openat' }]);
      let child = -1;
      const abort = new AbortController();
      const recording = recordAttachPoints(points, { out, durationMs: 30_000, signal: abort.signal, objectName: 'kernel_openat.o' });
      await new Promise((r) => setTimeout(r, 50));
      // A child that opens files: every one of its openat calls falls inside the recording.
      const result = spawnSync('bash', ['-c', 'for i in 1 2 3 4 5 6 7; do cat /proc/self/stat > /dev/null; done; echo $$'], { encoding: 'utf8' });
      child = Number(result.stdout.trim());
      await new Promise((r) => setTimeout(r, 50));
      abort.abort();
      const summary = await recording;
      link.close();
      expect(summary.counts[0]).toBeGreaterThan(7);

      const { header, records } = readRecording(new Uint8Array(readFileSync(out)));
      expect(header.sources).toEqual([{ kind: 'tracepoint', name: 'syscalls/sys_enter_openat', recordSize: 48 }]);
      expect([...records].length).toBe(summary.counts[0]);

      const vm = startVm('kernel_openat');
      const replay = new ReplaySource(out);
      await replay.start((e) => deliverEvent(vm, e));
      await replay.done;
      expect(replay.error).toBeUndefined();

      const byPid = (entries: readonly { key: Uint8Array; value: Uint8Array }[]) => {
        const m = new Map<string, bigint>();
        for (const { key, value } of entries) {
          const pid = Buffer.from(key).readUInt32LE(0);
          const comm = Buffer.from(key.subarray(4)).toString('latin1').replace(/\0+$/, '');
          let v = 0n;
          for (let off = 0; off < value.length; off += 8) v += Buffer.from(value).readBigUInt64LE(off);
          m.set(`${pid}/${comm}`, (m.get(`${pid}/${comm}`) ?? 0n) + v);
        }
        return m;
      };
      const inVm = byPid(vm.readMaps().find((m) => m.spec.name === 'opens')!.entries);
      const inKernel = byPid(kernel.map('opens').lookupBatch());
      const childKeys = [...inVm.keys()].filter((k) => k.startsWith(`${child}/`));
      expect(childKeys.length).toBeGreaterThan(0);
      let childTotal = 0n;
      for (const k of childKeys) {
        expect(inVm.get(k)).toBe(inKernel.get(k));
        childTotal += inVm.get(k)!;
      }
      // The shell itself opened /dev/null for each of its seven redirections (the cats are other pids).
      expect(childTotal).toBeGreaterThanOrEqual(7n);
      // Every (pid, comm) the VM counted was counted at least as often by the kernel program, which ran longer.
      for (const [k, v] of inVm) expect(inKernel.get(k) ?? 0n).toBeGreaterThanOrEqual(v);
    } finally {
      link.close();
      kernel.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
