import { readFileSync } from 'node:fs';
import { libc } from '../native/libc.js';
import { loadObject } from '../object.js';
import { KernelError, errnoName } from '../errors.js';
import type { Link } from '../link.js';
import type { KernelProgram } from '../program.js';
import { attachKprobe } from '../attach/kprobe.js';
import { attachPerfEvent } from '../attach/perf-event.js';
import { attachSocketFilter } from '../attach/socket.js';
import { attachTc } from '../attach/tc.js';
import { attachRawTracepoint, attachTracepoint, attachTracing } from '../attach/tracepoint.js';
import { attachUprobe } from '../attach/uprobe.js';
import { attachXdp } from '../attach/xdp.js';
import { probeObjectBase64 } from './generated/probe-object.js';
import type { AttachKind, AttachResult } from './types.js';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const LOOPBACK = 'lo';

/** The libc this process mapped (for a uprobe target every Linux process has). */
function libcPath(): string {
  const line = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((l) => /\/libc[.-][^/]*\.so/.test(l) || l.endsWith('/libc.so.6'));
  const path = line?.slice(line.indexOf('/'));
  if (!path) throw new KernelError('libc not found in /proc/self/maps', 'uprobe', 2);
  return path;
}

const attachers: Record<AttachKind, { program: string; attach: (p: KernelProgram) => Link | undefined }> = {
  tracepoint: { program: 'probe_tracepoint', attach: (p) => attachTracepoint(p, 'syscalls/sys_enter_getpid') },
  raw_tracepoint: { program: 'probe_raw_tp', attach: (p) => attachRawTracepoint(p, 'sys_enter') },
  tp_btf: { program: 'probe_tp_btf', attach: (p) => attachTracing(p) },
  kprobe: { program: 'probe_kprobe', attach: (p) => attachKprobe(p, 'do_sys_openat2') },
  uprobe: { program: 'probe_uprobe', attach: (p) => attachUprobe(p, { binary: libcPath(), symbol: 'getpid' }) },
  perf_event: { program: 'probe_perf_event', attach: (p) => attachPerfEvent(p, { frequency: 1, cpus: [0] }) },
  xdp: { program: 'probe_xdp', attach: (p) => attachXdp(p, LOOPBACK, 'generic') },
  tc: { program: 'probe_tc', attach: (p) => attachTc(p, LOOPBACK, 'ingress', { priority: 0xfff0, handle: 0x10000 + (process.pid % 0xefff) }) },
  socket_filter: {
    program: 'probe_socket',
    attach: (p) => {
      const fd = libc().socket(AF_INET, SOCK_DGRAM, 0);
      if (fd < 0) throw new KernelError('socket() failed', 'socket', 24);
      try {
        attachSocketFilter(p, fd).close();
      } finally {
        libc().close(fd);
      }
      return undefined;
    },
  },
  fentry: { program: 'probe_fentry', attach: (p) => attachTracing(p) },
  lsm: { program: 'probe_lsm', attach: (p) => attachTracing(p) },
};

function describe(stage: string, e: unknown): string {
  if (e instanceof KernelError) return `${stage}: ${errnoName(e.errno)}`;
  return `${stage}: ${(e as Error).message}`;
}

const EBUSY = 16;
const EEXIST = 17;

/**
 * Attaches and detaches, retrying once: tests or agents may probe concurrently on the same loopback
 * interface. An interface busy with another XDP program still proves XDP attaches here.
 */
function attachOnce(kind: AttachKind, run: () => void): AttachResult {
  let last: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      run();
      return { ok: true };
    } catch (e) {
      last = e;
      if (e instanceof KernelError && (kind === 'xdp' || kind === 'tc') && (e.errno === EBUSY || e.errno === EEXIST)) {
        return { ok: true, reason: `supported (${errnoName(e.errno)}: ${LOOPBACK} is in use by another program)` };
      }
    }
  }
  return { ok: false, reason: describe('attach', last) };
}

/** Loads each probe program alone and attaches it for real, then detaches. */
export function probeAttach(): Record<AttachKind, AttachResult> {
  const elf = new Uint8Array(Buffer.from(probeObjectBase64, 'base64'));
  const out = {} as Record<AttachKind, AttachResult>;
  for (const [kind, { program, attach }] of Object.entries(attachers) as [AttachKind, (typeof attachers)[AttachKind]][]) {
    let obj;
    try {
      obj = loadObject(elf, { name: 'bpfleet_probe', programs: [program], logSize: 64 * 1024 });
    } catch (e) {
      out[kind] = { ok: false, reason: describe('load', e) };
      continue;
    }
    try {
      out[kind] = attachOnce(kind, () => attach(obj.program(program))?.close());
    } finally {
      obj.close();
    }
  }
  return out;
}
