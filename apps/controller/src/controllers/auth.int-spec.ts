import { startTestController, multipart, type TestController } from '../testing/harness.js';
import { corpusObject } from '../testing/fixtures.js';

describe('auth, roles and audit (integration)', () => {
  let t: TestController;
  const tokens: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };

  beforeAll(async () => {
    t = await startTestController();
    for (const role of ['operator', 'viewer'] as const) {
      const r = await t.request('POST', '/api/v1/tokens', { json: { name: `${role}-1`, role } });
      expect(r.status).toBe(201);
      tokens[role] = (r.body as { token: string }).token;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should refuse calls without a token or with an unknown one', async () => {
    expect((await t.request('GET', '/api/v1/programs', { token: null })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/programs', { token: 'bpf_not-a-real-token-at-all' })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/programs', { token: null, headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('should let a viewer read but not mutate', async () => {
    expect((await t.request('GET', '/api/v1/programs', { token: tokens.viewer })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/agents', { token: tokens.viewer })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/kernel-matrix', { token: tokens.viewer })).status).toBe(200);
    const upload = await t.request('POST', '/api/v1/programs', { token: tokens.viewer, body: multipart({ name: 'minimal' }, corpusObject('minimal')) });
    expect(upload.status).toBe(403);
    expect((upload.body as { message: string }).message).toMatch(/needs operator/);
    expect((await t.request('POST', '/api/v1/tokens', { token: tokens.viewer, json: { name: 'x', role: 'admin' } })).status).toBe(403);
    const list = (await t.request('GET', '/api/v1/programs', { token: tokens.viewer })).body;
    expect(list).toEqual([]);
  });

  it('should let an operator upload but not manage tokens or read the audit log', async () => {
    const upload = await t.request('POST', '/api/v1/programs', { token: tokens.operator, body: multipart({ name: 'minimal' }, corpusObject('minimal')) });
    expect(upload.status).toBe(200);
    expect((await t.request('POST', '/api/v1/tokens', { token: tokens.operator, json: { name: 'x', role: 'viewer' } })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/tokens', { token: tokens.operator })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/audit', { token: tokens.operator })).status).toBe(403);
  });

  it('should stop accepting a revoked token and never return token hashes', async () => {
    const created = (await t.request('POST', '/api/v1/tokens', { json: { name: 'temp', role: 'viewer' } })).body as { id: string; token: string };
    expect((await t.request('GET', '/api/v1/programs', { token: created.token })).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/tokens/${created.id}`)).status).toBe(204);
    expect((await t.request('GET', '/api/v1/programs', { token: created.token })).status).toBe(401);
    const listed = JSON.stringify((await t.request('GET', '/api/v1/tokens')).body);
    expect(listed).not.toMatch(/tokenHash|token_hash/);
    expect(listed).not.toContain(created.token);
  });

  it('should audit every mutation, successful or refused after authentication', async () => {
    await t.request('POST', '/api/v1/programs', { token: tokens.operator, body: multipart({ name: 'broken' }, new TextEncoder().encode('not elf')) });
    const audit = (await t.request('GET', '/api/v1/audit?limit=50')).body as { actor: string; action: string; outcome: string; statusCode: number; target: string }[];
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'bootstrap-admin', action: 'TokenController.create', outcome: 'success', statusCode: 201 }),
        expect.objectContaining({ actor: 'operator-1', action: 'ProgramController.upload', outcome: 'success', statusCode: 200 }),
        expect.objectContaining({ actor: 'operator-1', action: 'ProgramController.upload', outcome: 'failure', statusCode: 422 }),
        expect.objectContaining({ actor: 'bootstrap-admin', action: 'TokenController.revoke', outcome: 'success', statusCode: 204 }),
      ]),
    );
    expect(audit.some((a) => a.action.includes('list'))).toBe(false);
  });

  describe('system endpoints', () => {
    it('should serve liveness, readiness, metrics and the OpenAPI document without a token', async () => {
      expect((await t.request('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
      const ready = await t.request('GET', '/readyz', { token: null });
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ ready: true, checks: { postgres: { ok: true }, redis: { ok: true }, nats: { ok: true } } });
      const metrics = await t.request('GET', '/metrics', { token: null });
      expect(metrics.body).toMatch(/bpfleet_uploads_total\{outcome="created"\} 1/);
      expect(metrics.body).toMatch(/bpfleet_http_requests_total/);
      const doc = (await t.request('GET', '/api/docs-json', { token: null })).body as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/programs',
          '/api/v1/programs/{name}',
          '/api/v1/programs/{name}/versions',
          '/api/v1/programs/{name}/versions/{version}',
          '/api/v1/programs/{name}/versions/{version}/verification',
          '/api/v1/programs/{name}/versions/{version}/object',
          '/api/v1/agents',
          '/api/v1/tokens',
          '/api/v1/audit',
          '/api/v1/signing/public-key',
          '/api/v1/kernel-matrix',
          '/api/v1/rollouts',
          '/api/v1/rollouts/{id}',
          '/api/v1/rollouts/{id}/pause',
          '/api/v1/rollouts/{id}/resume',
          '/api/v1/rollouts/{id}/abort',
          '/api/v1/rollouts/{id}/rollback',
          '/api/v1/metrics/query',
          '/api/v1/programs/{name}/versions/{version}/verify',
          '/healthz',
          '/metrics',
          '/readyz',
        ]),
      );
      expect((await t.request('GET', '/api/docs', { token: null })).status).toBe(200);
    });
  });
});
