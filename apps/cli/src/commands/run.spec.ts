import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const net = path.join(repoRoot, 'tests/bpf/build/vm_net.o');
const alu = path.join(repoRoot, 'tests/bpf/build/vm_alu.o');
const haveCorpus = existsSync(net) && existsSync(alu);
if (!haveCorpus) console.log(`run tests skipped: ${net} is missing (run: bash tests/bpf/build.sh)`);
const maybe = haveCorpus ? describe : describe.skip;

// An IPv4/UDP packet to port 1234 (the differential corpus's `udp1234`, shortened payload).
const udpPacket =
  '020000000002020000000001080045000024123400004011' + '0000' + '0a000002c0a80101' + '0fa004d20010' + '1b2c' + '7878787878787878';

maybe('bpfleet run', () => {
  it('should print the JSON report with retval, data, maps', async () => {
    const io = capture();
    const code = await main(['node', 'bpfleet', 'run', net, '--program', 'xdp_parse', '--data', udpPacket, '--repeat', '3', '--json', '--cpus', '2'], io);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout);
    expect(Object.keys(report)).toEqual(['program', 'engine', 'retval', 'dataOut', 'ctxOut', 'runs', 'nsPerRun', 'maps']);
    expect(report).toMatchObject({ program: 'xdp_parse', engine: 'interp', retval: 2, dataOut: udpPacket, ctxOut: null, runs: 3 });
    // by_proto[17] counted 3 packets of 50 bytes; verdicts[XDP_PASS] is 3 on CPU 0, 0 on CPU 1.
    expect(report.maps.by_proto).toEqual({ '11000000': '03000000000000009600000000000000' });
    expect(report.maps.verdicts['02000000']).toBe('03000000000000000000000000000000');
  });

  it('should report ctx out for a context', async () => {
    const io = capture();
    const ctx = '00'.repeat(8) + '05000000' + '00'.repeat(180);
    const code = await main(['node', 'bpfleet', 'run', net, '--program', 'tc_fields', '--data', udpPacket, '--ctx', ctx, '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout);
    // mark = 5 * 3 + 7 = 22 at offset 8.
    expect(report.ctxOut.slice(16, 24)).toBe('16000000');
  });

  it('should exit 1 with the error when the input is refused', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'run', net, '--program', 'xdp_parse', '--data', '0102'], io)).toBe(1);
    expect(io.stderr).toMatch(/at least 14 bytes/);
  });

  it('should exit 2 for a bad flag value or an unknown program', async () => {
    expect(await main(['node', 'bpfleet', 'run', net, '--program', 'nope'], capture())).toBe(2);
    expect(await main(['node', 'bpfleet', 'run', net, '--program', 'xdp_parse', '--data', 'zz'], capture())).toBe(2);
    expect(await main(['node', 'bpfleet', 'run', net, '--program', 'xdp_parse', '--repeat', '0'], capture())).toBe(2);
  });

  it('should give the same result with the JIT', async () => {
    const interp = capture();
    const jit = capture();
    const args = ['node', 'bpfleet', 'run', alu, '--program', 'alu64', '--data', '00'.repeat(14) + '0700000000000000' + '0300000000000000', '--json'];
    expect(await main(args, interp)).toBe(0);
    expect(await main([...args, '--engine', 'jit'], jit)).toBe(0);
    const a = JSON.parse(interp.stdout);
    const b = JSON.parse(jit.stdout);
    expect({ ...b, engine: 'interp', nsPerRun: 0 }).toEqual({ ...a, nsPerRun: 0 });
  });
});
