import { planWaves } from './rollout-plan.js';

describe('planWaves', () => {
  const ids = Array.from({ length: 10 }, (_, i) => `a${i}`);

  it('should put everyone in wave 0 for all-at-once', () => {
    expect(new Set(planWaves(ids, { type: 'all' }).values())).toEqual(new Set([0]));
  });

  it('should take a canary of at least one and split the rest over the waves', () => {
    const plan = planWaves(ids, { type: 'canary', percent: 10, waves: 3, pauseSeconds: 0 });
    const waves = [...plan.values()];
    expect(waves.filter((w) => w === 0)).toHaveLength(1);
    expect(waves.filter((w) => w === 1)).toHaveLength(3);
    expect(waves.filter((w) => w === 2)).toHaveLength(3);
    expect(waves.filter((w) => w === 3)).toHaveLength(3);
    expect(planWaves(['x'], { type: 'canary', percent: 1, waves: 5, pauseSeconds: 0 }).get('x')).toBe(0);
  });
});
