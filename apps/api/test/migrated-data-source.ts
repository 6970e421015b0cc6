import type { TestDatabase } from '@oc-numbers/testing';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { OcNumber } from '../src/numbers/oc-number.entity';

/** A DataSource on a test database, outside Nest, with the service's migrations run. */
export async function migratedDataSource(database: TestDatabase): Promise<DataSource> {
  const dataSource = new DataSource(
    dataSourceOptions({ ...loadConfig({}), database: database.config, migrationsRun: true }, [OcNumber]),
  );
  return dataSource.initialize();
}
