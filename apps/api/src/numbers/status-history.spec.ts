import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { DataSource, EntityManager } from 'typeorm';
import { createTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import { migratedDataSource } from '../../test/migrated-data-source';
import { callerOf, withChangeContext } from './change-context';
import { verifyRemovalCounts } from './removal-counters';

/**
 * The status history is recorded by the database: the service's writes with their operation and
 * caller, anybody else's plain SQL as `sql`. Real migrations, on both databases.
 */
const T1 = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const RECONCILIATION = '0f8fad5b-d9cb-469f-a165-70867728950e';

interface HistoryRow {
  telephoneNumber: string;
  msTenantId: string | null;
  oldStatus: number | null;
  newStatus: number | null;
  operation: string;
  caller: string | null;
  reconciliationId: string | null;
}

describe.each(TEST_DATABASE_KINDS)('the status history on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const pg = kind === 'postgres';
  /** Placeholders: $1, $2… on PostgreSQL, ? on SQLite. */
  const sql = (text: string) => {
    let n = 0;
    return pg ? text.replace(/\?/g, () => `$${++n}`) : text;
  };
  /** What a plain SQL write is recorded as, by the database user on PostgreSQL. */
  let sqlCaller: string | null;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await migratedDataSource(database);
    sqlCaller = pg ? `sql:${(await dataSource.query('SELECT session_user AS u'))[0].u}` : null;
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM oc_numbers');
    await dataSource.query('DELETE FROM oc_numbers_status_history');
  });

  async function history(number?: string): Promise<HistoryRow[]> {
    const rows: Array<Record<string, unknown>> = await dataSource.query(
      sql(`SELECT telephone_number, ms_tenant_id, old_status, new_status, operation, caller, reconciliation_id
             FROM oc_numbers_status_history ${number === undefined ? '' : 'WHERE telephone_number = ?'}
            ORDER BY id`),
      number === undefined ? [] : [number],
    );
    return rows.map((row) => ({
      telephoneNumber: row.telephone_number as string,
      msTenantId: row.ms_tenant_id as string | null,
      oldStatus: row.old_status === null ? null : Number(row.old_status),
      newStatus: row.new_status === null ? null : Number(row.new_status),
      operation: row.operation as string,
      caller: row.caller as string | null,
      reconciliationId: row.reconciliation_id as string | null,
    }));
  }

  const direct = (number: string, oldStatus: number | null, newStatus: number | null, tenant: string | null = T1) => ({
    telephoneNumber: number,
    msTenantId: tenant,
    oldStatus,
    newStatus,
    operation: 'sql',
    caller: sqlCaller,
    reconciliationId: null,
  });

  async function inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return dataSource.transaction(work);
  }

  it('records direct SQL inserts, status changes and deletes, statuses normalised, as sql', async () => {
    await dataSource.query(
      sql('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, NULL), (?, ?, 2)'),
      ['+14255550001', T1, '+14255550002', T1],
    );
    // NULL is Active: no change; a change of tenant or time alone is no status change either.
    await dataSource.query(sql('UPDATE oc_numbers SET removal_status = 0 WHERE telephone_number = ?'), [
      '+14255550001',
    ]);
    await dataSource.query('UPDATE oc_numbers SET updated_at = created_at');
    await dataSource.query(sql('UPDATE oc_numbers SET removal_status = 3 WHERE telephone_number = ?'), [
      '+14255550002',
    ]);
    await dataSource.query(sql('UPDATE oc_numbers SET removal_status = NULL WHERE telephone_number = ?'), [
      '+14255550002',
    ]);
    await dataSource.query(sql('DELETE FROM oc_numbers WHERE telephone_number = ?'), ['+14255550002']);
    expect(await history()).toEqual([
      direct('+14255550001', null, 0),
      direct('+14255550002', null, 2),
      direct('+14255550002', 2, 3),
      direct('+14255550002', 3, 0),
      direct('+14255550002', 0, null),
    ]);
  });

  it('records an upsert as the insert or the status change it made', async () => {
    const upsert = sql(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)
                        ON CONFLICT (telephone_number) DO UPDATE SET removal_status = excluded.removal_status`);
    await dataSource.query(upsert, ['+14255550001', T1, 0]);
    await dataSource.query(upsert, ['+14255550001', T1, 0]);
    await dataSource.query(upsert, ['+14255550001', T1, 2]);
    expect(await history()).toEqual([direct('+14255550001', null, 0), direct('+14255550001', 0, 2)]);
  });

  it('records a set-based update of many numbers, one row each, and the counts stay exact', async () => {
    const count = 2000;
    await dataSource.query(
      pg
        ? `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
           SELECT '+1425' || lpad(g::text, 7, '0'), '${T1}', 0 FROM generate_series(1, ${count}) AS g`
        : `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${count})
           INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
           SELECT '+1425' || printf('%07d', n), '${T1}', 0 FROM g`,
    );
    await inTransaction((manager) =>
      withChangeContext(
        manager,
        { operation: 'reconcile', caller: 'ip:10.0.0.1', reconciliationId: RECONCILIATION },
        () => manager.query('UPDATE oc_numbers SET removal_status = 2 WHERE removal_status = 0'),
      ),
    );
    const [row] = await dataSource.query(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT telephone_number) AS numbers FROM oc_numbers_status_history
        WHERE old_status = 0 AND new_status = 2 AND operation = 'reconcile' AND caller = 'ip:10.0.0.1'
          AND reconciliation_id = '${RECONCILIATION}'`,
    );
    expect([Number(row.n), Number(row.numbers)]).toEqual([count, count]);
    expect((await verifyRemovalCounts(dataSource)).differences).toEqual([]);
  });

  it('records a service write with its operation, caller and reconciliation', async () => {
    await dataSource.query(
      sql('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, 2)'),
      ['+14255550001', T1],
    );
    await inTransaction((manager) =>
      withChangeContext(
        manager,
        {
          operation: 'ready-for-removal',
          caller: callerOf({ ip: '192.0.2.7', raw: new IncomingMessage(new Socket()) }),
        },
        () => manager.query('UPDATE oc_numbers SET removal_status = 3'),
      ),
    );
    await inTransaction((manager) =>
      withChangeContext(manager, { operation: 'remove', caller: null }, () => manager.query('DELETE FROM oc_numbers')),
    );
    expect((await history()).slice(1)).toEqual([
      { ...direct('+14255550001', 2, 3), operation: 'ready-for-removal', caller: 'ip:192.0.2.7' },
      { ...direct('+14255550001', 3, null), operation: 'remove', caller: null },
    ]);
  });

  it('forgets the context at commit and at rollback: the same connection writes as sql afterwards', async () => {
    await dataSource.query(
      sql('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, 2)'),
      ['+14255550001', T1],
    );
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await withChangeContext(runner.manager, { operation: 'clear-removal-status', caller: 'ip:1' }, () =>
        runner.query('UPDATE oc_numbers SET removal_status = 0'),
      );
      await runner.commitTransaction();
      await runner.query('UPDATE oc_numbers SET removal_status = 2');

      await runner.startTransaction();
      await withChangeContext(runner.manager, { operation: 'ready-for-removal', caller: 'ip:2' }, async () => {
        await runner.query('UPDATE oc_numbers SET removal_status = 3');
      });
      await runner.rollbackTransaction();
      await runner.query('UPDATE oc_numbers SET removal_status = 1');

      // Within a transaction, after the context's work settled, writes are plain SQL again.
      await runner.startTransaction();
      await withChangeContext(runner.manager, { operation: 'remove', caller: 'ip:3' }, async () => undefined);
      await runner.query('UPDATE oc_numbers SET removal_status = 0');
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect((await history()).slice(1)).toEqual([
      { ...direct('+14255550001', 2, 0), operation: 'clear-removal-status', caller: 'ip:1' },
      direct('+14255550001', 0, 2),
      direct('+14255550001', 2, 1),
      direct('+14255550001', 1, 0),
    ]);
  });

  it('forgets the context when the work fails, and restores an outer one after an inner one', async () => {
    await dataSource.query(
      sql('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, 2)'),
      ['+14255550001', T1],
    );
    await expect(
      inTransaction((manager) =>
        withChangeContext(manager, { operation: 'remove', caller: 'ip:1' }, async () => {
          await manager.query('UPDATE oc_numbers SET removal_status = 3');
          throw new Error('work failed');
        }),
      ),
    ).rejects.toThrow('work failed');
    await inTransaction((manager) =>
      withChangeContext(
        manager,
        { operation: 'reconcile', caller: 'ip:outer', reconciliationId: RECONCILIATION },
        async () => {
          await withChangeContext(manager, { operation: 'ready-for-removal', caller: 'ip:inner' }, () =>
            manager.query('UPDATE oc_numbers SET removal_status = 3'),
          );
          await manager.query('UPDATE oc_numbers SET removal_status = 0');
        },
      ),
    );
    await dataSource.query('UPDATE oc_numbers SET removal_status = 2');
    expect((await history()).slice(1)).toEqual([
      { ...direct('+14255550001', 2, 3), operation: 'ready-for-removal', caller: 'ip:inner' },
      { ...direct('+14255550001', 3, 0), operation: 'reconcile', caller: 'ip:outer', reconciliationId: RECONCILIATION },
      direct('+14255550001', 0, 2),
    ]);
    if (!pg) expect(await dataSource.query('SELECT * FROM oc_numbers_change_context')).toEqual([]);
  });

  it('refuses a manager outside a transaction rather than record nothing', async () => {
    await expect(
      withChangeContext(dataSource.manager, { operation: 'remove', caller: null }, async () => 1),
    ).rejects.toThrow(/transaction/);
  });

  it('keeps the history of a removed number, and cuts an overlong caller', async () => {
    await inTransaction((manager) =>
      withChangeContext(manager, { operation: 'remove', caller: 'x'.repeat(300) }, async () => {
        await manager.query(sql('INSERT INTO oc_numbers (telephone_number, removal_status) VALUES (?, 3)'), [
          '+14255550009',
        ]);
        await manager.query('DELETE FROM oc_numbers');
      }),
    );
    const rows = await history('+14255550009');
    expect(rows.map((row) => [row.oldStatus, row.newStatus, row.msTenantId, row.caller?.length])).toEqual([
      [null, 3, null, 256],
      [3, null, null, 256],
    ]);
  });
});
