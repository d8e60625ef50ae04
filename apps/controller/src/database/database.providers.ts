import { DataSource } from 'typeorm';
import type { ControllerConfig } from '../config/config.js';
import { entities } from '../entities/index.js';
import { migrations } from '../migrations/index.js';

/** Open Postgres and bring the schema up to date (migrations only, never `synchronize`). */
export async function openDataSource(config: Pick<ControllerConfig, 'DATABASE_URL'>): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.DATABASE_URL,
    entities,
    migrations,
    synchronize: false,
    migrationsTransactionMode: 'all',
    // Metric queries aggregate a few 100k rows: JIT compilation costs more than it saves there (0.4 s
    // per query measured), and sorts/hashes of that size should not spill to disk.
    extra: { max: 20, options: '-c jit=off -c work_mem=32MB' },
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } catch (e) {
    await dataSource.destroy();
    throw e;
  }
  return dataSource;
}
