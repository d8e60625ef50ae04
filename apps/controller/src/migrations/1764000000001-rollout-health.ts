import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-target data for the health gate (the agent's error count when it got the version, when it loaded)
 * and for rollback (the version of the program the agent had before, restored per agent).
 */
export class RolloutHealth1764000000001 implements MigrationInterface {
  name = 'RolloutHealth1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE rollout_targets ADD COLUMN agent_errors_baseline integer NOT NULL DEFAULT 0, ADD COLUMN loaded_at timestamptz,
        ADD COLUMN previous_version integer;
      CREATE INDEX rollout_targets_agent_idx ON rollout_targets (agent_id, state);
      CREATE INDEX rollouts_state_idx ON rollouts (state);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX rollouts_state_idx; DROP INDEX rollout_targets_agent_idx;
      ALTER TABLE rollout_targets DROP COLUMN agent_errors_baseline, DROP COLUMN loaded_at, DROP COLUMN previous_version;
    `);
  }
}
