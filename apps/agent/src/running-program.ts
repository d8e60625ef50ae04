import type { RawEvent, RawMap, RunStats } from '@bpfleet/vm-host';

export type { RawEvent, RunStats } from '@bpfleet/vm-host';

/** One artifact running in a runtime: what the agent reads and stops, whatever the runtime. */
export interface RunningProgram {
  readonly runtime: 'kernel' | 'vm';
  readonly attachPoints: readonly string[];
  /** Every streamed map's current contents. */
  readMaps(): RawMap[];
  stats(): RunStats;
  /** Ring-buffer records since the previous call, oldest first. */
  takeEvents(): RawEvent[];
  /** Detach and release everything (kernel: links, programs, maps and pins). */
  close(): void;
  /** Let go without detaching what outlives the process (kernel pins); the VM simply stops. */
  release(): void;
}
