import fc from 'fast-check';
import { decodeMessage, encodeMessage, validateMessage, decodeMessageOrThrow } from './codec.js';
import { ProtocolError } from './errors.js';
import type { Announce, DesiredState, MetricBatch, StatusReport } from './schemas.js';
import { PROTOCOL_VERSION } from './version.js';

const sentAt = '2026-11-25T12:00:00.000Z';
const digest = 'a'.repeat(64);

const announce: Announce = {
  v: PROTOCOL_VERSION,
  kind: 'announce',
  agentId: 'host-1',
  sentAt,
  hostname: 'host-1.example',
  labels: { env: 'prod', 'topology.kubernetes.io/zone': 'a' },
  kernel: { release: '6.1.0-13-amd64', btf: true },
  capabilities: { canLoadBpf: true, libbpfVersion: '1.4.0', progTypes: ['xdp', 'tracepoint'], mapTypes: ['hash', 'array'] },
  cpus: 2,
  runtime: 'auto',
  agentVersion: '0.1.0',
};

const batch: MetricBatch = {
  v: PROTOCOL_VERSION,
  kind: 'metrics',
  agentId: 'host-1',
  sentAt,
  seq: 42,
  program: 'counter',
  version: 3,
  collectedAt: sentAt,
  maps: [
    {
      map: 'pkts',
      kind: 'counter',
      keyType: 'u32',
      valueType: 'u64',
      entries: [{ key: 6, value: '18446744073709551615', keyHex: '06000000', valueHex: 'ffffffffffffffff' }],
    },
    { map: 'lat', kind: 'log2_histogram', entries: [{ key: 3, value: 10, keyHex: '03000000', valueHex: '0a00000000000000' }] },
  ],
  events: [{ map: 'events', ts: '1764072000000000000', data: { pid: 1, comm: 'init' }, hex: '01000000' }],
};

const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('protocol codec', () => {
  describe('round trip', () => {
    it('should decode what it encodes for every kind', () => {
      const status: StatusReport = {
        v: PROTOCOL_VERSION,
        kind: 'status',
        agentId: 'host-1',
        sentAt,
        programs: [
          { program: 'counter', version: 3, digest, state: 'loaded', runtime: { kind: 'vm', reason: 'kprobe cannot attach here' }, attachPoints: ['kprobe/do_sys_open'], runCount: 10, runTimeNs: 1500, since: sentAt },
          { program: 'bad', version: 1, digest, state: 'failed', attachPoints: [], error: { code: 'EACCES', message: 'verifier rejected', verifierLog: "R0 invalid mem access 'map_value_or_null'" }, since: sentAt },
        ],
      };
      const desired: DesiredState = {
        v: PROTOCOL_VERSION,
        kind: 'desired',
        agentId: 'host-1',
        sentAt,
        revision: 7,
        programs: [{ program: 'counter', version: 3, digest, signature: 'c2lnbmF0dXJl', objectKey: digest }],
      };
      expect(decodeMessageOrThrow('announce', encodeMessage('announce', announce))).toEqual(announce);
      expect(decodeMessageOrThrow('status', encodeMessage('status', status))).toEqual(status);
      expect(decodeMessageOrThrow('desired', encodeMessage('desired', desired))).toEqual(desired);
      expect(decodeMessageOrThrow('metrics', encodeMessage('metrics', batch))).toEqual(batch);
      const hb = { v: PROTOCOL_VERSION, kind: 'heartbeat', agentId: 'h', sentAt, uptimeSeconds: 5, loadedPrograms: 1, agentErrors: 0 } as const;
      expect(decodeMessageOrThrow('heartbeat', encodeMessage('heartbeat', hb))).toEqual(hb);
    });
  });

  describe('typed errors', () => {
    it('should reject a different wire version', () => {
      const r = decodeMessage('announce', bytesOf({ ...announce, v: 99 }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('UNSUPPORTED_VERSION');
    });

    it('should reject a message of another kind', () => {
      const r = decodeMessage('heartbeat', bytesOf(announce));
      expect(!r.ok && r.error.code).toBe('WRONG_KIND');
    });

    it('should name the field that is wrong', () => {
      const r = decodeMessage('metrics', bytesOf({ ...batch, seq: -1, maps: [{ ...batch.maps[0], kind: 'bogus' }] }));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_MESSAGE');
        expect(r.error.context.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['seq', 'maps.0.kind']));
      }
    });

    it('should reject malformed JSON and invalid UTF-8', () => {
      expect(!decodeMessage('announce', new TextEncoder().encode('{"v":1,')).ok).toBe(true);
      const r = decodeMessage('announce', new Uint8Array([0x7b, 0xff, 0x7d]));
      expect(!r.ok && r.error.code).toBe('MALFORMED_JSON');
    });

    it('should reject oversized messages before parsing', () => {
      const r = decodeMessage('announce', new Uint8Array(2048), { maxBytes: 1024 });
      expect(!r.ok && r.error.code).toBe('TOO_LARGE');
    });

    it('should refuse to encode an invalid message', () => {
      expect(() => encodeMessage('announce', { ...announce, agentId: 'bad.id' })).toThrow(ProtocolError);
    });

    it('should reject a bad digest and a non-object', () => {
      expect(validateMessage('desired', { v: 1, kind: 'desired', agentId: 'a', sentAt, revision: 1, programs: [{ program: 'p', version: 1, digest: 'xyz', signature: 'AA==', objectKey: 'k' }] }).ok).toBe(false);
      expect(validateMessage('desired', [1, 2]).ok).toBe(false);
      expect(validateMessage('desired', null).ok).toBe(false);
    });
  });

  describe('random input', () => {
    const kinds = ['announce', 'heartbeat', 'status', 'desired', 'metrics'] as const;

    it('should return a typed error, never throw, for random bytes', () => {
      fc.assert(
        fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 512 }), (kind, data) => {
          const r = decodeMessage(kind, data);
          if (!r.ok) expect(r.error).toBeInstanceOf(ProtocolError);
        }),
        { numRuns: 2000 },
      );
    });

    it('should return a typed error for random JSON values and mutated messages', () => {
      fc.assert(
        fc.property(fc.constantFrom(...kinds), fc.jsonValue(), (kind, value) => {
          const r = decodeMessage(kind, bytesOf(value));
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toBeInstanceOf(ProtocolError);
        }),
        { numRuns: 1000 },
      );
      fc.assert(
        fc.property(fc.constantFrom('seq', 'program', 'version', 'maps', 'events', 'agentId', 'collectedAt'), fc.jsonValue(), (field, value) => {
          const r = decodeMessage('metrics', bytesOf({ ...batch, [field]: value }));
          if (!r.ok) expect(r.error.code).toBe('INVALID_MESSAGE');
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('fast entry checks', () => {
  it('should agree with the entry and event schemas on random values', async () => {
    const { isMapEntry, isRingEvent, mapEntrySchema, ringEventSchema } = await import('./schemas.js');
    const hexish = fc.oneof(fc.constantFrom('', '00', 'ff01', 'ABCD', '0', 'zz'), fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')));
    const record = fc.record({ key: fc.jsonValue(), value: fc.jsonValue(), keyHex: hexish, valueHex: hexish, map: fc.constantFrom('m', ''), ts: fc.constantFrom('1', 'x', '123456789012345678901'), data: fc.jsonValue(), hex: hexish }, { requiredKeys: [] });
    fc.assert(
      fc.property(record, (r) => {
        expect(isMapEntry(r)).toBe(mapEntrySchema.safeParse(r).success);
        expect(isRingEvent(r)).toBe(ringEventSchema.safeParse(r).success);
      }),
      { numRuns: 2000 },
    );
  });
});
