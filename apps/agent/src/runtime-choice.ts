import { BpfProgType, type BpfObject, type BpfProgramSpec } from '@bpfleet/elf';
import type { AttachKind, KernelCapabilities } from '@bpfleet/kernel';
import { autoloadPrograms } from '@bpfleet/vm-host';
import type { RuntimePolicy } from './config.js';

export { autoloadPrograms };

export interface RuntimeDecision {
  readonly kind: 'kernel' | 'vm';
  readonly reason: string;
}

/** What a program needs from the host beyond its type: an attach kind the probe tried, a target. */
function attachKindOf(spec: BpfProgramSpec): AttachKind | undefined {
  switch (spec.type) {
    case BpfProgType.TRACEPOINT:
      return 'tracepoint';
    case BpfProgType.RAW_TRACEPOINT:
    case BpfProgType.RAW_TRACEPOINT_WRITABLE:
      return 'raw_tracepoint';
    case BpfProgType.KPROBE:
      return /^u(ret)?probe/.test(spec.section) ? 'uprobe' : 'kprobe';
    case BpfProgType.PERF_EVENT:
      return 'perf_event';
    case BpfProgType.XDP:
      return 'xdp';
    case BpfProgType.SCHED_CLS:
    case BpfProgType.SCHED_ACT:
      return 'tc';
    case BpfProgType.SOCKET_FILTER:
      return 'socket_filter';
    case BpfProgType.TRACING:
      return /^tp_btf\//.test(spec.section) ? 'tp_btf' : 'fentry';
    case BpfProgType.LSM:
      return 'lsm';
    default:
      return undefined;
  }
}

/** Why the kernel cannot run this program here, or undefined when it can. */
function kernelRefusal(spec: BpfProgramSpec, caps: KernelCapabilities, hasInterface: boolean): string | undefined {
  const typeName = (BpfProgType[spec.type] ?? String(spec.type)).toLowerCase();
  if (!caps.canLoad) return `the kernel does not load BPF for this process${caps.libbpf.error ? ` (${caps.libbpf.error})` : ''}`;
  if (caps.programTypes[typeName] === false) return `the kernel refuses program type ${typeName}`;
  const kind = attachKindOf(spec);
  if (!kind) return `program type ${typeName} has no attach point the agent manages`;
  const attach = caps.attach[kind];
  if (!attach.ok) return `${kind} programs cannot attach here (${attach.reason ?? 'refused'})`;
  if ((kind === 'xdp' || kind === 'tc') && !hasInterface) return `${kind} needs an interface (--interface) to attach in the kernel`;
  if (kind === 'socket_filter') return 'socket filters need a socket, which the agent feeds from the VM';
  if ((kind === 'kprobe' || kind === 'uprobe') && /^k(ret)?probe\/?$|^u(ret)?probe\/?$/.test(spec.section)) return `${spec.section} has no target in its section`;
  return undefined;
}


/**
 * Kernel when the probe says every program of the object loads and attaches here, otherwise the VM.
 * `kernel` policy never falls back; `vm` policy never touches the kernel.
 */
export function chooseRuntime(object: BpfObject, policy: RuntimePolicy, caps: KernelCapabilities | undefined, hasInterface: boolean): RuntimeDecision | { readonly kind: 'refused'; readonly reason: string } {
  if (policy === 'vm') return { kind: 'vm', reason: 'runtime policy is vm' };
  const refusals: string[] = [];
  for (const spec of autoloadPrograms(object)) {
    const why = caps ? kernelRefusal(spec, caps, hasInterface) : 'the kernel probe failed';
    if (why) refusals.push(`${spec.name}: ${why}`);
  }
  if (refusals.length === 0) return { kind: 'kernel', reason: policy === 'kernel' ? 'runtime policy is kernel' : 'the kernel loads and attaches every program here' };
  if (policy === 'kernel') return { kind: 'refused', reason: `runtime policy is kernel but ${refusals.join('; ')}` };
  return { kind: 'vm', reason: refusals.join('; ').slice(0, 256) };
}
