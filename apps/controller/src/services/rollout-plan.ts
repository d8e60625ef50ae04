import type { RolloutStrategy } from '../entities/rollout.entity.js';

/**
 * Wave number per target: `all` puts everyone in wave 0; `canary` puts ceil(percent%) (at least one) in
 * wave 0 and splits the rest evenly over `waves` waves.
 */
export function planWaves(agentIds: readonly string[], strategy: RolloutStrategy): Map<string, number> {
  const plan = new Map<string, number>();
  if (strategy.type === 'all') {
    for (const id of agentIds) plan.set(id, 0);
    return plan;
  }
  const canary = Math.min(agentIds.length, Math.max(1, Math.ceil((agentIds.length * strategy.percent) / 100)));
  const rest = agentIds.length - canary;
  const perWave = Math.max(1, Math.ceil(rest / strategy.waves));
  agentIds.forEach((id, i) => plan.set(id, i < canary ? 0 : 1 + Math.floor((i - canary) / perWave)));
  return plan;
}
