import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const build = path.join(repoRoot, 'tests/verifier-corpus/build');
const accepted = path.join(build, 'accept_array_delete.o');
const rejected = path.join(build, 'reject_ringbuf_not_released.o');
const present = existsSync(accepted) && existsSync(rejected);
if (!present) console.log(`verify object tests skipped: ${build} has no compiled corpus`);

async function verify(...args: string[]) {
  const io = capture();
  const code = await main(['node', 'bpfleet', 'verify', ...args], io);
  return { code, ...io };
}

interface Report {
  object: string;
  kernel: string;
  privileged: boolean;
  programs: { name: string; section: string; type: string; accepted: boolean; insnsProcessed: number; error: null | { insn: number; line: string | null; message: string; hint: string }; log: string }[];
}

describe('bpfleet verify', () => {
  (present ? it : it.skip)('accepts a valid object with exit 0 and the JSON shape of the issue', async () => {
    const r = await verify(accepted, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(Object.keys(report)).toEqual(['object', 'kernel', 'privileged', 'programs']);
    expect(report.kernel).toBe('6.18');
    expect(report.privileged).toBe(true);
    expect(report.programs[0]).toMatchObject({ name: 'delete_from_array', section: 'socket', type: 'socket_filter', accepted: true, error: null });
    expect(Object.keys(report.programs[0]!)).toEqual(['name', 'section', 'type', 'accepted', 'insnsProcessed', 'error', 'log']);
  });

  (present ? it : it.skip)('rejects with exit 1, the kernel message, the source line and a hint', async () => {
    const r = await verify(rejected, '--json');
    expect(r.code).toBe(1);
    const p = (JSON.parse(r.stdout) as Report).programs[0]!;
    expect(p.accepted).toBe(false);
    expect(p.error?.message).toContain('Unreleased reference id=');
    expect(p.error?.line).toMatch(/reject_ringbuf_not_released\.bpf\.c:\d+: /);
    expect(p.error?.hint.length).toBeGreaterThan(10);
    const text = await verify(rejected, '--log-level', '2');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^0: \(/m);
    expect(text.stdout).toContain('hint:');
  });

  const tracing = path.join(repoRoot, 'tests/bpf/build/tracing_btf.o');
  const vmlinux = '/sys/kernel/btf/vmlinux';
  const haveBtf = existsSync(tracing) && existsSync(vmlinux);
  if (!haveBtf) console.log(`--kernel-btf test skipped: needs ${tracing} and ${vmlinux}`);
  (haveBtf ? it : it.skip)('types tp_btf contexts from the kernel BTF given with --kernel-btf', async () => {
    const r = await verify(tracing, '--program', 'switch_btf', '--kernel-btf', vmlinux, '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Report).programs[0]).toMatchObject({ name: 'switch_btf', accepted: true });
    // fentry/fexit contexts come from the function prototypes of the given BTF.
    const fexit = await verify(tracing, '--program', 'unlink_exit', '--kernel-btf', vmlinux, '--json');
    expect((JSON.parse(fexit.stdout) as Report).programs[0]).toMatchObject({ name: 'unlink_exit', accepted: true });
  }, 60_000);

  it('exits 2 for unreadable or unparsable files and bad profiles', async () => {
    expect((await verify('/nonexistent/x.o')).code).toBe(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-verify-'));
    try {
      const junk = path.join(dir, 'junk.o');
      writeFileSync(junk, 'not an elf object');
      expect((await verify(junk)).code).toBe(2);
      expect((await verify(junk, '--kernel', '2.6')).code).toBe(2);
      if (present) expect((await verify(accepted, '--kernel-btf', junk)).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
