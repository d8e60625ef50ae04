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
    extra: { max: 20 },
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
