import { ProtocolError } from './errors.js';
import { agentIdFromSubject, fleetNames, metricsMessageId } from './names.js';

describe('fleetNames', () => {
  it('should build the default subjects and bucket names', () => {
    const n = fleetNames();
    expect(n.status('a1')).toBe('bpfleet.agents.a1.status');
    expect(n.heartbeat('a1')).toBe('bpfleet.agents.a1.heartbeat');
    expect(n.announce('a1')).toBe('bpfleet.agents.a1.announce');
    expect(n.metrics('a1')).toBe('bpfleet.metrics.a1');
    expect(n.desiredBucket).toBe('bpfleet_desired');
    expect(n.metricsStream).toBe('BPFLEET_METRICS');
    expect(n.metricsDeadLetter).toBe('bpfleet.deadletter.metrics');
  });

  it('should apply a prefix to every name', () => {
    const n = fleetNames('t_abc');
    expect(n.statusAll).toBe('t_abc.agents.*.status');
    expect(n.desiredBucket).toBe('t_abc_desired');
    expect(n.artifactStore).toBe('t_abc_artifacts');
    expect(n.metricsStream).toBe('T_ABC_METRICS');
  });

  it('should refuse agent ids that would break a subject', () => {
    for (const bad of ['a.b', '*', '>', '', 'a b', 'x'.repeat(65)]) {
      expect(() => fleetNames().status(bad)).toThrow(ProtocolError);
    }
    expect(() => fleetNames('Bad.Prefix')).toThrow(ProtocolError);
  });

  it('should parse the agent id back out of a subject', () => {
    expect(agentIdFromSubject('bpfleet.agents.h-1.status')).toBe('h-1');
    expect(agentIdFromSubject('bpfleet.metrics.h-1')).toBe('h-1');
    expect(agentIdFromSubject('bpfleet.other.h-1')).toBeUndefined();
    expect(metricsMessageId('h-1', 9)).toBe('h-1:9');
  });
});
