import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The whole initial schema. Metric tables are natively partitioned by day (see ensure_day_partition). */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE programs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE program_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version > 0),
        digest char(64) NOT NULL,
        size integer NOT NULL,
        object bytea NOT NULL,
        source text,
        source_lang text,
        uploader text NOT NULL,
        parent_version_id uuid REFERENCES program_versions(id),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verifying', 'signed', 'rejected', 'error')),
        object_programs jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (program_id, version),
        UNIQUE (program_id, digest)
      );
      CREATE TABLE verification_runs (
        version_id uuid NOT NULL REFERENCES program_versions(id) ON DELETE CASCADE,
        kernel_profile text NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'passed', 'failed', 'error')),
        job_id text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (version_id, kernel_profile)
      );
      CREATE TABLE verification_results (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL REFERENCES program_versions(id) ON DELETE CASCADE,
        kernel_profile text NOT NULL,
        program_name text NOT NULL,
        section text NOT NULL,
        verdict text NOT NULL CHECK (verdict IN ('pass', 'fail')),
        processed_insns integer NOT NULL DEFAULT 0,
        error text,
        log text NOT NULL DEFAULT '',
        verifier text NOT NULL,
        duration_ms double precision NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (version_id, kernel_profile, program_name)
      );
      CREATE TABLE signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL UNIQUE REFERENCES program_versions(id) ON DELETE CASCADE,
        algorithm text NOT NULL DEFAULT 'ed25519',
        signature text NOT NULL,
        public_key text NOT NULL,
        object_key text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE agents (
        id text PRIMARY KEY,
        hostname text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        kernel_release text NOT NULL,
        kernel_profile text NOT NULL,
        btf boolean NOT NULL DEFAULT false,
        capabilities jsonb NOT NULL DEFAULT '{}',
        cpus integer NOT NULL DEFAULT 1,
        runtime text NOT NULL,
        agent_version text NOT NULL,
        status text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'stale', 'offline')),
        programs jsonb NOT NULL DEFAULT '[]',
        agent_errors integer NOT NULL DEFAULT 0,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agents_labels_idx ON agents USING gin (labels);
      CREATE TABLE rollouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL REFERENCES programs(id),
        version_id uuid NOT NULL REFERENCES program_versions(id),
        previous_version_id uuid REFERENCES program_versions(id),
        selector jsonb NOT NULL DEFAULT '{}',
        strategy jsonb NOT NULL,
        health_gate jsonb NOT NULL,
        state text NOT NULL,
        current_wave integer NOT NULL DEFAULT 0,
        reason text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE rollout_targets (
        rollout_id uuid NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        agent_id text NOT NULL REFERENCES agents(id),
        wave integer NOT NULL,
        state text NOT NULL,
        detail text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rollout_id, agent_id)
      );
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        token_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        role text NOT NULL,
        token_id uuid,
        action text NOT NULL,
        target text NOT NULL,
        outcome text NOT NULL,
        status_code integer NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

      -- Metric storage: day partitions created on demand by ingest (ensure_day_partition), dropped by retention.
      CREATE TABLE metric_batches (
        agent_id text NOT NULL,
        seq bigint NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agent_id, seq)
      );
      CREATE TABLE metric_samples (
        ts timestamptz NOT NULL,
        agent_id text NOT NULL,
        program text NOT NULL,
        version integer NOT NULL,
        map text NOT NULL,
        kind text NOT NULL,
        key jsonb NOT NULL,
        key_hex text NOT NULL,
        value double precision,
        value_json jsonb NOT NULL,
        seq bigint NOT NULL
      ) PARTITION BY RANGE (ts);
      CREATE INDEX metric_samples_lookup_idx ON metric_samples (program, map, ts);
      CREATE TABLE metric_events (
        ts timestamptz NOT NULL,
        agent_id text NOT NULL,
        program text NOT NULL,
        version integer NOT NULL,
        map text NOT NULL,
        data jsonb NOT NULL,
        hex text NOT NULL,
        seq bigint NOT NULL
      ) PARTITION BY RANGE (ts);
      CREATE TABLE metric_rollups (
        bucket timestamptz NOT NULL,
        resolution text NOT NULL,
        agent_id text NOT NULL,
        program text NOT NULL,
        map text NOT NULL,
        kind text NOT NULL,
        key_hex text NOT NULL,
        key jsonb NOT NULL,
        sum double precision NOT NULL,
        max double precision,
        min double precision,
        count bigint NOT NULL,
        PRIMARY KEY (resolution, program, map, bucket, agent_id, key_hex)
      );
      CREATE FUNCTION ensure_day_partition(parent text, day date) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
          parent || '_' || to_char(day, 'YYYYMMDD'), parent, day, day + 1);
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS ensure_day_partition(text, date);
      DROP TABLE IF EXISTS metric_rollups, metric_events, metric_samples, metric_batches, audit_log, api_tokens,
        rollout_targets, rollouts, agents, signatures, verification_results, verification_runs, program_versions, programs;
    `);
  }
}
