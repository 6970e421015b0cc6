import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { OcNumber } from '../numbers/oc-number.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [OcNumber];

/**
 * The TypeORM options for either database. The schema comes only from migrations:
 * `synchronize` is never on.
 */
export function dataSourceOptions(database: DatabaseConfig, migrationsRun: boolean): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  } as const;
  if (database.type === 'postgres') {
    return { ...common, type: 'postgres', url: database.url, applicationName: 'oc-numbers' };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    // Wait for a writer of another process (the operator's sync job) instead of failing at once.
    timeout: 5000,
  };
}
