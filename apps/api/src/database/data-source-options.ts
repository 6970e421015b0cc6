import { Logger } from '@nestjs/common';
import type { PoolConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { isPostgres, type PostgresDatabaseConfig } from './dialect';
import { MIGRATIONS } from './migrations';
import Sqlite from './sqlite';

/** The settings a connection to the database needs. */
export type DatabaseSettings = Pick<
  AppConfig,
  'database' | 'migrationsRun' | 'databaseConnectTimeoutMs' | 'databaseStatementTimeoutMs'
> &
  Partial<Pick<AppConfig, 'databasePooler' | 'migrationsDatabase'>>;

/** Entity classes, for a DataSource built outside Nest (the service's modules register their own). */
export type Entities = NonNullable<DataSourceOptions['entities']>;

/**
 * The TypeORM options for either database. The schema comes only from migrations:
 * `synchronize` is never on. Every wait on the database is bounded, so a database that is down
 * or stuck fails a request in seconds instead of holding it.
 */
export function dataSourceOptions(settings: DatabaseSettings, entities: Entities = []): DataSourceOptions {
  const { database, migrationsRun } = settings;
  const common = {
    entities,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  } as const;
  if (isPostgres(database)) {
    const logger = new Logger('Database');
    // A transaction pooler (PgBouncer 1.18) refuses every startup parameter it does not track,
    // statement_timeout included: the server's default for the role bounds single statements,
    // and DatabaseDriver bounds each of TypeORM's transactions (SET LOCAL).
    const pooled = settings.databasePooler === 'transaction';
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      applicationName: PRIMARY_APPLICATION_NAME,
      connectTimeoutMS: settings.databaseConnectTimeoutMs,
      extra: {
        // The server cancels a statement that runs too long; the client gives up a little later
        // when the server cannot even say so (a network partition).
        ...(!pooled && { statement_timeout: settings.databaseStatementTimeoutMs }),
        query_timeout: settings.databaseStatementTimeoutMs + 1000,
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
    driver: Sqlite,
    database: database.path,
    enableWAL: true,
    // Wait for a writer of another process (the operator's sync job) instead of failing at once.
    timeout: settings.databaseStatementTimeoutMs,
    prepareDatabase: prepareSqliteConnection,
  };
}

/**
 * The options of the service's own connections: those of {@link dataSourceOptions}, and on
 * PostgreSQL no JIT compilation. The service's statements read a few rows by an index each, but
 * a prepared statement's generic plan guesses a parameter LIMIT at a tenth of the table, so at a
 * few million numbers a page of the list passed `jit_above_cost` and each execution compiled
 * code for ~20 ms before its half millisecond of reading. The commands (migrations, a
 * reconciliation direct to the database) keep the server's setting for their big scans.
 */
export function serviceDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const options = dataSourceOptions(settings);
  // Behind a transaction pooler: no startup parameter, and no generic plans either (statements
  // are unnamed, so planned with their values each time).
  if (options.type !== 'postgres' || settings.databasePooler === 'transaction') return options;
  return { ...options, extra: { ...options.extra, options: '-c jit=off' } };
}

/**
 * The settings of the connection migrations run on: the primary of MIGRATIONS_DATABASE_URL when
 * given (straight, so as PostgreSQL itself), else the service's database.
 */
export function migrationSettings(settings: DatabaseSettings): DatabaseSettings {
  if (settings.migrationsDatabase === undefined) return settings;
  return { ...settings, database: settings.migrationsDatabase, databasePooler: 'none', migrationsDatabase: undefined };
}

/**
 * Every SQLite connection the service and its commands open: with `recursive_triggers` on, the
 * rows that REPLACE conflict resolution deletes (`REPLACE INTO`, `INSERT OR REPLACE`, `UPDATE OR
 * REPLACE`, an `ON CONFLICT REPLACE` constraint) fire the delete triggers that keep the removal
 * counts. Safe: those triggers never write `oc_numbers`, so nothing recurses.
 */
export function prepareSqliteConnection(db: { pragma(source: string): unknown }): void {
  db.pragma('recursive_triggers = ON');
}

/** The `application_name` of the service's own pool on the primary (as TypeORM opens it). */
export const PRIMARY_APPLICATION_NAME = 'oc-numbers';
/** The `application_name` of the pool of reads sent to DATABASE_READ_URL. */
export const READ_APPLICATION_NAME = 'oc-numbers-read';
/** The `application_name` of the connections that measure the replica's lag (one per server). */
export const REPLICA_CHECK_APPLICATION_NAME = 'oc-numbers-replica-check';

/**
 * The pg options of a pool (or client) on another server than TypeORM's, e.g. the read replica:
 * what TypeORM's PostgreSQL driver makes of {@link serviceDataSourceOptions}, so the same rules
 * hold (bounded waits, no startup parameters behind a transaction pooler, no JIT otherwise), with
 * its own `application_name` so that the server tells its sessions apart.
 */
export function postgresPoolConfig(
  settings: DatabaseSettings,
  database: PostgresDatabaseConfig,
  applicationName: string,
): PoolConfig {
  const options = serviceDataSourceOptions({ ...settings, database });
  if (options.type !== 'postgres') throw new Error('A PostgreSQL pool needs a PostgreSQL database');
  return {
    connectionString: database.url,
    application_name: applicationName,
    connectionTimeoutMillis: options.connectTimeoutMS,
    ...(options.extra as PoolConfig),
  };
}
