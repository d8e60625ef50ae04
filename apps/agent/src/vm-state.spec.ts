import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBpfObject } from '@bpfleet/elf';
import { VmRunningProgram } from '@bpfleet/vm-host';
import { VmStateStore, restoreVmMaps } from './vm-state.js';

const objectPath = resolve(import.meta.dirname, '../../../tests/bpf/build/minimal.o');
const haveCorpus = existsSync(objectPath);
if (!haveCorpus) console.warn('VM state tests skipped: build the corpus first (bash tests/bpf/build.sh)');
const describeCorpus = haveCorpus ? describe : describe.skip;

const FRAME = new Uint8Array(64).fill(0xab);
const start = () => VmRunningProgram.start(loadBpfObject(readFileSync(objectPath), { name: 'minimal.o' }), { cpus: 1, budget: 1000 });
const counter = (r: VmRunningProgram) => r.readMaps().find((m) => m.spec.name === 'counter')?.entries[0]?.value;

describeCorpus('VM state kept across restarts', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vm-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the streamed maps with the baselines and restores them into a fresh VM of the same version', () => {
    const store = new VmStateStore(dir);
    const a = start();
    for (let i = 0; i < 5; i++) a.deliver('count_packets', FRAME);
    store.save('pkts', 3, 'ab'.repeat(32), a.vm.maps, { counter: { '00000000': '5' } });
    const saved = store.load('pkts', 3, 'ab'.repeat(32));
    expect(saved?.baselines).toEqual({ counter: { '00000000': '5' } });
    const b = start();
    expect(restoreVmMaps(b.vm.maps, saved!)).toBe(1);
    expect(Buffer.from(counter(b)!).readBigUInt64LE(0)).toBe(5n);
    b.deliver('count_packets', FRAME);
    expect(Buffer.from(counter(b)!).readBigUInt64LE(0)).toBe(6n);
  });

  it('ignores and removes the state of another version or digest', () => {
    const store = new VmStateStore(dir);
    store.save('pkts', 1, 'aa', start().vm.maps, {});
    expect(store.load('pkts', 2, 'aa')).toBeUndefined();
    expect(readdirSync(join(dir, 'vm-state'))).toEqual([]);
    store.save('pkts', 1, 'aa', start().vm.maps, {});
    expect(store.load('pkts', 1, 'bb')).toBeUndefined();
    expect(store.load('missing', 1, 'aa')).toBeUndefined();
  });

  it('keeps any program name (escaped, long ones by hash) and forgets all but the wanted ones', () => {
    const store = new VmStateStore(dir);
    const long = 'é/'.repeat(64);
    for (const name of ['a/b', '..', long, 'gone']) store.save(name, 1, 'aa', start().vm.maps, {});
    expect(readdirSync(join(dir, 'vm-state')).every((f) => f.length < 255 && !f.includes('/'))).toBe(true);
    store.forgetAllBut(['a/b', '..', long]);
    expect(store.load('gone', 1, 'aa')).toBeUndefined();
    for (const name of ['a/b', '..', long]) expect(store.load(name, 1, 'aa')?.version).toBe(1);
  });
});
