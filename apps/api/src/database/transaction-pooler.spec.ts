import { jest } from '@jest/globals';
import {
  createTestDatabase,
  withPgBouncer,
  type PgBouncer,
  startPgBouncer,
  type TestDatabase,
} from '@oc-numbers/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../config/app-config';
import { DatabaseDriver, NO_POOLER } from './database-driver';
import { DatabaseOutage } from './database-unavailable';
import { serviceDataSourceOptions } from './data-source-options';
import { MIGRATIONS } from './migrations';
import { applyMigrations } from './migration-lock';

const describeWithPgBouncer = withPgBouncer(describe, 'Transaction pooler tests');

jest.setTimeout(120_000);

const STATEMENT_TIMEOUT_MS = 4321;

describeWithPgBouncer('PostgreSQL through PgBouncer in transaction mode (DATABASE_POOLER=transaction)', () => {
  let database: TestDatabase;
  let pgbouncer: PgBouncer;
  let config: AppConfig;
  const open: Array<{ destroy(): Promise<void> } | { end(): Promise<void> }> = [];

  /** A client of PgBouncer's, as another instance's connection would be. */
  const otherClient = async () => {
    const client = new Client({ connectionString: pgbouncer.url });
    await client.connect();
    open.push(client);
    return client;
  };

  /** The service's DataSource through PgBouncer, with one pooled connection so which one runs a statement is known. */
  const serviceDataSource = async (settings: AppConfig) => {
    const options = serviceDataSourceOptions(settings);
    const dataSource = new DataSource(
      options.type === 'postgres' ? { ...options, extra: { ...options.extra, max: 1 } } : options,
    );
    await dataSource.initialize();
    open.push(dataSource);
    return dataSource;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    pgbouncer = await startPgBouncer({ upstreamUrl: database.url, poolMode: 'transaction' });
    config = loadConfig({
      DATABASE_URL: pgbouncer.url,
      DATABASE_POOLER: 'transaction',
      MIGRATIONS_DATABASE_URL: database.url,
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
  });

  afterEach(async () => {
    for (const item of open.splice(0)) await ('destroy' in item ? item.destroy() : item.end()).catch(() => undefined);
  });

  afterAll(async () => {
    await pgbouncer?.stop();
    await database?.drop();
  });

  it('is refused by PgBouncer with the connection of DATABASE_POOLER=none, whose startup parameters it does not carry', async () => {
    const dataSource = new DataSource(serviceDataSourceOptions({ ...config, databasePooler: 'none' }));
    await expect(dataSource.initialize()).rejects.toThrow(/unsupported startup parameter: (statement_timeout|options)/);
  });

  it('applies the migrations once on MIGRATIONS_DATABASE_URL when two runs start together', async () => {
    const [first, second] = await Promise.all([applyMigrations(config), applyMigrations(config)]);
    expect([...first, ...second].map((m) => m.name).sort()).toEqual(
      MIGRATIONS.map((migration) => new migration().name ?? migration.name).sort(),
    );
    // They ran straight on the database, not through PgBouncer.
    const direct = new Client({ connectionString: database.url });
    await direct.connect();
    open.push(direct);
    const { rows } = await direct.query<{ n: string }>('SELECT count(*) AS n FROM migrations');
    expect(Number(rows[0].n)).toBe(MIGRATIONS.length);
  });

  it('runs a prepared read again after another client took its server session; a named one would not survive', async () => {
    const dataSource = await serviceDataSource(config);
    const pooled = new DatabaseDriver(dataSource, new DatabaseOutage(), {
      pooler: 'transaction',
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
    const named = new DatabaseDriver(dataSource, new DatabaseOutage(), NO_POOLER);
    const read = pooled.prepare<{ n: number }, [number]>('oc_probe_pooled', (p) => `SELECT ${p(1)}::int AS n`);
    const namedRead = named.prepare<{ n: number }, [number]>('oc_probe_named', (p) => `SELECT ${p(1)}::int AS n`);
    expect(await read(1)).toEqual({ n: 1 });
    expect(await namedRead(1)).toEqual({ n: 1 });
    // The server session both ran on goes to another client's transaction.
    const other = await otherClient();
    await other.query('BEGIN');
    expect(await read(2)).toEqual({ n: 2 });
    await expect(namedRead(2)).rejects.toMatchObject({ code: '26000' });
    await other.query('COMMIT');
  });

  it("bounds each of TypeORM's transactions by DATABASE_STATEMENT_TIMEOUT_MS, and the setting ends with it", async () => {
    const dataSource = await serviceDataSource(config);
    new DatabaseDriver(dataSource, new DatabaseOutage(), {
      pooler: 'transaction',
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
    const inside = await dataSource.transaction(
      async (manager) => (await manager.query('SHOW statement_timeout')) as Array<{ statement_timeout: string }>,
    );
    expect(inside).toEqual([{ statement_timeout: `${STATEMENT_TIMEOUT_MS}ms` }]);
    // The server session that transaction ran on, now another client's: nothing of it stayed.
    const other = await otherClient();
    expect((await other.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
    await expect(dataSource.transaction((manager) => manager.query('SELECT pg_sleep(10)'))).rejects.toMatchObject({
      driverError: { code: '57014' },
    });
  });
});
