import { ConfigError, loadConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db', REDIS_URL: 'redis://localhost:6379', NATS_URL: 'nats://localhost:4222' };

describe('loadConfig', () => {
  it('should apply defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ PORT: 8080, NATS_PREFIX: 'bpfleet', DEFAULT_KERNEL_PROFILES: ['6.1'], VERIFY_ATTEMPTS: 3 });
    expect(c.KERNEL_PROFILES).toBeUndefined();
  });

  it('should parse lists and numbers', () => {
    expect(loadConfig({ ...base, KERNEL_PROFILES: '5.10, 6.1,', PORT: '9000' })).toMatchObject({ KERNEL_PROFILES: ['5.10', '6.1'], PORT: 9000 });
  });

  it('should name every bad variable at once', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'abc', NATS_PREFIX: 'Bad.Prefix' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as ConfigError).message;
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'PORT', 'NATS_PREFIX']) expect(message).toContain(name);
    }
  });

  it('should refuse an offline threshold below the stale one', () => {
    expect(() => loadConfig({ ...base, AGENT_STALE_SECONDS: '60', AGENT_OFFLINE_SECONDS: '30' })).toThrow(/AGENT_OFFLINE_SECONDS/);
  });
});
