import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two controller instances creating the same day partition at once: CREATE TABLE IF NOT EXISTS is not
 * safe against a concurrent creator (one of them fails on the catalog's unique index). Serialise the
 * creation per partition with a transaction-scoped advisory lock.
 */
export class PartitionLock1764000000003 implements MigrationInterface {
  name = 'PartitionLock1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ensure_day_partition(parent text, day date) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        name text := parent || '_' || to_char(day, 'YYYYMMDD');
      BEGIN
        IF to_regclass(quote_ident(name)) IS NOT NULL THEN RETURN; END IF;
        PERFORM pg_advisory_xact_lock(hashtext('bpfleet_partition'), hashtext(name));
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, day, day + 1);
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ensure_day_partition(parent text, day date) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
          parent || '_' || to_char(day, 'YYYYMMDD'), parent, day, day + 1);
      END $$;
    `);
  }
}
