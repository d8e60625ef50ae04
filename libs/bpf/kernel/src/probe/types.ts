/** Attach kinds the probe tries for real. */
export const attachKinds = [
  'tracepoint',
  'raw_tracepoint',
  'tp_btf',
  'kprobe',
  'uprobe',
  'perf_event',
  'xdp',
  'tc',
  'socket_filter',
  'fentry',
  'lsm',
] as const;
export type AttachKind = (typeof attachKinds)[number];

export interface AttachResult {
  readonly ok: boolean;
  /** Which stage failed and the errno (`load: EINVAL`, `attach: ENOENT`), when it did. */
  readonly reason?: string;
}

export interface KernelCapabilities {
  readonly kernelRelease: string;
  readonly arch: string;
  readonly libbpf: { readonly available: boolean; readonly version: string; readonly missingSymbols: readonly string[]; readonly error?: string };
  readonly btf: { readonly vmlinux: boolean; readonly path: string };
  readonly privileges: {
    readonly uid: number;
    /** Effective capabilities that matter (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN). */
    readonly capabilities: readonly string[];
    /** /proc/sys/kernel/unprivileged_bpf_disabled (null when unreadable). */
    readonly unprivilegedBpfDisabled: number | null;
  };
  /** A socket filter loads: BPF works at all for this process. */
  readonly canLoad: boolean;
  readonly bpffs: { readonly path: string; readonly mounted: boolean; readonly mountedByProbe: boolean; readonly error?: string };
  readonly tracefs: { readonly path: string; readonly mounted: boolean; readonly mountedByProbe: boolean; readonly error?: string };
  readonly possibleCpus: number;
  readonly onlineCpus: number;
  /** /proc/sys/kernel/bpf_stats_enabled (run counters in program info). */
  readonly statsEnabled: boolean | null;
  /** /proc/sys/net/core/bpf_jit_enable. */
  readonly jitEnabled: number | null;
  /** Program types the kernel accepts (libbpf_probe_bpf_prog_type), by lowercase uapi name. */
  readonly programTypes: Readonly<Record<string, boolean>>;
  readonly mapTypes: Readonly<Record<string, boolean>>;
  /** Helper ids usable per program type (for the types agents run). */
  readonly helpers: Readonly<Record<string, readonly number[]>>;
  readonly attach: Readonly<Record<AttachKind, AttachResult>>;
  /** How long the probe took (ms). */
  readonly probeMs: number;
}
