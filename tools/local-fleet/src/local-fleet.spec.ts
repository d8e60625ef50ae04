import { FleetError, LocalFleet, eventually, freePort } from './local-fleet.js';

describe('eventually', () => {
  it('should return the first defined value', async () => {
    let calls = 0;
    await expect(eventually(() => (++calls === 3 ? 'ready' : undefined), 5_000, 'x', 1)).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('should time out with what it waited for and the last error', async () => {
    const started = Date.now();
    await expect(eventually(() => Promise.reject(new Error('connection refused')), 50, 'the controller', 5)).rejects.toThrow(
      /timed out after 50 ms waiting for the controller \(last error: connection refused\)/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('should stop at once when the controller exited', async () => {
    let calls = 0;
    const exited = new FleetError('CONTROLLER_EXITED', 'controller exited with 1');
    await expect(eventually(() => { calls++; throw exited; }, 5_000, 'x', 1)).rejects.toBe(exited);
    expect(calls).toBe(1);
  });
});

describe(LocalFleet.name, () => {
  it('should refuse a name that cannot be a database and NATS prefix', () => {
    for (const name of ['', 'Demo', '1fleet', 'fleet-1', 'a'.repeat(32)]) {
      expect(() => new LocalFleet({ name, dir: '/tmp/x' })).toThrow(/fleet name/);
    }
  });

  it('should name its database, prefixes and paths after the fleet', () => {
    const fleet = new LocalFleet({ name: 'bpfleet_t1', dir: '/tmp/f', databaseUrl: 'postgres://u:p@db:5433/base?sslmode=disable' });
    expect(fleet.databaseUrl).toBe('postgres://u:p@db:5433/bpfleet_t1?sslmode=disable');
    expect(fleet.prefix).toBe('bpfleet_t1');
    expect(fleet.appSocket('a1')).toBe('/tmp/f/agents/a1/app.sock');
    expect(fleet.token).toMatch(/^bpf_fleet_[A-Za-z0-9_-]{32}$/);
  });
});

describe('freePort', () => {
  it('should give a port nothing listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
