import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VmMap } from '@bpfleet/vm';
import { isStreamed } from './map-snapshot.js';
import { writeAtomic } from './state-store.js';

/**
 * What a VM program's maps held at its last snapshot, kept in the data dir so a restarted agent (crash,
 * `stop({detach: false})`) continues with them instead of empty maps: the VM's counterpart of the
 * kernel's pinned maps. Written after the snapshot's batches are buffered, with the counter baselines
 * of that snapshot, so the stream stays exact whatever the restart: a crash before the write leaves
 * the previous state, whose baselines match its map contents.
 */
export interface VmState {
  readonly version: number;
  readonly digest: string;
  /** Map name -> [keyHex, valueHex] pairs. */
  readonly maps: Record<string, [string, string][]>;
  readonly baselines: Record<string, Record<string, string>>;
}

export class VmStateStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'vm-state');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** `<program>.json`, escaped; long names (up to 128 characters, escaping triples) by their hash. */
  private fileName(program: string): string {
    const escaped = encodeURIComponent(program);
    return escaped.length <= 200 ? `${escaped}.json` : `sha256-${createHash('sha256').update(program).digest('hex')}.json`;
  }

  private file(program: string): string {
    return join(this.dir, this.fileName(program));
  }

  save(program: string, version: number, digest: string, maps: readonly VmMap[], baselines: Record<string, Record<string, string>>): void {
    const contents: Record<string, [string, string][]> = {};
    for (const map of maps) {
      if (!isStreamed(map.spec)) continue;
      contents[map.name] = [...map.entries()].map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString('hex')]);
    }
    const state: VmState = { version, digest, maps: contents, baselines };
    writeAtomic(this.file(program), JSON.stringify(state));
  }

  /** The state kept for exactly this version of the program, else undefined (and a stale one is removed). */
  load(program: string, version: number, digest: string): VmState | undefined {
    let state: VmState;
    try {
      state = JSON.parse(readFileSync(this.file(program), 'utf8')) as VmState;
    } catch {
      return undefined;
    }
    if (state.version === version && state.digest === digest && typeof state.maps === 'object' && state.maps !== null) return state;
    this.forget(program);
    return undefined;
  }

  /** Remove the state of every program not in `keep` (removed from the desired state while the agent was down). */
  forgetAllBut(keep: Iterable<string>): void {
    const kept = new Set([...keep].map((p) => this.fileName(p)));
    for (const f of readdirSync(this.dir)) if (f.endsWith('.json') && !kept.has(f)) rmSync(join(this.dir, f), { force: true });
  }

  forget(program: string): void {
    rmSync(this.file(program), { force: true });
  }
}

/** Put saved contents back into freshly created VM maps of the same name, type and sizes. */
export function restoreVmMaps(maps: readonly VmMap[], state: VmState): number {
  let restored = 0;
  for (const map of maps) {
    const entries = state.maps[map.name];
    if (!entries || !isStreamed(map.spec)) continue;
    for (const [k, v] of entries) {
      const key = Buffer.from(k, 'hex');
      const value = Buffer.from(v, 'hex');
      // A map whose definition changed under the same version cannot happen; skip what does not fit.
      if (key.length !== map.spec.keySize) continue;
      try {
        map.update(key, value);
        restored++;
      } catch {
        // Full or refused: the rest of the map still comes back.
      }
    }
  }
  return restored;
}
