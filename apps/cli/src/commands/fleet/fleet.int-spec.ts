// The fleet commands in-process against a real controller, started as a child process from its build
// (apps/controller/dist, rebuilt incrementally first) against the real Postgres, Redis and NATS on this
// machine, isolated in its own database, NATS prefix and queue prefix, all removed afterwards.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SimFleet } from '@bpfleet/agent-sim';
import { LocalFleet, eventually, repoRoot } from '@bpfleet/local-fleet';
import { main } from '../../main.js';
import type { CliIo } from '../../io.js';

const examples = join(repoRoot, 'examples/build');

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`) };
  const code = await main(['node', 'bpfleet', ...argv], io);
  return { code, out, err };
}

describe('fleet commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfleet-cli-fleet-'));
  // The controller as a process on its own database, NATS prefix and queue prefix (removed by close()).
  const local = new LocalFleet({ name: `bpfleet_cli_test_${randomBytes(4).toString('hex')}`, dir: join(dir, 'fleet'), dieWithParent: true });
  let fleet: SimFleet | undefined;
  let server = '';
  let adminToken = '';
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    execFileSync('bash', [join(repoRoot, 'tests/bpf/build.sh')], { stdio: 'ignore' });
    execFileSync('npx', ['tsc', '-b', join(repoRoot, 'apps/controller/tsconfig.lib.json')], { cwd: repoRoot, stdio: 'inherit' });
    await local.prepare();
    await local.startController(60_000);
    server = local.server;
    adminToken = local.token;
    // Simulated agents that speak the real protocol (announce, heartbeat, watch desired state, report loads).
    const key = await local.api<{ publicKey: string }>('/api/v1/signing/public-key');
    fleet = await SimFleet.connect({ natsUrl: local.natsUrl, prefix: local.prefix, publicKeyPem: key.publicKey });
    await fleet.spawn(4, { labels: () => ({ env: 'test' }), kernelRelease: '6.1.0-13-amd64' });
    fleet.startHeartbeats(1000);
    process.env['BPFLEET_CONFIG_DIR'] = join(dir, 'config');
    delete process.env['BPFLEET_TOKEN'];
    delete process.env['BPFLEET_SERVER'];
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    await fleet?.close();
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('should refuse a bad token at login and store a good one with mode 0600', async () => {
    const bad = await cli('login', '--server', server, '--token', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/401/);
    const good = await cli('login', '--server', server, '--token', adminToken);
    expect(good.code).toBe(0);
    const file = join(dir, 'config', 'credentials.json');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('should exit 2 on bad flags and without a server', async () => {
    expect((await cli('rollout', 'opens@x')).code).toBe(2);
    expect((await cli('rollout', 'opens@1', '--canary', '200%')).code).toBe(2);
    expect((await cli('query', 'opens', '--map', 'opens', '--agg', 'median')).code).toBe(2);
    expect((await cli('push', join(examples, 'opens_per_process.o'))).code).toBe(2); // --name missing
  });

  it('should push an example, list it, and report it signed after verification', async () => {
    const pushed = await cli('push', join(examples, 'opens_per_process.o'), '--name', 'opens', '--source', join(repoRoot, 'examples/opens_per_process.bpf.c'));
    expect(pushed.err).toBe('');
    expect(pushed.out).toMatch(/^pushed opens@1 sha256:/);
    const again = await cli('push', join(examples, 'opens_per_process.o'), '--name', 'opens', '--json');
    expect(JSON.parse(again.out)).toMatchObject({ created: false, version: { version: 1 } });

    const programs = await cli('programs', '--json');
    expect(JSON.parse(programs.out)).toEqual([expect.objectContaining({ name: 'opens', versions: 1 })]);
    expect((await cli('programs')).out).toMatch(/^NAME\s+VERSIONS/);

    const report = await eventually(async () => {
      const r = await cli('verify-report', 'opens@1', '--json');
      const parsed = JSON.parse(r.out) as { version: { status: string } };
      return parsed.version.status === 'signed' ? parsed : undefined;
    }, 60_000, 'opens@1 signed');
    expect(report.version.status).toBe('signed');
    expect((await cli('versions', 'opens')).out).toMatch(/\n1\s+signed\s+[0-9a-f]{12}/);
  }, 90_000);

  it('should show the rejection of the broken example with its source line', async () => {
    const pushed = await cli('push', join(examples, 'broken_null_deref.o'), '--name', 'broken', '--source', join(repoRoot, 'examples/broken_null_deref.bpf.c'));
    expect(pushed.code).toBe(0);
    const text = await eventually(async () => {
      const r = await cli('verify-report', 'broken@1');
      return /rejected/.test(r.out) ? r.out : undefined;
    }, 60_000, 'broken@1 rejected');
    expect(text).toMatch(/fail/);
    expect(text).toMatch(/map_value_or_null/);
    expect(text).toMatch(/broken_null_deref\.bpf\.c:20/);
  }, 90_000);

  it('should refuse a file that is not ELF with the server message', async () => {
    const junk = join(dir, 'junk.o');
    writeFileSync(junk, 'not an elf object at all');
    const r = await cli('push', junk, '--name', 'junk');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/POST \/api\/v1\/programs: 4\d\d: /);
  });

  it('should roll out to the matching agents wave by wave, show it, list it and roll it back', async () => {
    await eventually(async () => {
      const r = await cli('agents', '--json');
      const agents = JSON.parse(r.out) as { status: string }[];
      return agents.filter((a) => a.status === 'online').length === 4 ? true : undefined;
    }, 20_000, 'four online agents');
    const watched = await cli('rollout', 'opens@1', '--selector', 'env=test', '--canary', '25%', '--waves', '2', '--pause', '0s', '--watch');
    expect(watched.err).toBe('');
    expect(watched.out).toMatch(/^started rollout [0-9a-f-]{36}/);
    expect(watched.out).toMatch(/completed\s+wave \d\/\d/);
    expect(watched.out).toMatch(/wave 0 .*1\/1 loaded/);
    const id = /started rollout ([0-9a-f-]{36})/.exec(watched.out)![1]!;

    const list = await cli('rollouts', '--json');
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ id, state: 'completed' })]);
    const status = await cli('rollout', 'status', id);
    expect(status.out).toContain(`rollout ${id}  opens@1`);
    expect(status.out).toMatch(/agents: loaded 4/);
    expect(status.out.match(/^sim-\d\s+\d\s+loaded/gm)).toHaveLength(4);

    const rolledBack = await cli('rollout', 'rollback', id, '--reason', 'test', '--json');
    expect(rolledBack.err).toBe('');
    expect(JSON.parse(rolledBack.out)).toMatchObject({ id, reason: 'test' });

    const missing = await cli('rollout', 'status', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/404/);
    expect((await cli('agents')).out).toMatch(/^ID\s+HOST\s+STATUS/);
  }, 60_000);

  it('should run a query as JSON and as a histogram', async () => {
    const q = await cli('query', 'opens', '--map', 'opens', '--agg', 'topk', '--since', '15m', '--json');
    expect(q.err).toBe('');
    expect(JSON.parse(q.out)).toMatchObject({ agg: 'topk' });
    const h = await cli('query', 'opens', '--map', 'opens', '--agg', 'histogram');
    expect(h.code).toBe(0);
  });
});
