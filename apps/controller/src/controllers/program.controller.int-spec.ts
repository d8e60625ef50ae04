import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { fleetNames } from '@bpfleet/protocol';
import { sha256Hex, verifyArtifact } from '@bpfleet/signing';
import { eventually, multipart, startTestController, type TestController } from '../testing/harness.js';
import { corpusObject, withoutFinalExit } from '../testing/fixtures.js';

interface VersionBody {
  version: number;
  digest: string;
  status: string;
  parentVersion: number | null;
  signature: string | null;
  programs: { name: string; section: string }[];
}
interface UploadBody {
  created: boolean;
  version: VersionBody;
  queuedProfiles: string[];
}

describe('ProgramController (integration)', () => {
  let t: TestController;
  let operator: string;
  let viewer: string;
  const minimal = corpusObject('minimal');

  beforeAll(async () => {
    t = await startTestController({ MAX_UPLOAD_BYTES: String(64 * 1024) });
    operator = ((await t.request('POST', '/api/v1/tokens', { json: { name: 'ci', role: 'operator' } })).body as { token: string }).token;
    viewer = ((await t.request('POST', '/api/v1/tokens', { json: { name: 'dashboard', role: 'viewer' } })).body as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  const upload = (fields: Record<string, string>, object?: Uint8Array, token: string | null = operator) =>
    t.request('POST', '/api/v1/programs', { token, body: multipart(fields, object) });

  const waitForStatus = (name: string, version: number, done: (s: string) => boolean) =>
    eventually(async () => {
      const r = await t.request('GET', `/api/v1/programs/${name}/versions/${version}`, { token: viewer });
      const body = r.body as VersionBody;
      return done(body.status) ? body : undefined;
    }, 20_000, `${name} v${version} to settle`);

  describe('upload → verify → sign', () => {
    it('should verify a new version against the kernel matrix, sign it and publish the artifact', async () => {
      const r = await upload({ name: 'minimal', description: 'counts packets', source: 'int x;', sourceLang: 'c' }, minimal);
      expect(r.status).toBe(200);
      const body = r.body as UploadBody;
      expect(body.created).toBe(true);
      expect(body.version).toMatchObject({ version: 1, digest: sha256Hex(minimal), parentVersion: null, programs: [{ name: 'count_packets', section: 'xdp' }] });
      expect(body.queuedProfiles).toEqual(['6.1']);

      const signed = await waitForStatus('minimal', 1, (s) => s !== 'pending' && s !== 'verifying');
      expect(signed.status).toBe('signed');

      const report = (await t.request('GET', '/api/v1/programs/minimal/versions/1/verification', { token: viewer })).body as {
        profiles: { kernelProfile: string; state: string; job: { state: string; progress: number } | null; results: { program: string; verdict: string; processedInsns: number }[] }[];
      };
      expect(report.profiles).toHaveLength(1);
      expect(report.profiles[0]).toMatchObject({ kernelProfile: '6.1', state: 'passed', job: { state: 'completed', progress: 100 } });
      expect(report.profiles[0]!.results).toEqual([expect.objectContaining({ program: 'count_packets', verdict: 'pass', verifier: expect.stringMatching(/^bpfleet-verifier/) })]);
      expect(report.profiles[0]!.results[0]!.processedInsns).toBeGreaterThan(0);

      const key = (await t.request('GET', '/api/v1/signing/public-key', { token: null })).body as { publicKey: string };
      expect(verifyArtifact(key.publicKey, { digest: signed.digest, program: 'minimal', version: 1 }, signed.signature!)).toBe(true);

      const nc = await connect({ servers: t.config.NATS_URL });
      try {
        const store = await new Objm(nc).open(fleetNames(t.config.NATS_PREFIX).artifactStore);
        const artifact = await store.getBlob(signed.digest);
        expect(artifact && sha256Hex(artifact)).toBe(signed.digest);
      } finally {
        await nc.close();
      }

      const download = await t.request('GET', '/api/v1/programs/minimal/versions/1/object', { token: viewer });
      expect(download.status).toBe(200);
      expect(download.raw.headers.get('x-content-sha256')).toBe(signed.digest);
      expect(Buffer.from(await download.raw.arrayBuffer()).equals(Buffer.from(minimal))).toBe(true);
    });

    it('should return the existing version when identical bytes are uploaded again', async () => {
      const r = await upload({ name: 'minimal' }, minimal);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ created: false, version: { version: 1 }, queuedProfiles: [] });
      const versions = (await t.request('GET', '/api/v1/programs/minimal/versions', { token: viewer })).body as VersionBody[];
      expect(versions).toHaveLength(1);
    });

    it('should reject a version the verifier fails, keep its lineage and never sign it', async () => {
      const r = await upload({ name: 'minimal' }, withoutFinalExit(minimal));
      expect(r.body).toMatchObject({ created: true, version: { version: 2, parentVersion: 1 } });
      const rejected = await waitForStatus('minimal', 2, (s) => s !== 'pending' && s !== 'verifying');
      expect(rejected.status).toBe('rejected');
      expect(rejected.signature).toBeNull();
      const report = (await t.request('GET', '/api/v1/programs/minimal/versions/2/verification?profile=6.1', { token: viewer })).body as {
        profiles: { state: string; results: { verdict: string; error: string | null }[] }[];
      };
      expect(report.profiles[0]).toMatchObject({ state: 'failed', results: [{ verdict: 'fail' }] });
      expect(report.profiles[0]!.results[0]!.error).toBeTruthy();
    });

    it('should list and get programs', async () => {
      const list = (await t.request('GET', '/api/v1/programs', { token: viewer })).body as { name: string; versions: number; latestVersion: number }[];
      expect(list).toEqual([expect.objectContaining({ name: 'minimal', versions: 2, latestVersion: 2 })]);
      const one = await t.request('GET', '/api/v1/programs/minimal', { token: viewer });
      expect(one.body).toMatchObject({ name: 'minimal', description: 'counts packets', versions: 2 });
    });
  });

  describe('bad input', () => {
    const elfHeaderOnly = minimal.subarray(0, 100);

    it.each([
      ['no object', { name: 'x1' }, undefined, 400, /missing the ELF object/],
      ['not ELF', { name: 'x2' }, new TextEncoder().encode('hello, this is not an ELF object. '.repeat(10)), 422, /NOT_ELF/],
      ['truncated', { name: 'x3' }, elfHeaderOnly, 422, /TRUNCATED/],
      ['a host binary', { name: 'x4' }, new Uint8Array(readFileSync(process.execPath).subarray(0, 60000)), 422, /NOT_BPF/],
      ['too large', { name: 'x5' }, new Uint8Array(70 * 1024), 413, /too large/i],
      ['a bad name', { name: '../etc' }, minimal, 400, /name must be/],
      ['an unknown field', { name: 'x6', owner: 'me' }, minimal, 400, /should not exist/],
      ['source without a language', { name: 'x7', source: 'int x;' }, minimal, 400, /sourceLang/],
      ['a bad language', { name: 'x8', source: 'x', sourceLang: 'rust' }, minimal, 400, /sourceLang/],
      ['an unknown parent', { name: 'minimal', parentVersion: '99' }, withoutFinalExit(withoutFinalExit(minimal)).map((b, i) => (i === 70 ? b ^ 1 : b)), 404, /parent version 99/],
    ] as const)('should refuse an upload with %s and store nothing', async (_what, fields, object, status, message) => {
      const r = await upload(fields, object);
      expect(r.status).toBe(status);
      expect(JSON.stringify(r.body)).toMatch(message);
      const names = ((await t.request('GET', '/api/v1/programs', { token: viewer })).body as { name: string }[]).map((p) => p.name);
      expect(names).toEqual(['minimal']);
    });

    it.each([
      ['GET', '/api/v1/programs/nope', 404],
      ['GET', '/api/v1/programs/bad%20name', 400],
      ['GET', '/api/v1/programs/minimal/versions/abc', 400],
      ['GET', '/api/v1/programs/minimal/versions/0', 400],
      ['GET', '/api/v1/programs/minimal/versions/42', 404],
      ['GET', '/api/v1/programs/nope/versions', 404],
      ['GET', '/api/v1/programs/minimal/versions/1/verification?profile=9.9', 404],
      ['GET', '/api/v1/programs/minimal/versions/1/verification?bogus=1', 400],
      ['GET', '/api/v1/programs/minimal/versions/9/object', 404],
      ['POST', '/api/v1/programs/minimal/versions/1/verify', 400],
      ['GET', '/api/v1/agents?status=sleepy', 400],
      ['GET', '/api/v1/agents?selector=%3D%3D', 400],
      ['GET', '/api/v1/audit?limit=0', 400],
      ['DELETE', '/api/v1/tokens/not-a-uuid', 400],
      ['DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', 404],
    ] as const)('should answer %s %s with %i and a message', async (method, path, status) => {
      const r = await t.request(method, path);
      expect(r.status).toBe(status);
      expect((r.body as { message: unknown }).message).toBeTruthy();
    });

    it.each([
      [{ name: 'x', role: 'root' }, /role must be one of/],
      [{ name: '', role: 'viewer' }, /name/],
      [{ role: 'viewer' }, /name/],
      [{ name: 'ok', role: 'viewer', extra: true }, /should not exist/],
    ])('should refuse creating token %j', async (json, message) => {
      const r = await t.request('POST', '/api/v1/tokens', { json });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(message);
    });

    it('should refuse malformed JSON', async () => {
      const r = await t.request('POST', '/api/v1/tokens', { body: '{"name":', headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
    });
  });
});
