import fc from 'fast-check';
import { BtfError } from '@bpfleet/btf';
import { parseElfFile } from './elf-file.js';
import { ElfError } from './errors.js';
import { loadBpfObject } from './loader.js';
import { corpusObjects, readObject } from './testing/corpus.js';

// Mutates real corpus objects and checks the loader's promise: a BpfObject or a typed error, quickly.
// BPFLEET_FUZZ_RUNS scales the number of runs per property (default 100).
const runs = Number(process.env['BPFLEET_FUZZ_RUNS'] ?? 100);
const seeds = corpusObjects().filter((f) => /^(elf_features|subprogs|global_data|legacy_maps|maps_all_types|core_task|loops)\.o$/.test(f));
/** Generous on purpose: loads take ~2 ms, but the machine is shared; this catches hangs and blow-ups, not jitter. */
const MAX_MS = 3000;
let loads = 0;
let slowest = 0;

function outcome(bytes: Uint8Array): 'ok' | string {
  const timed = () => {
    const start = performance.now();
    const result = classify(bytes);
    return { result, ms: performance.now() - start };
  };
  const first = timed();
  loads++;
  slowest = Math.max(slowest, first.ms);
  if (first.ms <= MAX_MS) return first.result;
  // The machine is shared: a GC pause or a busy neighbour can stall one run. Slow twice is a real finding.
  const second = timed();
  if (second.ms > MAX_MS) throw new Error(`load took ${first.ms.toFixed(0)} ms, then ${second.ms.toFixed(0)} ms`);
  return second.result;
}

function classify(bytes: Uint8Array): 'ok' | string {
  try {
    loadBpfObject(bytes, { name: 'fuzz.o' });
    return 'ok';
  } catch (e) {
    if (e instanceof ElfError) {
      if (e.code === 'E_INTERNAL') throw new Error(`loader bug surfaced as E_INTERNAL: ${e.message}`, { cause: e });
      return e.code;
    }
    if (e instanceof BtfError) return e.code;
    throw e;
  }
}

/** Byte ranges worth hitting: the ELF header, section headers, symbol/relocation tables, BTF. */
function structuralRanges(bytes: Uint8Array): [number, number][] {
  const elf = parseElfFile(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(0x28, true));
  const ranges: [number, number][] = [[0, 64], [shoff, shoff + elf.sections.length * 64]];
  for (const s of elf.sections) {
    if (['.symtab', '.BTF', '.BTF.ext', '.maps', 'maps'].includes(s.name) || s.name.startsWith('.rel')) ranges.push([s.offset, s.offset + s.size]);
  }
  return ranges.filter(([a, b]) => b > a);
}

describe('loadBpfObject on mutated objects', () => {
  afterAll(() => console.log(`mutation tests: ${loads} loads, slowest ${slowest.toFixed(1)} ms`));
  if (seeds.length === 0) it.skip('needs tests/bpf/build (run bash tests/bpf/build.sh)', () => undefined);

  describe.each(seeds)('%s', (file) => {
    const original = readObject(file);
    const ranges = structuralRanges(original);

    it('survives bit flips anywhere', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(original.length - 1), fc.nat(7)), { minLength: 1, maxLength: 16 }), (flips) => {
          const bytes = original.slice();
          for (const [at, bit] of flips) bytes[at]! ^= 1 << bit;
          outcome(bytes);
        }),
        { numRuns: runs },
      );
    });

    it('survives random bytes written into headers, tables and BTF', () => {
      const range = fc.nat(ranges.length - 1);
      fc.assert(
        fc.property(fc.array(fc.tuple(range, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 6 }), (writes) => {
          const bytes = original.slice();
          for (const [r, pos, data] of writes) {
            const [a, b] = ranges[r]!;
            bytes.set(data.subarray(0, Math.max(0, Math.min(data.length, bytes.length - (a + (pos % (b - a)))))), a + (pos % (b - a)));
          }
          outcome(bytes);
        }),
        { numRuns: runs },
      );
    });

    it('survives truncation and random section header fields', () => {
      const elf = parseElfFile(original);
      const shoff = Number(new DataView(original.buffer).getBigUint64(0x28, true));
      const field = fc.constantFrom(0, 4, 8, 24, 32, 40, 44, 56); // name, type, flags, offset, size, link, info, entsize
      const value = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 8, 9, 0xffffffff, 0x7fffffff, original.length, original.length - 1), fc.nat());
      fc.assert(
        fc.property(fc.nat(original.length), fc.nat(elf.sections.length - 1), field, value, fc.boolean(), (cut, section, offset, v, truncate) => {
          const bytes = original.slice(0, truncate ? cut : original.length);
          if (!truncate) new DataView(bytes.buffer).setUint32(shoff + section * 64 + offset, v >>> 0, true);
          outcome(bytes);
        }),
        { numRuns: runs },
      );
    });
  });

  it('refuses garbage and non-BPF files with typed errors', () => {
    expect(outcome(new Uint8Array(0))).toBe('E_NOT_ELF');
    expect(outcome(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]))).toBe('E_TRUNCATED');
    expect(outcome(new TextEncoder().encode('#!/bin/sh\necho not an object\n'.repeat(4)))).toBe('E_NOT_ELF');
    const x86 = readObject(seeds[0] ?? 'minimal.o').slice();
    x86[18] = 62; // EM_X86_64
    expect(outcome(x86)).toBe('E_MACHINE');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (junk) => void outcome(junk)), { numRuns: runs });
  });
});
