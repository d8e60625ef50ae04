// Keeps tests/verifier-corpus/verdicts.json honest without a kernel: every corpus source has a
// recorded verdict, the verdict and message agree with what the source's header promises, and the
// corpus still covers every verifier rule with enough accepted and rejected programs.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface Expected {
  verdict: 'accept' | 'reject' | null;
  rule: string | null;
  message: string | null;
}

interface VerdictEntry {
  file: string;
  corpus: 'verifier-corpus' | 'bpf';
  format: 'raw' | 'elf';
  mode: 'privileged' | 'unprivileged';
  expected?: Expected;
  program: string;
  progType: string;
  accepted: boolean;
  errno: number;
  kernelMessage: string | null;
  insnsProcessed: number | null;
  insns: number;
  insnsHex?: string | null;
  log: string;
}

interface Verdicts {
  kernelRelease: string;
  libbpfVersion: string;
  recordedAt: string;
  modes: { unprivileged: { fullyUnprivileged: { canLoad: boolean; note: string } } };
  programs: VerdictEntry[];
}

const root = path.resolve(import.meta.dirname, '../..');
const corpusDir = path.join(root, 'tests/verifier-corpus');
const verdicts = JSON.parse(readFileSync(path.join(corpusDir, 'verdicts.json'), 'utf8')) as Verdicts;
const corpus = verdicts.programs.filter((p) => p.corpus === 'verifier-corpus');
const sources = readdirSync(corpusDir).filter((f) => f.endsWith('.s') || f.endsWith('.bpf.c'));

/** `# key: value` / `// key: value` lines at the top of a source. */
function header(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(corpusDir, file), 'utf8').split('\n')) {
    const m = /^\s*(?:#|\/\/)\s?(.*)$/.exec(line);
    if (!m) break;
    const kv = /^(prog_type|verdict|rule|expect|mode|mcpu|note):\s*(.*)$/.exec(m[1]);
    if (kv) out[kv[1]] = kv[2].trim();
  }
  return out;
}

const trailer = /^(processed |verification time|stack depth|-- END PROG LOAD LOG --|mark_precise|Func#|cur state:|old state:)/;
const lastLines = (log: string, n: number): string =>
  log.split('\n').filter((l) => l.trim() && !trailer.test(l)).slice(-n).join('\n');

describe('tests/verifier-corpus/verdicts.json', () => {
  it('names the kernel, libbpf and the date it was recorded with', () => {
    expect(verdicts.kernelRelease).toMatch(/^\d+\.\d+/);
    expect(verdicts.libbpfVersion).toMatch(/^\d+\.\d+/);
    expect(Number.isNaN(Date.parse(verdicts.recordedAt))).toBe(false);
    expect(verdicts.modes.unprivileged.fullyUnprivileged.note.length).toBeGreaterThan(0);
  });

  it('has one recorded program per corpus source, and no orphans', () => {
    const recorded = new Set(corpus.map((p) => path.basename(p.file)));
    expect(sources.filter((s) => !recorded.has(s))).toEqual([]);
    expect([...recorded].filter((r) => !sources.includes(r))).toEqual([]);
    expect(corpus).toHaveLength(sources.length);
  });

  it('holds at least 60 accepted and 60 rejected programs', () => {
    expect(corpus.filter((p) => p.accepted).length).toBeGreaterThanOrEqual(60);
    expect(corpus.filter((p) => !p.accepted).length).toBeGreaterThanOrEqual(60);
  });

  it.each(sources)('%s: the kernel verdict matches the header', (source) => {
    const h = header(source);
    const entry = corpus.find((p) => path.basename(p.file) === source);
    expect(entry).toBeDefined();
    if (!entry) return;
    expect(['accept', 'reject']).toContain(h.verdict);
    expect(h.rule).toBeTruthy();
    expect(entry.expected?.rule).toBe(h.rule);
    expect(entry.mode).toBe(h.mode ?? 'privileged');
    expect(entry.accepted).toBe(h.verdict === 'accept');
    if (h.verdict === 'accept') {
      expect(entry.errno).toBe(0);
      expect(entry.insnsProcessed).toBeGreaterThan(0);
    } else {
      expect(entry.errno).toBeGreaterThan(0);
      if (h.expect) expect(lastLines(entry.log, 4)).toContain(h.expect);
    }
    if (source.endsWith('.s')) {
      expect(entry.format).toBe('raw');
      expect(entry.progType).toBe(h.prog_type);
      if (entry.insnsHex) expect(entry.insnsHex.length).toBe(entry.insns * 16);
    }
  });

  it('covers every rule of the verifier issue with a rejected program', () => {
    const rejectedRules = new Set(corpus.filter((p) => !p.accepted).map((p) => p.expected?.rule));
    const required = [
      'invalid-opcode', 'reserved-fields', 'jump-out-of-range', 'jump-into-lddw', 'unreachable', 'fall-off-end',
      'back-edge', 'too-large', 'call-depth', 'stack-depth', 'uninit-register', 'uninit-stack', 'null-deref',
      'map-value-bounds', 'packet-bounds', 'ctx-access', 'ctx-readonly', 'helper-prog-type', 'helper-arg-type',
      'reference-leak', 'spin-lock', 'division-by-zero', 'return-range', 'pointer-arithmetic', 'pointer-32bit',
      'pointer-leak', 'stack-offset', 'complexity-budget',
    ];
    expect(required.filter((r) => !rejectedRules.has(r))).toEqual([]);
  });

  it('gives every rejected program a kernel message, except refusals made before verification', () => {
    const silent = corpus.filter((p) => !p.accepted && !p.kernelMessage).map((p) => p.program);
    expect(silent).toEqual(['reject_too_many_insns']);
  });
});
