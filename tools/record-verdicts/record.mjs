#!/usr/bin/env node
// Records the running kernel's verdict on every program of tests/verifier-corpus (and, as accepted
// real-world programs, tests/bpf) into tests/verifier-corpus/verdicts.json. Needs root.
//
//   node tools/record-verdicts/record.mjs [--only SUBSTRING] [--out FILE] [--allow-mismatch]
//
// Each source states what it expects in its header (`verdict:`, `rule:`, `expect:`, `mode:`); a
// program whose recorded verdict or message disagrees with its header fails the run (exit 1) unless
// --allow-mismatch, so the corpus cannot silently drift from what the kernel says.
// `mode: unprivileged` programs are loaded by a process whose capability bounding set is only
// CAP_BPF + CAP_NET_ADMIN: without CAP_PERFMON/CAP_SYS_ADMIN the verifier applies its unprivileged
// rules (no pointer leaks or comparisons, no uninitialised stack reads, Spectre hardening) although
// CAP_BPF still allows loops and the 1M-instruction limit. Fully unprivileged loading (no CAP_BPF) is
// probed and recorded, but usually disabled by kernel.unprivileged_bpf_disabled.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { constants, release } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const corpusDir = path.join(root, 'tests/verifier-corpus');
const generalBuild = path.join(root, 'tests/bpf/build');
const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const only = option('--only');
const outFile = path.resolve(option('--out') ?? path.join(corpusDir, 'verdicts.json'));
const allowMismatch = args.includes('--allow-mismatch');
const RESTRICTED_CAPS = '-all,+bpf,+net_admin';
const HEX_LIMIT = 4096; // raw programs up to this many slots carry their bytes in the JSON
const LOG_LEVEL = 5; // BPF_LOG_LEVEL1 | BPF_LOG_STATS: the failing path plus verification time and stack depth

const errnoNames = Object.fromEntries(Object.entries(constants.errno).map(([name, value]) => [value, name]));
errnoNames[524] = 'ENOTSUPP';

execFileSync('bash', [path.join(root, 'tests/bpf/build.sh')], { stdio: 'inherit' });
const loader = execFileSync('bash', [path.join(root, 'tools/record-verdicts/build-loader.sh')]).toString().trim();

/** Header lines `# key: value` (asm) or `// key: value` (C) at the top of a source. */
function readHeader(file) {
  const header = { description: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:#|\/\/)\s?(.*)$/.exec(line);
    if (!m) { if (line.trim() === '') continue; break; }
    const kv = /^(prog_type|verdict|rule|expect|mode|mcpu|note):\s*(.*)$/.exec(m[1]);
    if (kv) header[kv[1]] = kv[2].trim();
    else header.description.push(m[1]);
  }
  header.description = header.description.join(' ').trim();
  return header;
}

function runLoader(loaderArgs, mode) {
  const cmd = mode === 'unprivileged' ? 'setpriv' : loader;
  const argv = mode === 'unprivileged' ? ['--bounding-set', RESTRICTED_CAPS, loader, ...loaderArgs] : loaderArgs;
  argv.splice(argv.indexOf(loaderArgs[0]), 0, '--log-level', String(LOG_LEVEL));
  const r = spawnSync(cmd, argv, { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`loader failed (${r.status}): ${r.stderr}`);
  return r.stdout.toString().trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Splits statistics lines that the kernel glued to a message missing its newline. */
const unglue = (log) => log.replace(/(?<=\S)(verification time \d+ usec|processed \d+ insns \(limit)/g, '\n$1');

function verdictRecord(result, extra) {
  const log = unglue(result.log);
  return {
    ...extra,
    program: result.program,
    section: result.section ?? null,
    progType: result.progType,
    accepted: result.accepted,
    errno: result.errno,
    errnoName: result.errno ? (errnoNames[result.errno] ?? null) : null,
    kernelMessage: result.kernelMessage || null,
    kernelMessageLines: result.accepted ? [] : messageLines(log),
    insnsProcessed: result.insnsProcessed,
    verificationTimeUsec: Number(/^verification time (\d+) usec$/m.exec(log)?.[1] ?? NaN) || null,
    stackDepth: /^stack depth ([\d+]+)$/m.exec(log)?.[1] ?? null,
    insns: result.insns,
    logTruncated: result.logTruncated,
    log: result.log.trimEnd(),
    ...(result.libbpfLog && !result.accepted && !result.log ? { libbpfLog: result.libbpfLog.trimEnd() } : {}),
  };
}

/** The last meaningful log lines: the kernel sometimes explains the refusal over two lines. */
function lastLines(log, n) {
  const trailer = /^(processed |verification time|stack depth|-- END PROG LOAD LOG --|mark_precise|Func#|cur state:|old state:)/;
  return log.split('\n').filter((l) => l.trim() && !trailer.test(l)).slice(-n).join('\n');
}

/** The refusal as the kernel words it: the lines after the last printed instruction (at most 3). */
function messageLines(log) {
  const lines = lastLines(log, 12).split('\n').filter(Boolean);
  const lastInsn = lines.findLastIndex((l) => /^\d+: \(/.test(l));
  const after = lines.slice(lastInsn + 1).filter((l) => !/^\s*;|^\d+: R|^(caller|callee):|^\s+frame\d/.test(l));
  return (after.length ? after : lines.slice(-1)).slice(-3);
}

const rel = (p) => path.relative(root, p);
// Objects are reproducible with the same compiler, so a consumer can tell a stale verdict by this hash.
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const programs = [];
const mismatches = [];

const sources = readdirSync(corpusDir).filter((f) => f.endsWith('.s') || f.endsWith('.bpf.c')).sort();
for (const name of sources) {
  if (only && !name.includes(only)) continue;
  const source = path.join(corpusDir, name);
  const h = readHeader(source);
  const mode = h.mode ?? 'privileged';
  const stem = name.replace(/\.(s|bpf\.c)$/, '');
  const expected = { verdict: h.verdict ?? null, rule: h.rule ?? null, message: h.expect ?? null };
  const base = { file: rel(source), corpus: 'verifier-corpus', description: h.description, mode, expected, ...(h.note ? { note: h.note } : {}) };
  let results;
  if (name.endsWith('.s')) {
    if (!h.prog_type) throw new Error(`${name}: missing prog_type header`);
    const bin = path.join(corpusDir, 'build', `${stem}.bin`);
    results = runLoader(['raw', bin, h.prog_type, stem.slice(0, 15)], mode).map((r) => ({ ...r, program: stem }));
    const bytes = readFileSync(bin);
    base.object = rel(bin);
    base.objectSha256 = sha256(bin);
    base.format = 'raw';
    if (h.mcpu) base.mcpu = h.mcpu;
    base.insnsHex = bytes.length / 8 <= HEX_LIMIT ? bytes.toString('hex') : null;
  } else {
    const obj = path.join(corpusDir, 'build', `${stem}.o`);
    results = runLoader(['object', obj], mode);
    base.object = rel(obj);
    base.objectSha256 = sha256(obj);
    base.format = 'elf';
  }
  for (const r of results) {
    const rec = verdictRecord(r, base);
    programs.push(rec);
    const wantAccept = expected.verdict === 'accept';
    if (expected.verdict && wantAccept !== rec.accepted) mismatches.push(`${name}/${rec.program}: expected ${expected.verdict}, kernel ${rec.accepted ? 'accepted' : `rejected: ${rec.kernelMessage}`}`);
    else if (!wantAccept && expected.message && !lastLines(rec.log, 4).includes(expected.message)) mismatches.push(`${name}/${rec.program}: expected message "${expected.message}", kernel said "${rec.kernelMessage}"`);
  }
}

// The realistic corpus: recorded as-is (every program; the loader check lists environment refusals).
if (!only && existsSync(generalBuild)) {
  for (const name of readdirSync(generalBuild).filter((f) => f.endsWith('.o')).sort()) {
    const obj = path.join(generalBuild, name);
    const src = path.join(root, 'tests/bpf', `${name.replace(/(\.v[34])?\.o$/, '')}.bpf.c`);
    for (const r of runLoader(['object', obj], 'privileged')) {
      programs.push(verdictRecord(r, { file: rel(src), corpus: 'bpf', mode: 'privileged', object: rel(obj), objectSha256: sha256(obj), format: 'elf' }));
    }
  }
}

const probe = (argv) => JSON.parse(spawnSync(argv[0], argv.slice(1)).stdout.toString());
const full = probe(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', loader, 'probe']);
const restricted = probe(['setpriv', '--bounding-set', RESTRICTED_CAPS, loader, 'probe']);
const sysctl = readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim();
const libbpfVersion = spawnSync('pkg-config', ['--modversion', 'libbpf']).stdout.toString().trim() || restricted.libbpf;

const out = {
  kernelRelease: release(),
  libbpfVersion,
  recordedAt: new Date().toISOString(),
  logLevel: LOG_LEVEL,
  compilers: {
    clang: execFileSync('clang', ['--version']).toString().split('\n')[0],
    clangV4: existsSync('/usr/bin/clang-19') ? execFileSync('clang-19', ['--version']).toString().split('\n')[0] : null,
    llvmMc: execFileSync(existsSync('/usr/bin/llvm-mc-19') ? 'llvm-mc-19' : 'llvm-mc', ['--version']).toString().split('\n').find((l) => /version/i.test(l))?.trim() ?? null,
  },
  modes: {
    privileged: 'root with every capability (CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)',
    unprivileged: {
      recordedAs: `capability bounding set ${RESTRICTED_CAPS}: the verifier's unprivileged rules (allow_ptr_leaks, allow_uninit_stack, bypass_spec_v1/v4 all false) with CAP_BPF kept`,
      restrictedCanLoad: restricted.canLoad,
      fullyUnprivileged: {
        canLoad: full.canLoad,
        errno: full.errno,
        sysctlUnprivilegedBpfDisabled: Number(sysctl),
        note: full.canLoad
          ? 'loads without any capability work here'
          : `loads without CAP_BPF are refused (errno ${full.errno}) because kernel.unprivileged_bpf_disabled=${sysctl}: rules that only apply without CAP_BPF (back-edges, 4,096-instruction limit, helper restrictions) cannot be recorded on this machine`,
      },
    },
  },
  counts: {
    verifierCorpus: {
      accepted: programs.filter((p) => p.corpus === 'verifier-corpus' && p.accepted).length,
      rejected: programs.filter((p) => p.corpus === 'verifier-corpus' && !p.accepted).length,
    },
    bpfCorpus: {
      accepted: programs.filter((p) => p.corpus === 'bpf' && p.accepted).length,
      rejected: programs.filter((p) => p.corpus === 'bpf' && !p.accepted).length,
    },
  },
  programs,
};
writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
console.log(`recorded ${programs.length} programs on ${out.kernelRelease} into ${rel(outFile)}: ${JSON.stringify(out.counts)}`);
if (mismatches.length) {
  console.error(`${mismatches.length} programs disagree with their header:\n  ${mismatches.join('\n  ')}`);
  if (!allowMismatch) process.exit(1);
}
