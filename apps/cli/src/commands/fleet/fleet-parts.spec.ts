import fc from 'fast-check';
import { UsageError } from '../../errors.js';
import { bar, histogram, shortNumber, table } from './format.js';
import { parseDurationSeconds, parsePercent, parseProgramRef, parseSelector } from './parse.js';
import { formatPercentile, renderQuery } from './query.js';
import { parseCpuPercent, renderRollout } from './rollout.js';
import { renderAgents } from './agents.js';
import { normalizeServer } from './client.js';

describe('fleet argument parsing', () => {
  it('should split NAME@VERSION and refuse anything else with a usage error', () => {
    expect(parseProgramRef('opens_per_process@12')).toEqual({ name: 'opens_per_process', version: 12 });
    for (const bad of ['opens', 'opens@', 'opens@0', 'opens@x', '@1', 'a b@1', 'opens@1@2']) expect(() => parseProgramRef(bad)).toThrow(UsageError);
  });

  it('should read selectors, percentages and durations', () => {
    expect(parseSelector(['env=prod,zone=a', 'tier=web'])).toEqual({ env: 'prod', zone: 'a', tier: 'web' });
    expect(parseSelector(['k=a=b'])).toEqual({ k: 'a=b' });
    expect(() => parseSelector(['=x'])).toThrow(UsageError);
    expect(() => parseSelector(['novalue'])).toThrow(UsageError);
    expect(parsePercent('10%')).toBe(10);
    expect(parsePercent('100')).toBe(100);
    for (const bad of ['0%', '101%', '-5', 'ten']) expect(() => parsePercent(bad)).toThrow(UsageError);
    expect(parseDurationSeconds('30s', '--pause')).toBe(30);
    expect(parseDurationSeconds('5m', '--pause')).toBe(300);
    expect(parseDurationSeconds('45', '--pause')).toBe(45);
    expect(parseDurationSeconds('1500ms', '--pause')).toBe(2);
    expect(() => parseDurationSeconds('25h', '--pause')).toThrow(UsageError);
    expect(() => parseDurationSeconds('soon', '--pause')).toThrow(/--pause/);
  });

  it('should read CPU percentages for the overhead gate', () => {
    expect(parseCpuPercent('2.5%', '--max-cpu')).toBe(2.5);
    expect(parseCpuPercent('150', '--max-cpu')).toBe(150);
    for (const bad of ['0', '-1%', 'x', '7000%', '1.%']) expect(() => parseCpuPercent(bad, '--max-cpu')).toThrow(UsageError);
  });

  it('should normalise server URLs and refuse non-http ones', () => {
    expect(normalizeServer('http://localhost:8080/')).toBe('http://localhost:8080');
    expect(() => normalizeServer('ftp://x')).toThrow(UsageError);
    expect(() => normalizeServer('not a url')).toThrow(UsageError);
  });
});

/** Table cells of a rendered line (columns are separated by two or more spaces). */
const lines = (line: string | undefined) => (line ?? '').split(/ {2,}/);

describe('fleet rendering', () => {
  it('should align table columns', () => {
    expect(table(['A', 'LONGER'], [['xxxx', 'y'], ['z', 'w']]).split('\n')).toEqual(['A     LONGER', 'xxxx  y', 'z     w']);
  });

  it('should draw bars of the requested width for any fraction', () => {
    fc.assert(fc.property(fc.double({ noNaN: false }), fc.integer({ min: 1, max: 80 }), (f, w) => [...bar(f, w)].length === w));
  });

  it('should draw a log2 histogram from the first to the last non-empty bucket, largest bar full', () => {
    const buckets = [0, 0, 5, 10, 0, 1, 0].map((count, slot) => ({ slot, lower: 2 ** slot, upper: 2 ** (slot + 1), count }));
    const lines = histogram(buckets, 10).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\[4, 8\)\s+5 \|█████·····\|$/);
    expect(lines[1]).toMatch(/^\[8, 16\)\s+10 \|██████████\|$/);
    expect(lines[3]).toMatch(/^\[32, 64\)\s+1 \|█·········\|$/);
    expect(histogram([], 10)).toBe('(no samples)');
    expect(shortNumber(2048)).toBe('2K');
    expect(shortNumber(3 * 2 ** 20)).toBe('3M');
  });

  it('should render a query result by its kind', () => {
    const base = { agg: 'sum', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:05:00Z', step: 60 };
    expect(renderQuery({ ...base, top: [{ group: 'bash', value: 12 }] })).toMatch(/GROUP\s+VALUE\nbash\s+12/);
    const h = renderQuery({ ...base, buckets: [{ slot: 8, lower: 256, upper: 512, count: 3 }], percentiles: { total: 3, p50: 384, p90: 500, p99: 510 } });
    expect(h).toContain('total 3  p50 384  p90 500  p99 510');
    expect(renderQuery({ ...base, series: [{ group: 'all', points: [['t1', 1], ['t2', 2.5]] }] })).toMatch(/all\s+2\s+2\.500\s+t2/);
    expect(renderQuery({ ...base, series: [] })).toBe('(no data)');
  });

  it('should print percentiles with three significant digits', () => {
    const base = { agg: 'histogram', from: '', to: '', step: 60, buckets: [{ slot: 13, lower: 8192, upper: 16384, count: 7 }] };
    expect(renderQuery({ ...base, percentiles: { total: 7, p50: 12345.6789, p90: 15099.4, p99: 16302.77 } })).toContain('total 7  p50 12,300  p90 15,100  p99 16,300');
    expect(formatPercentile(0.0123456)).toBe('0.0123');
    expect(formatPercentile(null)).toBe('-');
  });

  it('should show the runtime that actually runs each program, the policy only when nothing runs', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const agent = { hostname: 'web-1', labels: { env: 'demo' }, kernelRelease: '6.1.0', kernelProfile: '6.1', runtime: 'auto', status: 'online', lastSeen: '2026-01-01T00:00:58Z' };
    const text = renderAgents([
      { ...agent, id: 'a', programs: [
        { program: 'opens', version: 2, state: 'loaded', runtime: { kind: 'kernel', reason: 'the kernel loads it' } },
        { program: 'lat', version: 1, state: 'loaded', runtime: { kind: 'vm', reason: 'kprobe cannot attach' } },
        { program: 'bad', version: 1, state: 'failed' },
        { program: 'old', version: 1, state: 'detached', runtime: { kind: 'kernel', reason: '' } },
      ] },
      { ...agent, id: 'b', programs: [] },
    ], now).split('\n');
    expect(lines(text[1])).toEqual(['a', 'web-1', 'online', 'kernel+vm', '6.1.0 (6.1)', 'opens@2:kernel,lat@1:vm,bad@1:failed', '2s ago', 'env=demo']);
    expect(lines(text[2]).slice(0, 6)).toEqual(['b', 'web-1', 'online', '(policy auto)', '6.1.0 (6.1)', '-']);
  });

  it('should show per-wave progress of a rollout', () => {
    const text = renderRollout({
      id: 'r1', program: 'p', version: 2, previousVersion: 1, selector: { env: 'prod' }, state: 'running', currentWave: 1, waves: 2, reason: null, createdAt: '', counts: { loaded: 2, desired: 1 },
      targets: [
        { agentId: 'a', wave: 0, state: 'loaded', detail: null, previousVersion: 1 },
        { agentId: 'b', wave: 1, state: 'loaded', detail: null, previousVersion: 1 },
        { agentId: 'c', wave: 1, state: 'failed', detail: 'load failed\nR0 invalid mem access', previousVersion: 1 },
      ],
    });
    expect(text).toMatch(/^rollout r1 {2}p@2 \(from v1\) {2}running {2}wave 1\/2 {2}selector env=prod/);
    expect(text).toMatch(/wave 0 .* 1\/1 loaded/);
    expect(text).toMatch(/wave 1 .* 1\/2 loaded, 1 failed/);
    expect(text).toMatch(/c: load failed \/ R0 invalid mem access/);
  });
});
