import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { interpreterConformanceEngine, runConformanceText } from './conformance.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../../..');
const suite = path.resolve(repoRoot, '../shared/conformance');
const present = existsSync(path.join(suite, 'tests'));
if (!present) console.log(`conformance suite not found at ${suite}: skipping`);
const maybe = present ? describe : describe.skip;

maybe('bpf_conformance suite (interpreter)', () => {
  const files = present ? readdirSync(path.join(suite, 'tests')).filter((f) => f.endsWith('.data')).sort() : [];

  it('should pass every test', () => {
    const failures = files
      .map((f) => runConformanceText(f, readFileSync(path.join(suite, 'tests', f), 'utf8'), interpreterConformanceEngine))
      .filter((o) => o.status !== 'pass');
    expect(failures).toEqual([]);
    expect(files.length).toBe(313);
  });

  it('should report incorrect_return_value_high_bits as a mismatch', () => {
    const text = readFileSync(path.join(suite, 'negative', 'incorrect_return_value_high_bits.data'), 'utf8');
    const outcome = runConformanceText('incorrect_return_value_high_bits.data', text, interpreterConformanceEngine);
    expect(outcome).toMatchObject({ status: 'fail', expected: '0x8977665544332211', got: '0x8877665544332211' });
  });
});
