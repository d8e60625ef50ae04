import { probeKernel, type KernelCapabilities } from '@bpfleet/kernel';
import type { RegisterCommand } from './index.js';

interface ProbeOptions {
  json?: boolean;
  helpers?: boolean;
  mount?: boolean;
}

function yesNo(v: boolean | null): string {
  return v === null ? 'unknown' : v ? 'yes' : 'no';
}

/** The capability report as aligned text. */
export function formatCapabilities(c: KernelCapabilities): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(24)}${v}`);
  row('kernel', `${c.kernelRelease} (${c.arch})`);
  row('libbpf', c.libbpf.available ? `${c.libbpf.version}${c.libbpf.missingSymbols.length ? ` (missing: ${c.libbpf.missingSymbols.join(', ')})` : ''}` : `unavailable: ${c.libbpf.error}`);
  row('BTF (vmlinux)', c.btf.vmlinux ? c.btf.path : 'no');
  row('can load BPF', yesNo(c.canLoad));
  row('capabilities', c.privileges.capabilities.join(' ') || 'none');
  row('unprivileged BPF', c.privileges.unprivilegedBpfDisabled === null ? 'unknown' : c.privileges.unprivilegedBpfDisabled === 0 ? 'allowed' : `disabled (${c.privileges.unprivilegedBpfDisabled})`);
  const fs = (m: KernelCapabilities['bpffs']) => (m.mounted ? `${m.path}${m.mountedByProbe ? ' (mounted now)' : ''}` : `not mounted${m.error ? `: ${m.error}` : ''}`);
  row('bpffs', fs(c.bpffs));
  row('tracefs', fs(c.tracefs));
  row('CPUs', `${c.possibleCpus} possible, ${c.onlineCpus} online`);
  row('JIT', c.jitEnabled === null ? 'unknown' : c.jitEnabled ? 'enabled' : 'disabled');
  row('BPF stats', yesNo(c.statsEnabled));
  lines.push('', 'attach:');
  for (const [kind, r] of Object.entries(c.attach)) lines.push(`  ${kind.padEnd(22)}${r.ok ? 'ok' : `no (${r.reason})`}`);
  const list = (rec: Readonly<Record<string, boolean>>, ok: boolean) =>
    Object.entries(rec)
      .filter(([, v]) => v === ok)
      .map(([k]) => k)
      .join(' ');
  lines.push('', `program types: ${list(c.programTypes, true)}`, `  refused: ${list(c.programTypes, false) || 'none'}`);
  lines.push(`map types: ${list(c.mapTypes, true)}`, `  refused: ${list(c.mapTypes, false) || 'none'}`);
  if (Object.keys(c.helpers).length) {
    lines.push(`helpers per program type: ${Object.entries(c.helpers).map(([t, ids]) => `${t} ${ids.length}`).join(', ')}`);
  }
  lines.push(`(probed in ${c.probeMs} ms)`);
  return lines.join('\n');
}

/** `bpfleet probe [--json]`: what this host's kernel allows. */
export const registerProbe: RegisterCommand = (program, io) => {
  program
    .command('probe')
    .description("report what this host's kernel allows: BPF loading, program/map types, helpers, attach kinds, BTF, bpffs")
    .option('--json', 'print the report as JSON')
    .option('--no-helpers', 'skip the per-program-type helper probe')
    .option('--no-mount', 'do not mount bpffs/tracefs when missing')
    .action((opts: ProbeOptions) => {
      const caps = probeKernel({ refresh: true, helpers: opts.helpers !== false, mount: opts.mount !== false });
      io.out(opts.json ? JSON.stringify(caps, null, 2) : formatCapabilities(caps));
    });
};
