import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadBpfObject } from './loader.js';
import { BPF_F_MMAPABLE, mapTypeName } from './maps.js';
import { corpusObjects, buildDir, hasTool, readObject } from './testing/corpus.js';

// The strongest truth there is: libbpf (through bpftool) loads each corpus object into the running
// kernel, and the maps the kernel then holds must be the maps our loader described.
const bpffs = '/sys/fs/bpf';
const reason = !hasTool('bpftool', ['version'])
  ? 'bpftool is not installed'
  : process.getuid?.() !== 0
    ? 'needs root to load BPF programs'
    : !existsSync(bpffs)
      ? `${bpffs} is not mounted`
      : undefined;
if (reason) console.log(`kernel cross-check skipped: ${reason}`);

interface KernelMap {
  name: string;
  type: string;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
  flags: number;
}

function bpftoolJson<T>(args: string[]): T {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as T;
}

/** Loads the object with libbpf, returns the maps its programs use as the kernel reports them (undefined if the kernel refuses it). */
function kernelMaps(file: string): KernelMap[] | undefined {
  const dir = mkdtempSync(path.join(bpffs, 'bpfleet-elf-'));
  try {
    try {
      execFileSync('bpftool', ['prog', 'loadall', path.join(buildDir, file), dir], { stdio: 'ignore', timeout: 30_000 });
    } catch {
      return undefined;
    }
    const ids = new Set<number>();
    for (const pin of readdirSync(dir)) for (const id of bpftoolJson<{ map_ids?: number[] }>(['prog', 'show', 'pinned', path.join(dir, pin)]).map_ids ?? []) ids.add(id);
    return [...ids].map((id) => bpftoolJson<KernelMap>(['map', 'show', 'id', String(id)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const objects = corpusObjects().filter((f) => /^[^.]+\.o$/.test(f));

/**
 * libbpf before 1.2 set BPF_F_MMAPABLE on every global-data map; 1.2 and later only on sections with a
 * non-static variable (commit 4fcac46c7e10), which is the rule our loader follows. With an older
 * libbpf installed, that one bit of internal maps is not comparable.
 */
function mmapableComparable(): boolean {
  if (reason) return true;
  const v = bpftoolJson<{ libbpf_version?: string }>(['version']).libbpf_version ?? '0.0';
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 2);
}

(reason ? describe.skip : describe)('loadBpfObject against maps libbpf created in the kernel', () => {
  let compared = 0;
  let loaded = 0;
  const compareMmapable = mmapableComparable();
  it.each(objects)('%s', (file) => {
    const kernel = kernelMaps(file);
    if (!kernel) return; // libbpf or the kernel refused the object (legacy maps, fentry/lsm here): nothing to compare
    loaded++;
    const ours = loadBpfObject(readObject(file), { name: file }).maps;
    for (const k of kernel) {
      // The kernel keeps 15 characters of a name.
      const m = ours.find((x) => x.name.slice(0, 15) === k.name);
      expect({ file, map: k.name, found: m !== undefined }).toEqual({ file, map: k.name, found: true });
      const internal = m!.origin !== 'btf' && m!.origin !== 'legacy';
      const mask = internal && !compareMmapable ? ~BPF_F_MMAPABLE : ~0;
      expect({ map: k.name, type: mapTypeName(m!.type), keySize: m!.keySize, valueSize: m!.valueSize, flags: m!.flags & mask }).toEqual({
        map: k.name,
        type: k.type,
        keySize: k.bytes_key,
        valueSize: k.bytes_value,
        flags: k.flags & mask,
      });
      // libbpf fills in a perf event array's size (CPU count) when the object leaves it 0.
      if (m!.maxEntries !== 0) expect(m!.maxEntries).toBe(k.max_entries);
      compared++;
    }
  });
  afterAll(() => {
    console.log(`kernel cross-check: ${compared} maps in ${loaded} of ${objects.length} objects (the rest the kernel refused)`);
    if (!reason) expect(compared).toBeGreaterThan(0);
  });
});
