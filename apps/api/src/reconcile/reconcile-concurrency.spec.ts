import { createTestDatabase, type TestDatabase } from '@oc-numbers/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { migratedDataSource } from '../../test/migrated-data-source';
import { DatabaseDriver } from '../database/database-driver';
import { NumbersRepository } from '../numbers/numbers.repository';
import { ReconcileRepository } from './reconcile.repository';
import { ReconcileService } from './reconcile.service';

/**
 * PostgreSQL: while one reconciliation's transaction is open (its changes made, not committed),
 * another tenant's writers, another tenant's reconciliation and the summary go on without
 * waiting; a second reconciliation of the same tenant waits its turn. (SQLite has one writer.)
 */
const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const OTHER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ROWS = 2000;
const phone = (tenant: number, i: number) => `+1${tenant}${String(i).padStart(9, '0')}`;

/** A waiting writer fails in this time instead of hanging: a bound on a hang, not on speed. */
const LOCK_WAIT_BOUND = '200ms';

describe('reconciliation on postgres, with other writers and the summary', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let reconcileRepository: ReconcileRepository;
  let service: ReconcileService;
  let summary: NumbersRepository;
  let other: Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    dataSource = await migratedDataSource(database);
    await dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
       SELECT '+11' || lpad(i::text, 9, '0'), $1::uuid, 0 FROM generate_series(0, ${ROWS - 1}) AS i
       UNION ALL
       SELECT '+12' || lpad(i::text, 9, '0'), $2::uuid, 0 FROM generate_series(0, ${ROWS - 1}) AS i`,
      [TENANT, OTHER],
    );
    reconcileRepository = new ReconcileRepository(dataSource);
    service = new ReconcileService(reconcileRepository, {
      reconcile: { maxRemovalShare: 0.2, statementTimeoutMs: 60_000 },
    });
    summary = new NumbersRepository(new DatabaseDriver(dataSource));
    other = new Client({ connectionString: database.url });
    await other.connect();
    await other.query(`SET lock_timeout = '${LOCK_WAIT_BOUND}'`);
  });
  afterAll(async () => {
    await other?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('holds no lock that another tenant, another reconciliation or the summary meets', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let changed!: () => void;
    const made = new Promise<void>((resolve) => (changed = resolve));
    const listed = Array.from({ length: ROWS - 100 }, (_, i) => phone(1, i));
    const open = reconcileRepository.inTransaction(TENANT, listed, 60_000, async (staged) => {
      expect(await staged.mark()).toBe(100);
      changed();
      await held;
    });
    await made;

    // Another tenant's writer: status changes, an insert and a delete, none waiting.
    await other.query(`UPDATE oc_numbers SET removal_status = 2 WHERE telephone_number = ANY($1)`, [
      [phone(2, 0), phone(2, 1)],
    ]);
    await other.query(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id) VALUES ($1, $2)`, [
      phone(2, ROWS),
      OTHER,
    ]);
    await other.query(`DELETE FROM oc_numbers WHERE telephone_number = $1`, [phone(2, ROWS)]);
    // The summary answers, from committed data: the open reconciliation's marks are not there yet.
    expect(await summary.countInRemoval(TENANT)).toEqual({ markedForRemoval: 0, readyForRemoval: 0 });
    expect(await summary.countInRemoval(OTHER)).toEqual({ markedForRemoval: 2, readyForRemoval: 0 });
    expect(await summary.countInRemoval()).toEqual({ markedForRemoval: 2, readyForRemoval: 0 });
    // Another tenant's reconciliation runs to the end.
    const otherList = Array.from({ length: ROWS }, (_, i) => phone(2, i));
    expect(await service.reconcile({ msTenantId: OTHER, numbers: otherList, ...plain })).toMatchObject({
      restoredCount: 2,
      markedCount: 0,
    });

    // A second reconciliation of the same tenant waits for the first.
    let secondDone = false;
    const second = service
      .reconcile({ msTenantId: TENANT, numbers: listed, ...plain })
      .finally(() => (secondDone = true));
    await waitForAdvisoryLockWaiter(other);
    expect(secondDone).toBe(false);
    release();
    await open;
    // It then sees the first one's changes: nothing left to mark.
    expect(await second).toMatchObject({ markedCount: 0, unchangedCount: ROWS - 100 });
    expect(await summary.countInRemoval(TENANT)).toEqual({ markedForRemoval: 100, readyForRemoval: 0 });
  });
});

const plain = { dryRun: false, confirmMassRemoval: false, caller: 'test' } as const;

/** Until a session waits for an advisory lock (the second reconciliation, at its turn). */
async function waitForAdvisoryLockWaiter(client: Client): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { rows } = await client.query<{ waiting: string }>(
      `SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
    );
    if (Number(rows[0].waiting) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('No reconciliation waited for the advisory lock');
}
