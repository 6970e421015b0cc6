import { Client } from 'pg';
import { DataSource, type Migration } from 'typeorm';
import { type DatabaseSettings, dataSourceOptions, migrationSettings } from './data-source-options';
import { isPostgres } from './dialect';

/** The advisory lock key that runs of the migrations take turns on (0x6f634d47: "ocMG"). */
export const MIGRATION_LOCK_KEY = 1868778823;

/**
 * Runs `work` (applying migrations) while holding the lock every other run of the migrations
 * waits for, on PostgreSQL: instances starting together, or `npm run migrate` beside a start,
 * never apply the same migration twice (TypeORM's runner takes no lock of its own). The lock is
 * transaction-scoped (`pg_advisory_xact_lock`), held by a transaction kept open on a connection
 * of its own: a transaction pooler keeps that transaction on one server session, and the lock
 * ends with it whatever happens to `work` or to this process. SQLite: `work` alone (its
 * migrations take the file's write lock).
 */
export async function inMigrationTurn<T>(settings: DatabaseSettings, work: () => Promise<T>): Promise<T> {
  const { database } = settings;
  if (!isPostgres(database)) return work();
  const holder = new Client({
    connectionString: database.url,
    connectionTimeoutMillis: settings.databaseConnectTimeoutMs,
    application_name: 'oc-numbers migrations',
  });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    // The turn may be long (another instance's migrations): its wait is not one statement's,
    // whatever default the role gives statements (the recommended one behind a pooler).
    await holder.query('SET LOCAL statement_timeout = 0');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end().catch(() => undefined);
  }
}

/**
 * Applies the pending migrations on the database migrations run on (MIGRATIONS_DATABASE_URL, or
 * the service's database), in turn with every other run, each in a transaction of its own;
 * resolves with those applied. The service's own connections then open with nothing to migrate.
 */
export async function applyMigrations(settings: DatabaseSettings): Promise<Migration[]> {
  const target = migrationSettings(settings);
  const dataSource = new DataSource({ ...dataSourceOptions({ ...target, migrationsRun: false }), logging: false });
  await dataSource.initialize();
  try {
    return await inMigrationTurn(target, () => dataSource.runMigrations({ transaction: 'each' }));
  } finally {
    await dataSource.destroy();
  }
}
