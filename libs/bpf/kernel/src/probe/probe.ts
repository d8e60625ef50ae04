import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { arch, release } from 'node:os';
import { BpfMapType, BpfProgType } from '@bpfleet/elf';
import { libbpf } from '../native/libbpf.js';
import { captureLibbpfLog } from '../native/log.js';
import { libc } from '../native/libc.js';
import { sizeOf } from '../native/structs.js';
import { possibleCpus } from '../cpus.js';
import { onlineCpus } from '../attach/cpu-list.js';
import { BPFFS, TRACEFS, ensureMounted, type MountState } from './filesystems.js';
import { probeAttach } from './attach-probe.js';
import { attachKinds, type AttachKind, type AttachResult, type KernelCapabilities } from './types.js';

export interface ProbeOptions {
  /** Ignore the cached report and probe again. */
  readonly refresh?: boolean;
  /** Mount bpffs and tracefs when missing (default true; needs CAP_SYS_ADMIN). */
  readonly mount?: boolean;
  /** Probe helpers per program type (default true; ~1,500 tiny loads). */
  readonly helpers?: boolean;
}

// Helper ids to probe: past the last one the kernel knows, libbpf reports "not supported".
const MAX_HELPER_ID = 220;
const helperProgTypes = [
  BpfProgType.SOCKET_FILTER,
  BpfProgType.KPROBE,
  BpfProgType.SCHED_CLS,
  BpfProgType.TRACEPOINT,
  BpfProgType.XDP,
  BpfProgType.PERF_EVENT,
  BpfProgType.RAW_TRACEPOINT,
];
const capabilityBits: Readonly<Record<string, number>> = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 };

let cached: KernelCapabilities | undefined;

function readNumber(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function effectiveCapabilities(): string[] {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'));
    if (!line) return [];
    const mask = BigInt(`0x${line.split(/\s+/)[1]}`);
    return Object.entries(capabilityBits)
      .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
      .map(([name]) => name);
  } catch {
    return [];
  }
}

function enumName(e: Record<string, string | number>, value: number): string {
  return String(e[value]).toLowerCase();
}

function numericMembers(e: Record<string, string | number>): number[] {
  return Object.values(e).filter((v): v is number => typeof v === 'number' && v !== 0);
}

function probeTypes(kind: 'prog' | 'map'): Record<string, boolean> {
  const lib = libbpf();
  const e = (kind === 'prog' ? BpfProgType : BpfMapType) as unknown as Record<string, string | number>;
  const out: Record<string, boolean> = {};
  for (const t of numericMembers(e)) {
    const ret = (kind === 'prog' ? lib.libbpf_probe_bpf_prog_type(t, null) : lib.libbpf_probe_bpf_map_type(t, null)) as number;
    out[enumName(e, t)] = ret === 1;
  }
  return out;
}

/**
 * Helper ids a program type may call. libbpf 1.1's libbpf_probe_bpf_helper only knows the verifier's
 * older wording, so on newer kernels it reports every helper as usable; we load `call id; r0 = 0;
 * exit` ourselves and read the verifier's answer.
 */
function probeHelpers(programTypes: Record<string, boolean>): Record<string, number[]> {
  const lib = libbpf();
  const out: Record<string, number[]> = {};
  const e = BpfProgType as unknown as Record<string, string | number>;
  const insns = Buffer.alloc(24);
  insns.writeUInt8(0x85, 0); // call imm
  insns.writeUInt8(0xb7, 8); // r0 = 0
  insns.writeUInt8(0x95, 16); // exit
  const log = Buffer.alloc(4096);
  const opts = {
    sz: sizeOf('bpf_prog_load_opts'), attempts: 0, expected_attach_type: 0, prog_btf_fd: 0, prog_flags: 0, prog_ifindex: 0,
    kern_version: 0, attach_btf_id: 0, attach_prog_fd: 0, attach_btf_obj_fd: 0, fd_array: null, func_info: null,
    func_info_cnt: 0, func_info_rec_size: 0, line_info: null, line_info_cnt: 0, line_info_rec_size: 0,
    log_level: 1, log_size: log.length, log_buf: log,
  };
  for (const t of helperProgTypes) {
    const name = enumName(e, t);
    if (!programTypes[name]) continue;
    const ids: number[] = [];
    for (let id = 1; id <= MAX_HELPER_ID; id++) {
      insns.writeInt32LE(id, 4);
      log[0] = 0;
      const fd = lib.bpf_prog_load(t, null, 'GPL', insns, 3, opts) as number;
      if (fd >= 0) {
        libc().close(fd);
        ids.push(id);
        continue;
      }
      const text = log.toString('latin1', 0, Math.max(0, log.indexOf(0)));
      if (!/invalid func|unknown func|cannot use helper|not supported|func .*#\d+ not/.test(text) && text !== '') ids.push(id);
    }
    out[name] = ids;
  }
  return out;
}

function unavailable(error: string, started: number, bpffs: MountState, tracefs: MountState): KernelCapabilities {
  const attach = Object.fromEntries(attachKinds.map((k) => [k, { ok: false, reason: 'libbpf unavailable' }])) as Record<AttachKind, AttachResult>;
  return {
    kernelRelease: release(),
    arch: arch(),
    libbpf: { available: false, version: '', missingSymbols: [], error },
    btf: { vmlinux: existsSync('/sys/kernel/btf/vmlinux'), path: '/sys/kernel/btf/vmlinux' },
    privileges: { uid: process.getuid?.() ?? -1, capabilities: effectiveCapabilities(), unprivilegedBpfDisabled: readNumber('/proc/sys/kernel/unprivileged_bpf_disabled') },
    canLoad: false,
    bpffs,
    tracefs,
    possibleCpus: 0,
    onlineCpus: safeOnline(),
    statsEnabled: null,
    jitEnabled: readNumber('/proc/sys/net/core/bpf_jit_enable'),
    programTypes: {},
    mapTypes: {},
    helpers: {},
    attach,
    probeMs: Date.now() - started,
  };
}

function safeOnline(): number {
  try {
    return onlineCpus().length;
  } catch {
    return readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length;
  }
}

/**
 * What this host's kernel allows: loads, map and program types, helpers, and which attach kinds
 * really work (each is tried with a tiny program and detached). Cached after the first call.
 */
export function probeKernel(options: ProbeOptions = {}): KernelCapabilities {
  if (cached && !options.refresh) return cached;
  const started = Date.now();
  const mayMount = options.mount ?? true;
  const bpffs = ensureMounted(BPFFS, 'bpf', mayMount);
  const tracefs = ensureMounted(TRACEFS, 'tracefs', mayMount);
  let lib;
  try {
    lib = libbpf();
  } catch (e) {
    cached = unavailable((e as Error).message, started, bpffs, tracefs);
    return cached;
  }
  const { result } = captureLibbpfLog(() => {
    const programTypes = probeTypes('prog');
    const mapTypes = probeTypes('map');
    const canLoad = programTypes.socket_filter === true;
    const helpers = canLoad && (options.helpers ?? true) ? probeHelpers(programTypes) : {};
    const attach = canLoad ? probeAttach() : (Object.fromEntries(attachKinds.map((k) => [k, { ok: false, reason: 'cannot load BPF programs' }])) as Record<AttachKind, AttachResult>);
    return { programTypes, mapTypes, canLoad, helpers, attach };
  });
  const stats = readNumber('/proc/sys/kernel/bpf_stats_enabled');
  cached = {
    kernelRelease: release(),
    arch: arch(),
    libbpf: { available: true, version: lib.libbpf_version_string() as string, missingSymbols: [...lib.missing] },
    btf: { vmlinux: existsSync('/sys/kernel/btf/vmlinux'), path: '/sys/kernel/btf/vmlinux' },
    privileges: { uid: process.getuid?.() ?? -1, capabilities: effectiveCapabilities(), unprivilegedBpfDisabled: readNumber('/proc/sys/kernel/unprivileged_bpf_disabled') },
    canLoad: result.canLoad,
    bpffs,
    tracefs,
    possibleCpus: possibleCpus(),
    onlineCpus: safeOnline(),
    statsEnabled: stats === null ? null : stats !== 0,
    jitEnabled: readNumber('/proc/sys/net/core/bpf_jit_enable'),
    programTypes: result.programTypes,
    mapTypes: result.mapTypes,
    helpers: result.helpers,
    attach: result.attach,
    probeMs: Date.now() - started,
  };
  return cached;
}
