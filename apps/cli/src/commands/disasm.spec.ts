import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBpfObject } from '@bpfleet/elf';
import { validateProgram } from '@bpfleet/isa';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const minimal = path.join(repoRoot, 'tests/bpf/build/minimal.o');
const haveCorpus = existsSync(minimal);
if (!haveCorpus) console.log(`disasm object tests skipped: ${minimal} is missing (run: bash tests/bpf/build.sh)`);

function tryValidate(insns: Parameters<typeof validateProgram>[0]): string | undefined {
  try {
    validateProgram(insns, { entryRegisters: [1, 10] });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('bpfleet disasm', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-disasm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (haveCorpus ? it : it.skip)('lists a clang object like llvm-objdump, naming the map a lddw loads', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'disasm', minimal], io)).toBe(0);
    const text = io.stdout;
    expect(text).toContain('xdp count_packets:\n');
    expect(text).toMatch(/ {7}4:\tld_pseudo\tr1, 0x5, 0x0 # map counter\n/);
    expect(text).toContain('       6:\tcall 0x1 # bpf_map_lookup_elem\n');
    expect(text).toContain('lock *(u64 *)(r0 + 0x0) += r1');
    expect(text.trimEnd().endsWith('exit')).toBe(true);
  });

  (haveCorpus ? it : it.skip)('prints JSON with --json and filters with --program', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'disasm', minimal, '--json', '--program', 'count_packets'], io)).toBe(0);
    const doc = JSON.parse(io.stdout) as { object: string; programs: { name: string; insns: { index: number; text: string; opcode: number }[] }[] };
    expect(doc.object).toBe('minimal');
    expect(doc.programs.map((p) => p.name)).toEqual(['count_packets']);
    expect(doc.programs[0]).toMatchObject({ section: 'xdp', type: 'xdp' });
    expect(doc.programs[0]!.insns.at(-1)).toMatchObject({ text: 'exit', opcode: 0x95 });
  });

  (haveCorpus ? it : it.skip)('round-trips an object through asm: disasm text reassembles to the same instructions', async () => {
    const first = capture();
    expect(await main(['node', 'bpfleet', 'disasm', minimal, '--style', 'conformance'], first)).toBe(0);
    const body = first.stdout.split('\n').filter((l) => /^\s+\d+:\t/.test(l)).map((l) => l.replace(/^\s+\d+:\t/, '')).join('\n');
    const src = path.join(dir, 'again.s');
    writeFileSync(src, body);
    const hex = capture();
    expect(await main(['node', 'bpfleet', 'asm', src], hex)).toBe(0);
    const objdump = execFileSync('llvm-objdump', ['-d', minimal], { encoding: 'utf8' });
    const theirs = [...objdump.matchAll(/^\s*\d+:\t((?:[0-9a-f]{2} ?)+)\t/gm)].flatMap((m) => m[1]!.trim().match(/(?:[0-9a-f]{2} ?){8}/g)!.map((s) => s.trim()));
    // The object loader turns map relocations into lddw src=5 (map index): only those bytes differ.
    const ours = hex.stdout.trim().split('\n');
    expect(ours.length).toBe(theirs.length);
    ours.forEach((line, i) => {
      if (line.startsWith('18 5')) expect(theirs[i]!.startsWith('18 0')).toBe(true);
      else expect(line).toBe(theirs[i]);
    });
  });

  (haveCorpus ? it : it.skip)('disassembles every object of the corpus, whose programs all validate', async () => {
    const dir = path.dirname(minimal);
    let programs = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.o'))) {
      const file = path.join(dir, f);
      const io = capture();
      expect({ f, code: await main(['node', 'bpfleet', 'disasm', file, '--source'], io), err: io.stderr }).toEqual({ f, code: 0, err: '' });
      expect({ f, invalid: io.stdout.includes('<invalid') }).toEqual({ f, invalid: false });
      for (const p of loadBpfObject(new Uint8Array(readFileSync(file)), { name: file }).programs) {
        // Also the register-initialization check, with the kernel's entry state (r1 = context, r10).
        expect({ f, p: p.name, error: tryValidate(p.insns) }).toEqual({ f, p: p.name, error: undefined });
        programs++;
      }
    }
    expect(programs).toBeGreaterThan(50);
  });

  (haveCorpus ? it : it.skip)('prints labels with --labels: the listing reassembles even after an edit', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'disasm', minimal, '--labels'], io)).toBe(0);
    expect(io.stdout).toMatch(/if r0 == 0x0 goto L\d+\n/);
    const body = io.stdout.split('\n').slice(1).map((l) => l.replace(/^\s+\d+:\t/, '')).join('\n');
    const src = path.join(dir, 'labels.s');
    writeFileSync(src, body);
    const plain = capture();
    expect(await main(['node', 'bpfleet', 'asm', src], plain)).toBe(0);
    writeFileSync(src, body.replace(/(if r0 == 0x0 goto L\d+\n)/, '$1r3 = 0x0\n'));
    const edited = capture();
    expect(await main(['node', 'bpfleet', 'asm', src], edited)).toBe(0);
    expect(edited.stdout.split('\n').length).toBe(plain.stdout.split('\n').length + 1);
  });

  it('reads raw bytecode when the file is not ELF', async () => {
    const file = path.join(dir, 'p.bin');
    writeFileSync(file, Uint8Array.from([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    const io = capture();
    expect(await main(['node', 'bpfleet', 'disasm', file], io)).toBe(0);
    expect(io.stdout).toBe('raw p:\n       0:\tr0 = 0x1\n       1:\texit\n');
    writeFileSync(file, Uint8Array.from([0x85, 0, 0, 0, 5, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    const named = capture();
    expect(await main(['node', 'bpfleet', 'disasm', file], named)).toBe(0);
    expect(named.stdout).toContain('call 0x5 # bpf_ktime_get_ns\n');
  });

  it('refuses a corrupt object with exit 1 and an unknown program with exit 2', async () => {
    const bad = path.join(dir, 'bad.o');
    writeFileSync(bad, Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 1, 2, 3]));
    const io = capture();
    expect(await main(['node', 'bpfleet', 'disasm', bad], io)).toBe(1);
    expect(io.stderr).toMatch(/bad\.o: /);
    const odd = path.join(dir, 'odd.bin');
    writeFileSync(odd, Uint8Array.from([1, 2, 3]));
    expect(await main(['node', 'bpfleet', 'disasm', odd], capture())).toBe(1);
    if (haveCorpus) expect(await main(['node', 'bpfleet', 'disasm', minimal, '--program', 'nope'], capture())).toBe(2);
    expect(await main(['node', 'bpfleet', 'disasm', minimal, '--style', 'intel'], capture())).toBe(2);
  });
});
