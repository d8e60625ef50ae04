import type { BpfProgramSpec } from '@bpfleet/elf';

/** The task a tracing event happened in: what get_current_pid_tgid/uid_gid/comm and ktime return. */
export interface TaskContext {
  /** tgid << 32 | pid. */
  readonly pidTgid: bigint;
  /** gid << 32 | uid. */
  readonly uidGid: bigint;
  readonly comm: string;
  /** bpf_ktime_get_ns at the event (replay: the recorded clock); the VM's clock when absent. */
  readonly ktimeNs?: bigint;
}

/** One event for VM programs. Which programs it reaches depends on its kind (see eventFits). */
export type VmEvent =
  /** A frame from the Ethernet header on: xdp, tc, socket filter and cgroup skb programs. */
  | { readonly kind: 'packet'; readonly frame: Uint8Array; readonly direction: 'ingress' | 'egress' }
  /** A sampled moment (`struct bpf_perf_event_data`): perf_event programs. */
  | { readonly kind: 'perf_sample'; readonly ctx: Uint8Array; readonly cpu: number; readonly task: TaskContext }
  /** A tracepoint's record (`category/name`) or a raw tracepoint's u64 arguments. */
  | { readonly kind: 'tracepoint' | 'raw_tracepoint'; readonly target: string; readonly ctx: Uint8Array; readonly cpu: number; readonly task: TaskContext }
  /** An application event (USDT-style probe name and payload). */
  | { readonly kind: 'app'; readonly probe: string; readonly payload: Uint8Array };

export interface SourceStats {
  /** Events handed to the sink. */
  readonly events: number;
  /** Inputs not turned into events (frames too short, filtered, malformed), by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * Something that produces events for VM programs: a live interface, a pcap file, a sampler, a
 * recording, an application socket. start() begins delivery to `sink`; finite sources resolve `done`
 * when everything was delivered; stop() ends delivery (idempotent).
 */
export interface VmEventSource {
  /** For messages: `interface eth0`, `pcap trace.pcapng`, `perf sampling 99 Hz`. */
  readonly description: string;
  /** Finite sources (a pcap file, a recording) end by themselves and are not restarted. */
  readonly finite?: boolean;
  /** Reads what feeds() needs (a recording's attach points); called once before feeds. */
  prepare?(): Promise<void>;
  /** Whether this source has events for a program (by type and attach point). */
  feeds(spec: BpfProgramSpec): boolean;
  start(sink: (event: VmEvent) => void): Promise<void>;
  /** Resolves when a finite source has delivered everything (never, for live ones, until stopped). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  stats(): SourceStats;
  /** What ended a finite source early (a malformed file), if anything. */
  readonly error?: Error;
}

/** Counts skipped inputs by reason (shared by the sources). */
export class SkipCounter {
  readonly counts: Record<string, number> = {};
  add(reason: string, n = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + n;
  }
}

/** A promise with its resolve, for `done`. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
