import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const buildDir = path.join(repoRoot, 'tests/bpf/build');
const corpus = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('.o')).sort() : [];
const has = (f: string) => corpus.includes(f);
if (corpus.length === 0) console.log(`inspect object tests skipped: ${buildDir} is missing (run: bash tests/bpf/build.sh)`);

async function inspect(...args: string[]) {
  const io = capture();
  const code = await main(['node', 'bpfleet', 'inspect', ...args], io);
  return { code, ...io };
}

interface Report {
  object: string;
  license: string;
  programs: { name: string; section: string; type: string; insns: number; attachType?: string; attachTarget?: string; functions: string[]; maps: string[] }[];
  maps: { name: string; type: string; keySize: number; valueSize: number; maxEntries: number; flags: number; keyType?: string; valueType?: string }[];
  btf: { types: number; ext: boolean; lineInfo: boolean } | null;
}

describe('bpfleet inspect', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-inspect-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (has('minimal.o') ? it : it.skip)('prints what minimal.bpf.c declares as JSON', async () => {
    const { code, stdout, stderr } = await inspect(path.join(buildDir, 'minimal.o'), '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as Report;
    expect(r.object).toBe('minimal');
    expect(r.license).toBe('GPL');
    expect(r.programs).toEqual([expect.objectContaining({ name: 'count_packets', section: 'xdp', type: 'xdp', attachType: 'xdp', maps: ['counter'] })]);
    expect(r.programs[0]!.insns).toBeGreaterThan(5);
    expect(r.maps).toEqual([expect.objectContaining({ name: 'counter', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, keyType: '__u32', valueType: '__u64' })]);
    expect(r.btf).toMatchObject({ ext: true, lineInfo: true });
  });

  (has('tp_openat_count.o') && has('global_data.o') ? it : it.skip)('prints tables with attach targets and C types', async () => {
    const tp = await inspect(path.join(buildDir, 'tp_openat_count.o'));
    expect(tp.code).toBe(0);
    expect(tp.stdout).toMatch(/count_openat\s+tracepoint\/syscalls\/sys_enter_openat\s+tracepoint\s+syscalls\/sys_enter_openat\s+\d+/);
    expect(tp.stdout).toMatch(/opens_by_pid\s+hash\s+4\s+32\s+10240/);
    const gd = await inspect(path.join(buildDir, 'global_data.o'));
    expect(gd.code).toBe(0);
    expect(gd.stdout).toMatch(/global_d\.bss\s+array\s+4\s+36\s+1\s+0x400\s+bss/);
    expect(gd.stdout).toContain('value: SEC(".bss") { __u64 packets_seen; __u64 verdict_counts[3]; __u32 last_len; }');
    expect(gd.stdout).toMatch(/line info present/);
  });

  (has('elf_features.o') ? it : it.skip)('shows map-in-map and prog array slots', async () => {
    const { code, stdout } = await inspect(path.join(buildDir, 'elf_features.o'));
    expect(code).toBe(0);
    expect(stdout).toContain('    slots: [0] = inner_a, [1] = inner_b');
    expect(stdout).toContain('    slots: [0] = tail_target');
    expect(stdout).toContain('    inner: array key 4 value 8 max 4');
    expect(stdout).toMatch(/sleepy\s+fentry\.s\/do_sys_openat2\s+tracing \(sleepable\)\s+trace_fentry do_sys_openat2/);
  });

  (corpus.length ? it : it.skip)('inspects every corpus object with lower-case libbpf type names', async () => {
    for (const file of corpus) {
      const { code, stdout, stderr } = await inspect(path.join(buildDir, file), '--json');
      expect({ file, code, stderr }).toEqual({ file, code: 0, stderr: '' });
      const r = JSON.parse(stdout) as Report;
      expect(r.programs.length).toBeGreaterThan(0);
      for (const p of r.programs) expect(p.type).toMatch(/^[a-z_0-9]+$/);
      for (const m of r.maps) expect(m.type).toMatch(/^[a-z_0-9]+$/);
    }
  });

  it('refuses garbage, non-BPF ELF files and unreadable paths with exit 1', async () => {
    const junk = path.join(dir, 'junk.o');
    writeFileSync(junk, 'definitely not an ELF object\n');
    const r1 = await inspect(junk);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/not an ELF file/);
    expect(r1.stdout).toBe('');
    // a shell binary: ELF, but not BPF
    const r2 = await inspect('/bin/sh');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/not a BPF object|not a relocatable/);
    const r3 = await inspect(path.join(dir, 'missing.o'));
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/cannot read .*ENOENT/);
  });

  (has('subprogs.o') ? it : it.skip)('refuses a truncated object with exit 1', async () => {
    const cut = path.join(dir, 'cut.o');
    writeFileSync(cut, readFileSync(path.join(buildDir, 'subprogs.o')).subarray(0, 500));
    const r = await inspect(cut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bpfleet: .*cut\.o: /);
  });

  it('exits 2 on usage errors', async () => {
    expect((await inspect()).code).toBe(2);
    expect((await inspect('--bogus', 'x.o')).code).toBe(2);
  });
});
