import type { RawMap } from './map-snapshot.js';

/** Run counters for one loaded object (sums over its programs). */
export interface RunStats {
  readonly runCount: number;
  readonly runTimeNs: number;
}

/** One artifact running in a runtime: what the agent reads and stops, whatever the runtime. */
export interface RunningProgram {
  readonly runtime: 'kernel' | 'vm';
  readonly attachPoints: readonly string[];
  /** Every streamed map's current contents. */
  readMaps(): RawMap[];
  stats(): RunStats;
  /** Detach and release everything (kernel: links, programs, maps and pins). */
  close(): void;
}
