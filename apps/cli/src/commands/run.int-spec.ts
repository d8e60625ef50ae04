import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

// Needs CAP_BPF and the compiled corpus: the same program through the kernel and through the VM.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const net = path.join(repoRoot, 'tests/bpf/build/vm_net.o');
const canRun = existsSync(net) && process.getuid?.() === 0;
if (!canRun) console.log('bpfleet run --engine kernel tests skipped: needs root and tests/bpf/build/vm_net.o');

/** Per-CPU values summed over CPUs: the kernel runs the test on whichever CPU the process is on. */
function foldPerCpu(report: { maps: Record<string, Record<string, string>> }) {
  const values = report.maps.verdicts ?? {};
  for (const [key, hex] of Object.entries(values)) {
    let sum = 0n;
    for (let i = 0; i < hex.length; i += 16) sum += Buffer.from(hex.slice(i, i + 16), 'hex').readBigUInt64LE(0);
    values[key] = sum.toString();
  }
  return report;
}

const udpPacket = '020000000002020000000001080045000024123400004011' + '0000' + '0a000002c0a80101' + '0fa004d20010' + '1b2c' + '7878787878787878';

(canRun ? describe : describe.skip)('bpfleet run --engine kernel', () => {
  it.each([
    ['xdp_parse', undefined],
    ['xdp_bounce', undefined],
    ['tc_fields', '00'.repeat(8) + '05000000' + '00'.repeat(180)],
    ['sock_filter', undefined],
  ])('should match the VM for %s', async (program, ctx) => {
    const args = ['node', 'bpfleet', 'run', net, '--program', program, '--data', udpPacket, '--repeat', '2', '--json', ...(ctx ? ['--ctx', ctx] : [])];
    const kernel = capture();
    const vm = capture();
    expect(await main([...args, '--engine', 'kernel'], kernel)).toBe(0);
    expect(await main(args, vm)).toBe(0);
    const k = foldPerCpu(JSON.parse(kernel.stdout));
    const v = foldPerCpu(JSON.parse(vm.stdout));
    expect({ ...v, engine: 'kernel', nsPerRun: 0 }).toEqual({ ...k, nsPerRun: 0 });
  });
});
