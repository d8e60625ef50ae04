// Reads `bpfleet agents --json` on stdin and prints one row per agent and program with the runtime the
// agent actually chose for it (kernel or vm) and why, from the agent's own last status report (the
// `bpfleet agents` table shows the runtimes but not the reasons).
//   bpfleet agents --json | node scripts/demo/runtime-table.mjs
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const agents = JSON.parse(input);
  const rows = [['AGENT', 'POLICY', 'PROGRAM', 'STATE', 'RUNS ON', 'WHY']];
  for (const a of agents) {
    if (a.programs.length === 0) rows.push([a.id, a.runtime, '-', '-', '-', '']);
    for (const p of a.programs) {
      const why = p.state === 'failed' ? `${p.error?.code ?? 'FAILED'}: ${p.error?.message ?? ''}` : (p.runtime?.reason ?? '');
      rows.push([a.id, a.runtime, `${p.program}@${p.version}`, p.state, p.runtime?.kind ?? '-', why.length > 70 ? `${why.slice(0, 67)}...` : why]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
});
