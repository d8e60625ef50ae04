/**
 * Agreement of our verifier with the recorded kernel verdicts (tests/verifier-corpus/verdicts.json),
 * printed per program with the mismatches first.
 *
 *   node --conditions=development --import ./scripts/ts-register.mjs bench/verifier/agreement.ts [--all]
 */
import { writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BpfObject } from '@bpfleet/elf';
import { messageMatches, readCorpus, runRecorded } from '../../libs/bpf/verifier/src/testing/corpus.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = readCorpus(root);
if (!corpus) {
  console.log('no tests/verifier-corpus/verdicts.json: nothing to compare');
  process.exit(0);
}
const objects = new Map<string, BpfObject | Error>();
let agree = 0;
let msg = 0;
let rejectedBoth = 0;
let total = 0;
let skipped = 0;
let countsCompared = 0;
let countsEqual = 0;
let countsWithin10 = 0;
for (const v of corpus.programs) {
  if (process.env.TRACE) writeSync(2, `.. ${v.file} ${v.program}\n`);
  const o = runRecorded(root, v, objects);
  if (!o.result) {
    skipped++;
    console.log(`SKIP ${v.file} ${v.program}: ${o.skipped}`);
    continue;
  }
  total++;
  const same = o.result.accepted === v.accepted;
  if (same) agree++;
  if (same && v.accepted && v.insnsProcessed) {
    // How closely our exploration (pruning) follows the kernel's on programs both accept.
    countsCompared++;
    if (o.result.insnsProcessed === v.insnsProcessed) countsEqual++;
    if (Math.abs(o.result.insnsProcessed - v.insnsProcessed) <= v.insnsProcessed * 0.1) countsWithin10++;
    else if (process.argv.includes('--counts')) console.log(`COUNT ${v.file} ${v.program}: kernel ${v.insnsProcessed}, ours ${o.result.insnsProcessed}`);
  }
  if (same && !v.accepted) {
    rejectedBoth++;
    if (messageMatches(v, o.result)) msg++;
    else console.log(`MSG  ${v.file} ${v.program}: kernel "${v.kernelMessage}" ours "${o.result.error?.message.split('\n').join(' | ')}"`);
  }
  if (!same) {
    console.log(`DIFF ${v.file} ${v.program} (${v.progType}, ${v.mode}): kernel ${v.accepted ? 'accepts' : `rejects "${v.kernelMessage}"`}, ours ${o.result.accepted ? 'accepts' : `rejects at ${o.result.error?.insn} "${o.result.error?.message.split('\n').join(' | ')}"`}`);
  }
}
console.log(`processed-instruction counts on programs both accept: ${countsEqual}/${countsCompared} equal to the kernel's, ${countsWithin10}/${countsCompared} within 10 %`);
console.log(`verdicts: ${agree}/${total} agree (${((100 * agree) / total).toFixed(1)} %), messages: ${msg}/${rejectedBoth} rejected programs name the kernel's message, skipped ${skipped}`);
