import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadBpfObject } from '@bpfleet/elf';
import { decodeInstructions, disassembleText } from '@bpfleet/isa';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

describe('bpfleet asm', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-asm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const source = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('prints hex slots without -o, reading both syntaxes', async () => {
    const file = source('p.s', 'mov32 %r0, 2   # conformance\nr0 += 0x1\nexit\n');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'asm', file], io)).toBe(0);
    expect(io.stdout).toBe('b4 00 00 00 02 00 00 00\n07 00 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n');
  });

  it('writes an ELF object the object loader reads back', async () => {
    const file = source('count.s', 'r0 = 0\nif r1 == 0 goto out\nlddw %r0, 0x1122334455667788\nout:\nexit\n');
    const out = path.join(dir, 'count.o');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'asm', file, '-o', out, '--section', 'xdp'], io)).toBe(0);
    const obj = loadBpfObject(new Uint8Array(readFileSync(out)), { name: out });
    expect(obj.license).toBe('GPL');
    expect(obj.programs).toHaveLength(1);
    expect(obj.programs[0]).toMatchObject({ name: 'count', section: 'xdp' });
    expect(disassembleText(obj.programs[0]!.insns)).toBe('r0 = 0x0\nif r1 == 0x0 goto +0x2\nr0 = 0x1122334455667788 ll\nexit\n');
  });

  it('puts subprograms in .text, named by their labels, and the loader links them back', async () => {
    const file = source('calls.s', 'r1 = 2\ncall double\nr0 += 1\nexit\ndouble:\nr0 = r1\ncall inc\nexit\ninc:\nr0 += 1\nexit\n');
    const out = path.join(dir, 'calls.o');
    expect(await main(['node', 'bpfleet', 'asm', file, '-o', out, '--section', 'xdp'], capture())).toBe(0);
    const obj = loadBpfObject(new Uint8Array(readFileSync(out)), { name: out });
    expect(obj.programs.map((p) => p.name)).toEqual(['calls']);
    const prog = obj.programs[0]!;
    expect(disassembleText(prog.insns)).toBe('r1 = 0x2\ncall pc+0x2\nr0 += 0x1\nexit\nr0 = r1\ncall pc+0x1\nexit\nr0 += 0x1\nexit\n');
    expect(prog.references.filter((r) => r.kind === 'subprog').map((r) => (r as { name: string }).name)).toEqual(expect.arrayContaining(['double']));
  });

  it('refuses -o for what an object cannot hold (callback references) but writes it with --raw', async () => {
    const file = source('cb.s', 'lddw %r2, func cb\nr0 = 0\nexit\ncb:\nr0 = 0\nexit\n');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'asm', file, '-o', path.join(dir, 'cb.o')], io)).toBe(1);
    expect(io.stderr).toMatch(/callback references/);
    expect(await main(['node', 'bpfleet', 'asm', file, '--raw', '-o', path.join(dir, 'cb.bin')], capture())).toBe(0);
  });

  it('writes raw bytecode with --raw', async () => {
    const file = source('r.s', 'mov %r0, 1\nexit\n');
    const out = path.join(dir, 'r.bin');
    expect(await main(['node', 'bpfleet', 'asm', file, '--raw', '-o', out], capture())).toBe(0);
    expect(disassembleText(decodeInstructions(new Uint8Array(readFileSync(out))), { style: 'conformance' })).toBe('mov %r0, 1\nexit\n');
  });

  it('refuses bad assembly with exit 1, naming file, line and column', async () => {
    const file = source('bad.s', 'mov %r0, 0\nor %r0, %r50\nexit\n');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'asm', file], io)).toBe(1);
    expect(io.stderr).toContain(`${file}:2:9: invalid register '%r50'`);
  });

  it('refuses an invalid program (jump out of range) with exit 1', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'asm', source('j.s', 'goto +5\nexit\n')], io)).toBe(1);
    expect(io.stderr).toMatch(/insn 0: target 6 is outside the program/);
    const fragment = capture();
    expect(await main(['node', 'bpfleet', 'asm', source('f.s', 'r0 += 1'), '--no-validate'], fragment)).toBe(0);
    expect(fragment.stdout).toBe('07 00 00 00 01 00 00 00\n');
  });

  it('exits 1 for a missing file and 2 for usage errors', async () => {
    expect(await main(['node', 'bpfleet', 'asm', path.join(dir, 'missing.s')], capture())).toBe(1);
    expect(await main(['node', 'bpfleet', 'asm'], capture())).toBe(2);
    const file = source('n.s', 'exit\n');
    expect(await main(['node', 'bpfleet', 'asm', file, '-o', path.join(dir, 'n.o'), '--name', '1bad'], capture())).toBe(2);
  });
});
