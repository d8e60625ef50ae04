// scripts/validate-deploy.sh accepts the shipped manifests and refuses broken ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');
const script = join(repoRoot, 'scripts/validate-deploy.sh');

function validate(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('validate-deploy.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfleet-validate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should accept the shipped compose file and Kubernetes manifests', () => {
    const r = validate([]);
    expect(r.output).toMatch(/k8s: \d+ document\(s\) valid/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('should refuse a Deployment whose fields have the wrong types', () => {
    const file = join(dir, 'broken-deployment.yaml');
    writeFileSync(file, ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: broken }', 'spec:', '  replicas: two', '  selector: { matchLabels: { a: b } }', '  template:', '    spec:', '      containers: [{ image: x }]', ''].join('\n'));
    const r = validate([file]);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/replicas must be integer/);
    expect(r.output).toMatch(/must have required property '?name'?/);
  });

  it('should refuse an unknown kind and malformed YAML', () => {
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'apiVersion: v1\nkind: NoSuchThing\nmetadata: { name: x }\n');
    expect(validate([unknown]).status).toBe(1);
    const malformed = join(dir, 'malformed.yaml');
    writeFileSync(malformed, 'apiVersion: v1\nkind: Service\nmetadata: { name: x\n');
    const r = validate([malformed]);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/YAML/);
  });

  it('should refuse a broken compose file when a compose tool is installed', () => {
    const compose = join(dir, 'compose.yml');
    writeFileSync(compose, 'services:\n  web:\n    image: nginx\n    ports: 80\n    depends_on: { nope: { condition: maybe } }\n');
    const r = validate([join(repoRoot, 'deploy/k8s')], { COMPOSE_FILE: compose });
    if (/compose: skipped/.test(r.output)) {
      console.log('compose check skipped: no docker compose / docker-compose installed');
      return;
    }
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/compose: .* invalid/);
  });
});
