// Judges the loader's verdicts (one JSON line per program) against load-expectations.txt: every
// refusal must be listed there as an environment refusal. Exit 1 otherwise. Used by check-load.sh.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [verdictFile, expectationFile] = process.argv.slice(2);
const expected = readFileSync(expectationFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim() && !line.startsWith('#'))
  .map((line) => line.trim().split(/\s+/))
  .map(([object, program]) => ({ object, program }));

let loaded = 0;
let listed = 0;
const unexpected = [];
for (const line of readFileSync(verdictFile, 'utf8').split('\n').filter(Boolean)) {
  const v = JSON.parse(line);
  const object = path.basename(v.file).replace(/(\.v[34])?\.o$/, '');
  if (v.accepted) { loaded++; continue; }
  if (expected.some((e) => e.object === object && (e.program === '*' || e.program === v.program))) { listed++; continue; }
  const why = v.kernelMessage || v.libbpfLog.trim().split('\n').pop() || '';
  unexpected.push(`REFUSED ${path.basename(v.file)} ${v.program || '*'} errno=${v.errno}: ${why.slice(0, 200)}`);
}
for (const u of unexpected) console.error(u);
console.log(`loaded ${loaded} programs, ${listed} refused for listed environment reasons, ${unexpected.length} unexpected refusals`);
process.exit(unexpected.length ? 1 : 0);
