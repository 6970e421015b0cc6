import {
  createTestDatabase,
  withPgBouncer,
  type PgBouncer,
  startPgBouncer,
  type TestDatabase,
} from '@oc-numbers/testing';
import { jest } from '@jest/globals';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../config/app-config';
import { serviceDataSourceOptions } from '../database/data-source-options';
import { applyMigrations } from '../database/migration-lock';
import { beginTransaction, transactionStatementTimeout } from '../database/transaction-timeout';
import { compactRemovalCounts, repairRemovalCounts, verifyRemovalCounts } from './removal-counters';

const describeWithPgBouncer = withPgBouncer(describe, 'Raw transactions through PgBouncer: tests');

jest.setTimeout(60_000);

/** Short, so a statement the server cancels is told from one the client gives up on (a second later). */
const STATEMENT_TIMEOUT_MS = 1000;

/** PostgreSQL's query_canceled: the server's statement timeout, not the client's read timeout. */
const CANCELLED = { driverError: { code: '57014' } };

describe('transactionStatementTimeout', () => {
  it('is the statement timeout behind a transaction pooler only', () => {
    const pooled = loadConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1:6432/db',
      DATABASE_POOLER: 'transaction',
      DATABASE_STATEMENT_TIMEOUT_MS: '1234',
    });
    expect(transactionStatementTimeout(pooled)).toBe(1234);
    expect(transactionStatementTimeout({ ...pooled, databasePooler: 'none' })).toBeUndefined();
    expect(transactionStatementTimeout(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }))).toBeUndefined();
  });
});

describeWithPgBouncer("the counters' own transactions through PgBouncer in transaction mode", () => {
  let database: TestDatabase;
  let pgbouncer: PgBouncer;
  let config: AppConfig;
  let dataSource: DataSource;
  /** A client of PostgreSQL itself, as another system's would be. */
  let direct: Client;
  let statementTimeoutMs: number | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await applyMigrations(loadConfig({ DATABASE_URL: database.url }));
    pgbouncer = await startPgBouncer({ upstreamUrl: database.url, poolMode: 'transaction' });
    config = loadConfig({
      DATABASE_URL: pgbouncer.url,
      DATABASE_POOLER: 'transaction',
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
    statementTimeoutMs = transactionStatementTimeout(config);
    const options = serviceDataSourceOptions(config);
    dataSource = new DataSource(
      options.type === 'postgres' ? { ...options, extra: { ...options.extra, max: 1 } } : options,
    );
    await dataSource.initialize();
    direct = new Client({ connectionString: database.url });
    await direct.connect();
    // The server's default for the role bounds nothing: only the transaction's own setting can.
    expect((await direct.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
  });

  afterAll(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await direct?.end().catch(() => undefined);
    await pgbouncer?.stop();
    await database?.drop();
  });

  it('a transaction opened with BEGIN has the statement timeout, and leaves nothing in the server session', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await beginTransaction(runner, 'BEGIN ISOLATION LEVEL READ COMMITTED', statementTimeoutMs);
      expect(await runner.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1s' }]);
      await expect(runner.query('SELECT pg_sleep(10)')).rejects.toMatchObject(CANCELLED);
      await runner.query('ROLLBACK');
      // The next transaction on that server session, another client's through PgBouncer.
      const other = new Client({ connectionString: pgbouncer.url });
      await other.connect();
      try {
        expect((await other.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
      } finally {
        await other.end();
      }
    } finally {
      await runner.release();
    }
  });

  it('cancels a compaction statement that runs past the timeout', async () => {
    // A statement trigger that makes the compaction's DELETE take ten seconds.
    await direct.query(`CREATE FUNCTION oc_test_slow() RETURNS trigger LANGUAGE plpgsql AS
                          $$ BEGIN PERFORM pg_sleep(10); RETURN NULL; END $$`);
    await direct.query(`CREATE TRIGGER oc_test_slow BEFORE DELETE ON oc_numbers_removal_count_deltas
                          FOR EACH STATEMENT EXECUTE FUNCTION oc_test_slow()`);
    try {
      await expect(compactRemovalCounts(dataSource, { statementTimeoutMs })).rejects.toMatchObject(CANCELLED);
    } finally {
      await direct.query('DROP TRIGGER oc_test_slow ON oc_numbers_removal_count_deltas');
      await direct.query('DROP FUNCTION oc_test_slow()');
    }
    await expect(compactRemovalCounts(dataSource, { statementTimeoutMs })).resolves.toEqual({
      moved: 0,
      skipped: false,
    });
  });

  it.each([
    ['verification', verifyRemovalCounts],
    ['repair', repairRemovalCounts],
  ])('cancels a %s that waits past the timeout for a lock on the numbers', async (_name, check) => {
    await direct.query('BEGIN');
    await direct.query('LOCK TABLE oc_numbers IN ACCESS EXCLUSIVE MODE');
    try {
      await expect(check(dataSource, { statementTimeoutMs })).rejects.toMatchObject(CANCELLED);
    } finally {
      await direct.query('ROLLBACK');
    }
    await expect(check(dataSource, { statementTimeoutMs })).resolves.toMatchObject({ differences: [] });
  });
});
