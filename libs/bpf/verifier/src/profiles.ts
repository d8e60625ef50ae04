import type { KernelBtfExtract } from './kernel-btf/extract.js';
import { VMLINUX_6_18 } from './kernel-btf/vmlinux-6-18.js';

/** A kernel version's verifier limits and features. */
export interface KernelProfile {
  /** `6.12` etc. */
  readonly name: string;
  /** major * 100 + minor, for comparisons with helper `since`. */
  readonly version: number;
  /** Most instructions a program may have (BPF_MAXINSNS before 5.2 for everyone; unprivileged stays at 4096). */
  readonly maxInsns: number;
  /** Processed-instruction budget (BPF_COMPLEXITY_LIMIT_INSNS). */
  readonly complexityLimit: number;
  readonly boundedLoops: boolean;
  /** cpu=v4 instructions: sdiv/smod, movsx, ldsx, bswap, gotol. */
  readonly cpuV4: boolean;
  /** bpf-to-bpf calls (4.16+). */
  readonly bpfCalls: boolean;
  /** JMP32 class (5.1+). */
  readonly jmp32: boolean;
  /** Atomic ops beyond add (5.12+). */
  readonly atomics: boolean;
  /** Log wording that changed in 6.x (`scalar` vs `inv`, `At program exit ...` with smin/smax). */
  readonly modernLog: boolean;
  /**
   * Prototypes of BTF-typed attach targets (tp_btf, LSM hooks) from 5.5 on. Only the 6.18 extract
   * exists (taken on the recording machine); older profiles use it too, as tracepoint and hook
   * prototypes rarely change. A caller may pass its hosts' own extract in VerifyOptions.
   */
  readonly kernelBtf: KernelBtfExtract | null;
}

const P = (
  name: string,
  version: number,
  opts: Partial<Omit<KernelProfile, 'name' | 'version'>>,
): KernelProfile => ({
  name,
  version,
  maxInsns: version >= 502 ? 1_000_000 : 4096,
  complexityLimit: version >= 502 ? 1_000_000 : 131_072,
  boundedLoops: version >= 503,
  cpuV4: version >= 606,
  bpfCalls: version >= 416,
  jmp32: version >= 501,
  atomics: version >= 512,
  modernLog: version >= 600,
  kernelBtf: version >= 505 ? VMLINUX_6_18 : null,
  ...opts,
});

export const PROFILES: readonly KernelProfile[] = [
  P('4.9', 409, {}),
  P('4.14', 414, {}),
  P('4.19', 419, {}),
  P('5.4', 504, {}),
  P('5.10', 510, {}),
  P('5.15', 515, {}),
  P('6.1', 601, {}),
  P('6.6', 606, {}),
  P('6.12', 612, {}),
  P('6.18', 618, {}),
];

export const DEFAULT_PROFILE: KernelProfile = PROFILES[PROFILES.length - 1]!;

/** Thrown for an unknown `--kernel` value. */
export class UnknownKernelProfileError extends Error {
  readonly code = 'EBPF_PROFILE';
  constructor(readonly requested: string) {
    super(`unknown kernel profile ${requested} (known: ${PROFILES.map((p) => p.name).join(', ')})`);
    this.name = 'UnknownKernelProfileError';
  }
}

/** The profile for `X.Y`: an exact match, else the newest profile not newer than it. */
export function kernelProfile(name?: string): KernelProfile {
  if (name === undefined || name === 'latest') return DEFAULT_PROFILE;
  const m = /^(\d+)\.(\d+)/.exec(name);
  if (!m) throw new UnknownKernelProfileError(name);
  const version = Number(m[1]) * 100 + Number(m[2]);
  let best: KernelProfile | undefined;
  for (const p of PROFILES) if (p.version <= version) best = p;
  if (!best) throw new UnknownKernelProfileError(name);
  if (best.version === version) return best;
  return P(`${m[1]}.${m[2]}`, version, {});
}
