// Reads `bpfleet query packets_by_protocol --map by_proto --field packets --agg topk --group-by agent,key
// --json` on stdin (groups `host/protocol number`) and prints one row per host, one column per protocol.
//   ... --json | node scripts/demo/protocol-table.mjs
const NAMES = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 255: 'non-ip' };
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const counts = new Map();
  const protocols = new Set();
  for (const { group, value } of JSON.parse(input).top ?? []) {
    if (!(value > 0)) continue;
    const [host, proto] = group.split('/');
    const name = NAMES[proto] ?? `proto ${proto}`;
    protocols.add(name);
    counts.set(host, { ...counts.get(host), [name]: value });
  }
  if (counts.size === 0) return void process.stdout.write('(no packets yet)\n');
  const columns = [...protocols].sort();
  const rows = [['HOST', ...columns], ...[...counts].sort().map(([host, c]) => [host, ...columns.map((p) => String(c[p] ?? 0))])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}\n`);
});
