import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL helpers the query API uses to read decoded map values that are not a plain number: a field of a
 * struct value, per-CPU values (a JSON array, one element per CPU: summed), and log2 histograms kept as
 * an array value (`__u64 slots[64]`, index = slot). IMMUTABLE SQL functions, so the planner inlines them.
 */
export class MetricValues1764000000002 implements MigrationInterface {
  name = 'MetricValues1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- A decoded scalar as a number: numbers, decimal strings (64-bit values beyond 2^53), booleans.
      CREATE FUNCTION metric_scalar(v jsonb) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(v)
          WHEN 'number' THEN (v #>> '{}')::double precision
          WHEN 'string' THEN CASE WHEN (v #>> '{}') ~ '^-?[0-9]{1,30}(\\.[0-9]+)?$' THEN (v #>> '{}')::double precision END
          WHEN 'boolean' THEN CASE WHEN v = 'true'::jsonb THEN 1.0 ELSE 0.0 END
        END
      $$;
      -- The number at \`path\` inside a decoded value; a per-CPU value (array) is the sum over its CPUs.
      CREATE FUNCTION metric_field(v jsonb, path text[]) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN jsonb_typeof(v) = 'array'
          THEN (SELECT sum(metric_scalar(e #> path)) FROM jsonb_array_elements(v) AS e)
          ELSE metric_scalar(v #> path)
        END
      $$;
      -- log2 histogram slots of one map entry: a scalar value counts for the slot named by an integer
      -- key; an array value is the slots themselves; an array of arrays is per-CPU slots (summed later).
      CREATE FUNCTION metric_slots(key jsonb, v jsonb) RETURNS TABLE (slot integer, n double precision) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT k.slot, metric_scalar(v)
          FROM (SELECT CASE WHEN jsonb_typeof(key) = 'number' AND (key #>> '{}') ~ '^[0-9]{1,3}$' THEN (key #>> '{}')::integer END AS slot) AS k
         WHERE k.slot IS NOT NULL AND jsonb_typeof(v) IN ('number', 'string')
        UNION ALL
        SELECT (t.o - 1)::integer, metric_scalar(t.e)
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v) = 'array' THEN v ELSE '[]'::jsonb END) WITH ORDINALITY AS t(e, o)
         WHERE jsonb_typeof(t.e) <> 'array'
        UNION ALL
        SELECT (u.o - 1)::integer, metric_scalar(u.e)
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v) = 'array' THEN v ELSE '[]'::jsonb END) AS t(e),
               jsonb_array_elements(CASE WHEN jsonb_typeof(t.e) = 'array' THEN t.e ELSE '[]'::jsonb END) WITH ORDINALITY AS u(e, o)
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS metric_slots(jsonb, jsonb); DROP FUNCTION IF EXISTS metric_field(jsonb, text[]); DROP FUNCTION IF EXISTS metric_scalar(jsonb);`);
  }
}
