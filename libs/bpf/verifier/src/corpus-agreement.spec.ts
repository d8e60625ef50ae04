import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BpfObject } from '@bpfleet/elf';
import { type CorpusOutcome, findRepoRoot, messageMatches, readCorpus, runRecorded } from './testing/corpus.js';

const root = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const corpus = readCorpus(root);
if (!corpus) console.log('verifier corpus agreement skipped: tests/verifier-corpus/verdicts.json is missing');

/**
 * Programs where our verdict differs from the recorded kernel's, each with the reason. Every program
 * not listed here must agree; a listed one that starts agreeing fails the test so the list stays true.
 */
const KNOWN_VERDICT_DIFFS: Record<string, string> = {
  // The recording kernel refuses every BPF trampoline program with EPERM before its verifier runs
  // (empty verifier log, nothing processed): a property of that host, not of the programs.
  'tests/bpf/elf_features.bpf.c sleepy': 'fentry.s: the recording host refuses BPF trampolines before verification',
  'tests/bpf/tracing_btf.bpf.c allow_open': 'lsm: the recording host refuses BPF trampolines before verification',
  'tests/bpf/tracing_btf.bpf.c unlink_enter': 'fentry: the recording host refuses BPF trampolines before verification',
  'tests/bpf/tracing_btf.bpf.c unlink_exit': 'fexit: the recording host refuses BPF trampolines before verification',
};

/** Rejected by both, but our message does not contain the kernel's key line. */
const KNOWN_MESSAGE_DIFFS: Record<string, string> = {};

const key = (o: CorpusOutcome): string => `${o.verdict.file} ${o.verdict.program}`;

(corpus ? describe : describe.skip)(`agreement with the kernel's verifier (${corpus?.kernelRelease ?? 'no corpus'})`, () => {
  let outcomes: CorpusOutcome[] = [];
  beforeAll(() => {
    const objects = new Map<string, BpfObject | Error>();
    outcomes = (corpus?.programs ?? []).map((v) => runRecorded(root, v, objects));
  }, 300_000);

  it('agrees on every program except the documented divergences', () => {
    const unexpected: string[] = [];
    const fixed: string[] = [];
    let agree = 0;
    let total = 0;
    for (const o of outcomes) {
      if (!o.result) continue;
      total++;
      const same = o.result.accepted === o.verdict.accepted;
      if (same) agree++;
      const listed = key(o) in KNOWN_VERDICT_DIFFS;
      if (!same && !listed) unexpected.push(`${key(o)}: kernel ${o.verdict.accepted ? 'accepts' : `rejects (${o.verdict.kernelMessage})`}, ours ${o.result.accepted ? 'accepts' : `rejects (${o.result.error?.message})`}`);
      if (same && listed) fixed.push(key(o));
    }
    console.log(`verifier agreement: ${agree}/${total} verdicts (${((100 * agree) / total).toFixed(1)} %)`);
    expect(unexpected).toEqual([]);
    expect(fixed).toEqual([]);
    expect(agree / total).toBeGreaterThanOrEqual(0.97);
  });

  it("names the kernel's message for every program both reject", () => {
    const missing: string[] = [];
    let matched = 0;
    let both = 0;
    for (const o of outcomes) {
      if (!o.result || o.verdict.accepted || o.result.accepted) continue;
      both++;
      if (messageMatches(o.verdict, o.result)) matched++;
      else if (!(key(o) in KNOWN_MESSAGE_DIFFS)) missing.push(`${key(o)}: kernel "${o.verdict.kernelMessage}", ours "${o.result.error?.message}"`);
    }
    console.log(`verifier message match: ${matched}/${both} rejected programs`);
    expect(missing).toEqual([]);
  });

  it('covers the required corpus size', () => {
    const own = outcomes.filter((o) => o.verdict.corpus === 'verifier-corpus');
    expect(own.filter((o) => o.verdict.accepted).length).toBeGreaterThanOrEqual(60);
    expect(own.filter((o) => !o.verdict.accepted).length).toBeGreaterThanOrEqual(60);
  });
});
