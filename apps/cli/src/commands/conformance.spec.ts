import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../main.js';
import { capture } from '../testing/capture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const suite = path.resolve(repoRoot, '../shared/conformance/tests');
const haveSuite = existsSync(suite);
if (!haveSuite) console.log(`conformance suite not found at ${suite}: skipping the full-suite CLI test`);

describe('bpfleet conformance', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bpfleet-conformance-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (haveSuite ? it : it.skip)('should pass the whole suite with the interpreter', async () => {
    const io = capture();
    expect(await main(['node', 'bpfleet', 'conformance', suite, '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toEqual({ passed: 313, failed: 0, failures: [] });
  });

  it('should list failures and exit 1', async () => {
    writeFileSync(path.join(dir, 'good.data'), '-- asm\nmov %r0, 3\nexit\n-- result\n0x3\n');
    writeFileSync(path.join(dir, 'bad.data'), '-- asm\nmov %r0, 3\nexit\n-- result\n0x4\n');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'conformance', dir, '--json'], io)).toBe(1);
    expect(JSON.parse(io.stdout)).toEqual({ passed: 1, failed: 1, failures: [{ file: 'bad.data', expected: '0x4', got: '0x3' }] });
  });

  it('should run with the JIT too', async () => {
    writeFileSync(path.join(dir, 'add.data'), '-- asm\nmov %r0, 1\nadd %r0, 2\nexit\n-- result\n0x3\n');
    const io = capture();
    expect(await main(['node', 'bpfleet', 'conformance', dir, '--engine', 'jit'], io)).toBe(0);
    expect(io.stdout).toMatch(/1\/1 passed \(jit\)/);
  });
});
