import { Logger } from '@nestjs/common';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { OcNumber } from '../numbers/oc-number.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [OcNumber];

export interface DatabaseTimeouts {
  /** PostgreSQL: how long to wait for a new connection, or for a free one from the pool. */
  readonly connectTimeoutMs: number;
  /** PostgreSQL: how long a statement may run; SQLite: how long to wait for another writer's lock. */
  readonly statementTimeoutMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectTimeoutMs: 2000, statementTimeoutMs: 5000 };

/**
 * The TypeORM options for either database. The schema comes only from migrations:
 * `synchronize` is never on. Every wait on the database is bounded, so a database that is down
 * or stuck fails a request in seconds instead of holding it.
 */
export function dataSourceOptions(
  database: DatabaseConfig,
  migrationsRun: boolean,
  timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS,
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  } as const;
  if (database.type === 'postgres') {
    const logger = new Logger('Database');
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      applicationName: 'oc-numbers',
      connectTimeoutMS: timeouts.connectTimeoutMs,
      extra: {
        // The server cancels a statement that runs too long; the client gives up a little later
        // when the server cannot even say so (a network partition).
        statement_timeout: timeouts.statementTimeoutMs,
        query_timeout: timeouts.statementTimeoutMs + 1000,
        // Closed idle connections are dropped from the pool; new ones are made on demand, so the
        // service recovers by itself when the database comes back.
        keepAlive: true,
      },
      // A connection dropped by the server (a restart, an outage) must not crash the process.
      poolErrorHandler: (error: Error) => logger.warn(`PostgreSQL connection lost: ${error.message}`),
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    // Wait for a writer of another process (the operator's sync job) instead of failing at once.
    timeout: timeouts.statementTimeoutMs,
  };
}
