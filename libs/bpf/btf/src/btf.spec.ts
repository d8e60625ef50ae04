import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { BtfError } from './errors.js';
import { decodeValue } from './decode.js';
import { parseBtfExt } from './ext.js';
import { formatDeclaration, formatDefinition, formatType } from './format.js';
import { parseBtf } from './parse.js';
import { BtfKind } from './types.js';
import { BtfBuilder } from './testing/btf-builder.js';
import { elfSection } from './testing/elf-section.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const buildDir = path.join(repoRoot, 'tests/bpf/build');
const corpus = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('.o')).sort() : [];
const hasBpftool = (() => {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function corpusBtf(file: string) {
  const elf = new Uint8Array(readFileSync(path.join(buildDir, file)));
  const btfBytes = elfSection(elf, '.BTF');
  if (!btfBytes) throw new Error(`${file} has no .BTF`);
  return { elf, btfBytes, btf: parseBtf(btfBytes), extBytes: elfSection(elf, '.BTF.ext') };
}

describe('parseBtf', () => {
  if (corpus.length === 0) it.skip('needs tests/bpf/build (run bash tests/bpf/build.sh)', () => undefined);

  describe.each(corpus)('%s', (file) => {
    const run = hasBpftool ? it : it.skip;
    run('agrees with `bpftool btf dump format raw` on every type id, kind, name and size', () => {
      const { btf } = corpusBtf(file);
      const raw = execFileSync('bpftool', ['btf', 'dump', 'file', path.join(buildDir, file), 'format', 'raw'], { encoding: 'utf8' });
      const lines = raw.split('\n').filter((l) => l.startsWith('['));
      expect(btf.count - 1).toBe(lines.length);
      for (const line of lines) {
        const m = /^\[(\d+)\] (\w+) '([^']*)'(.*)$/.exec(line)!;
        const t = btf.type(Number(m[1]));
        expect(BtfKind[t.kind]).toBe(m[2]);
        expect(t.name || '(anon)').toBe(m[3]);
        const size = /\bsize=(\d+)/.exec(m[4]!);
        if (size && t.kind !== BtfKind.VAR) expect(btf.sizeOf(t.id)).toBe(Number(size[1]));
        const ref = /\btype_id=(\d+)/.exec(m[4]!);
        if (ref && 'type' in t) expect(t.type).toBe(Number(ref[1]));
        const nelems = /nr_elems=(\d+)/.exec(m[4]!);
        if (nelems && t.kind === BtfKind.ARRAY) expect(t.nelems).toBe(Number(nelems[1]));
      }
    });

    it('prints every type and parses .BTF.ext against it', () => {
      const { btf, extBytes } = corpusBtf(file);
      for (const t of btf.types) expect(typeof formatDefinition(btf, t.id)).toBe('string');
      if (extBytes) {
        const ext = parseBtfExt(extBytes, btf);
        expect(ext.lineInfo.size).toBeGreaterThan(0);
        for (const infos of ext.lineInfo.values()) for (const li of infos) expect(li.fileName).toMatch(/\.c$|\.h$/);
        for (const infos of ext.funcInfo.values()) for (const fi of infos) expect(btf.type(fi.typeId).kind).toBe(BtfKind.FUNC);
      }
    });
  });
});

describe('formatting', () => {
  const b = new BtfBuilder();
  const u32 = b.int('unsigned int', 4);
  const tU32 = b.type('__u32', 8, 0, u32);
  const char = b.int('char', 1, 1);
  const idx = b.int('__ARRAY_SIZE_TYPE__', 4);
  const comm = b.type('', 3, 0, 0, [char, idx, 16]);
  const u64 = b.int('unsigned long long', 8);
  const tU64 = b.type('__u64', 8, 0, u64);
  const foo = b.type('foo', 4, 2, 20, [b.str('a'), tU32, 0, b.str('comm'), comm, 32]);
  const ptrU64 = b.type('', 2, 0, tU64);
  const constChar = b.type('', 10, 0, char);
  const ptrConstChar = b.type('', 2, 0, constChar);
  const int = b.int('int', 4, 1);
  const proto = b.type('', 13, 2, int, [b.str('ctx'), ptrU64, b.str('name'), ptrConstChar]);
  const fn = b.type('handler', 12, 1, proto);
  const ptrProto = b.type('', 2, 0, proto);
  const color = b.type('color', 6, 2, 4, [b.str('RED'), 0, b.str('BLUE'), 7]);
  const bits = b.type('flags', 4, 3, 4, [b.str('lo'), u32, (3 << 24) | 0, b.str('mid'), int, (5 << 24) | 3, b.str('hi'), u32, (24 << 24) | 8], true);
  const e64 = b.type('big', 19, 1, 8, [b.str('HUGE'), 0xffffffff, 0xffffffff]);
  const flt = b.type('double', 16, 0, 8);
  const tagged = b.type('user', 18, 0, u32);
  const ptrTagged = b.type('', 2, 0, tagged);
  const declTag = b.type('my_tag', 17, 0, foo, [0xffffffff]);
  const arr2d = b.type('', 3, 0, 0, [comm, idx, 2]);
  const anon = b.type('', 5, 2, 8, [b.str('x'), tU32, 0, b.str('y'), tU64, 0]);
  const outer = b.type('outer', 4, 2, 16, [b.str(''), anon, 0, b.str('color'), color, 64]);
  const btf = parseBtf(b.build());

  it('prints type expressions the way C spells them', () => {
    expect(formatType(btf, tU32)).toBe('__u32');
    expect(formatType(btf, ptrU64)).toBe('__u64 *');
    expect(formatType(btf, comm)).toBe('char[16]');
    expect(formatType(btf, ptrConstChar)).toBe('const char *');
    expect(formatType(btf, ptrProto)).toBe('int (*)(__u64 *ctx, const char *name)');
    expect(formatType(btf, arr2d)).toBe('char[2][16]');
    expect(formatType(btf, ptrTagged)).toBe('unsigned int *');
    expect(formatDeclaration(btf, comm, 'comm')).toBe('char comm[16]');
  });

  it('prints definitions', () => {
    expect(formatDefinition(btf, foo)).toBe('struct foo { __u32 a; char comm[16]; }');
    expect(formatDefinition(btf, fn)).toBe('int handler(__u64 *ctx, const char *name)');
    expect(formatDefinition(btf, color)).toBe('enum color { RED = 0, BLUE = 7 }');
    expect(formatDefinition(btf, bits)).toBe('struct flags { unsigned int lo: 3; int mid: 5; unsigned int hi: 24; }');
    expect(formatDefinition(btf, e64)).toBe('enum big { HUGE = 18446744073709551615 }');
    expect(formatDefinition(btf, tU64)).toBe('typedef unsigned long long __u64');
    expect(formatDefinition(btf, outer)).toBe('struct outer { union { __u32 x; __u64 y; }; enum color color; }');
    expect(formatDefinition(btf, outer, { indent: '  ' })).toBe('struct outer {\n  union {\n    __u32 x;\n    __u64 y;\n  };\n  enum color color;\n}');
    expect(formatDefinition(btf, declTag)).toContain('btf_decl_tag("my_tag")');
    expect(formatType(btf, flt)).toBe('double');
  });

  it('prints a DATASEC as the declarations of its variables', () => {
    const d = new BtfBuilder();
    const u64 = d.int('unsigned long long', 8);
    const ch = d.int('char', 1, 1);
    const ix = d.int('__ARRAY_SIZE_TYPE__', 4);
    const arr = d.type('', 3, 0, 0, [ch, ix, 8]);
    const v1 = d.type('generation', 14, 0, u64, [1]);
    const v2 = d.type('tag', 14, 0, arr, [1]);
    const sec = d.type('.data', 15, 2, 16, [v1, 0, 8, v2, 8, 8]);
    const dbtf = parseBtf(d.build());
    expect(formatDefinition(dbtf, sec)).toBe('SEC(".data") { unsigned long long generation; char tag[8]; }');
    const bytes = new Uint8Array(16);
    bytes[0] = 7;
    bytes.set(new TextEncoder().encode('bpfleet'), 8);
    expect(decodeValue(dbtf, sec, bytes)).toEqual({ generation: 7, tag: 'bpfleet' });
  });

  it('resolves sizes and alignment through typedefs', () => {
    expect(btf.sizeOf(foo)).toBe(20);
    expect(btf.alignOf(foo)).toBe(4);
    expect(btf.sizeOf(arr2d)).toBe(32);
    expect(btf.sizeOf(ptrProto)).toBe(8);
    expect(btf.alignOf(tU64)).toBe(8);
    expect(btf.resolve(tU64).name).toBe('unsigned long long');
    expect(() => btf.sizeOf(fn)).toThrow(BtfError);
  });

  it('decodes bytes by type', () => {
    const bytes = new Uint8Array(20);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, 42, true);
    bytes.set(new TextEncoder().encode('bash'), 4);
    expect(decodeValue(btf, foo, bytes)).toEqual({ a: 42, comm: 'bash' });
    // lo=5 (bits 0-2), mid=-3 (bits 3-7), hi=0xabcdef (bits 8-31)
    const raw = 5 | ((-3 & 0x1f) << 3) | (0xabcdef << 8);
    const fb = new Uint8Array(4);
    new DataView(fb.buffer).setUint32(0, raw >>> 0, true);
    expect(decodeValue(btf, bits, fb)).toEqual({ lo: 5, mid: -3, hi: 0xabcdef });
    const ob = new Uint8Array(16);
    new DataView(ob.buffer).setBigUint64(0, 2n ** 60n + 1n, true);
    new DataView(ob.buffer).setUint32(8, 7, true);
    expect(decodeValue(btf, outer, ob)).toEqual({ x: 1, y: '1152921504606846977', color: 'BLUE' });
    expect(decodeValue(btf, outer, ob, { int64: 'string' })).toEqual({ x: 1, y: '1152921504606846977', color: 'BLUE' });
    const small = new Uint8Array(8);
    small[0] = 9;
    expect(decodeValue(btf, tU64, small)).toBe(9);
    expect(decodeValue(btf, tU64, small, { int64: 'string' })).toBe('9');
    expect(decodeValue(btf, ptrU64, small)).toBe('0x9');
    expect(decodeValue(btf, e64, new Uint8Array(8).fill(0xff))).toBe('HUGE');
    const d = new Uint8Array(8);
    new DataView(d.buffer).setFloat64(0, 1.5, true);
    expect(decodeValue(btf, flt, d)).toBe(1.5);
    expect(() => decodeValue(btf, foo, new Uint8Array(3))).toThrow(BtfError);
    expect(() => decodeValue(btf, fn, new Uint8Array(8))).toThrow(/no value representation/);
  });
});

describe('hostile BTF', () => {
  function expectBtfError(bytes: Uint8Array, code: string) {
    let error: unknown;
    try {
      const btf = parseBtf(bytes);
      for (const t of btf.types.slice(1)) {
        formatDefinition(btf, t.id);
        btf.sizeOf(t.id);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BtfError);
    expect((error as BtfError).code).toBe(code);
  }

  it('stops on a typedef cycle instead of hanging', () => {
    const b = new BtfBuilder();
    b.type('a', 8, 0, 2);
    b.type('b', 8, 0, 1);
    expectBtfError(b.build(), 'E_LOOP');
  });

  it('stops on a self-referential array and pointer chain', () => {
    const b = new BtfBuilder();
    b.type('', 3, 0, 0, [1, 1, 4]);
    expectBtfError(b.build(), 'E_LOOP');
    const p = new BtfBuilder();
    p.type('', 2, 0, 1);
    expectBtfError(p.build(), 'E_LOOP');
  });

  it('bounds work on a DAG of anonymous structs that share members', () => {
    const b = new BtfBuilder();
    let prev = b.int('int', 4, 1);
    for (let i = 0; i < 40; i++) prev = b.type('', 4, 2, 8, [b.str('a'), prev, 0, b.str('b'), prev, 0]);
    const btf = parseBtf(b.build());
    const start = Date.now();
    expect(btf.alignOf(prev)).toBe(4);
    expect(() => formatType(btf, prev)).toThrow(BtfError);
    expect(() => decodeValue(btf, prev, new Uint8Array(8), { maxNodes: 100_000 })).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('refuses dangling type ids, unknown kinds, bad strings and truncation', () => {
    const b = new BtfBuilder();
    b.type('x', 8, 0, 99);
    expectBtfError(b.build(), 'E_TYPE_ID');
    const k = new BtfBuilder();
    k.type('x', 31, 0, 0);
    expectBtfError(k.build(), 'E_KIND');
    const s = new BtfBuilder();
    s.int('x', 4);
    const bytes = s.build();
    new DataView(bytes.buffer).setUint32(24, 1000, true);
    expectBtfError(bytes, 'E_STRING');
    const t = new BtfBuilder();
    t.type('s', 4, 1000, 4);
    expectBtfError(t.build(), 'E_TRUNCATED');
    expectBtfError(new Uint8Array(1), 'E_TRUNCATED');
    expectBtfError(new Uint8Array(24), 'E_MAGIC');
  });

  it('refuses malformed .BTF.ext', () => {
    const btf = parseBtf(new BtfBuilder().build());
    const ext = (words: number[]) => {
      const b = new Uint8Array(32 + words.length * 4);
      const v = new DataView(b.buffer);
      v.setUint16(0, 0xeb9f, true);
      v.setUint8(2, 1);
      v.setUint32(4, 32, true);
      v.setUint32(12, words.length * 4, true); // func_info_len; func_info_off = 0
      words.forEach((w, i) => v.setUint32(32 + i * 4, w, true));
      return b;
    };
    const code = (bytes: Uint8Array) => {
      try {
        parseBtfExt(bytes, btf);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
        return (e as BtfError).code;
      }
    };
    expect(code(ext([8, 0, 1, 0, 1]))).toBe('ok'); // one func_info record for section '' (string 0)
    expect(code(ext([4, 0, 1, 0]))).toBe('E_EXT'); // record size below the minimum
    expect(code(ext([8, 0, 1000, 0, 1]))).toBe('E_TRUNCATED'); // 1000 records announced, one present
    expect(code(ext([8, 99, 1, 0, 1]))).toBe('E_STRING'); // section name outside the string table
    expect(code(ext([8, 0, 0]))).toBe('E_EXT'); // an empty block
    expect(code(new Uint8Array(8))).toBe('E_MAGIC');
  });

  it('never throws anything but BtfError on random mutations of real BTF', () => {
    const sample = corpus.find((f) => f.startsWith('global_data')) ?? corpus[0];
    if (!sample) return;
    const { btfBytes, extBytes } = corpusBtf(sample);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), (flips, cut) => {
        const mutated = btfBytes.slice(0, cut % 3 === 0 ? btfBytes.length : cut % (btfBytes.length + 1));
        for (const [at, value] of flips) if (mutated.length) mutated[at % mutated.length] = value;
        try {
          const btf = parseBtf(mutated);
          for (const t of btf.types) {
            formatDefinition(btf, t.id);
            try {
              decodeValue(btf, t.id, new Uint8Array(64));
            } catch (e) {
              if (!(e instanceof BtfError)) throw e;
            }
          }
          if (extBytes) parseBtfExt(extBytes, btf);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
