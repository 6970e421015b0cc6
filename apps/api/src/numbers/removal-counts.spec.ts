import fc from 'fast-check';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { createTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import { DatabaseDriver } from '../database/database-driver';
import { NumbersRepository, type RemovalCounts } from './numbers.repository';
import { compactRemovalCounts, verifyRemovalCounts } from './removal-counters';
import { OcNumber } from './oc-number.entity';
import { migratedDataSource } from '../../test/migrated-data-source';
import { MIGRATIONS } from '../database/migrations';
import { RemovalCounts1764288000000 } from '../database/migrations/1764288000000-removal-counts';
import { RemovalCountDeltas1764374400000 } from '../database/migrations/1764374400000-removal-count-deltas';

/**
 * The counter tables behind the summary must equal a plain COUNT of `oc_numbers` after any
 * sequence of writes, whoever makes them: TypeORM (the service) or plain SQL (the operator's
 * sync job). Random sequences, reproducible from a fixed seed.
 */
const TENANTS = [
  '6f9619ff-8b86-d011-b42d-00cf4fc964ff',
  '0f8fad5b-d9cb-469f-a165-70867728950e',
  '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  'a1b2c3d4-0000-4000-8000-000000000001',
] as const;
const NUMBERS = Array.from({ length: 24 }, (_, i) => `+1425555${String(i).padStart(4, '0')}`);

type Tenant = string | null;
type Status = number | null;
type Via = 'sql' | 'orm';

type Op =
  | { op: 'insert'; via: Via; number: string; tenant: Tenant; status: Status }
  | { op: 'setStatus'; via: Via; number: string; status: Status }
  | { op: 'moveTenant'; via: Via; number: string; tenant: Tenant }
  | { op: 'delete'; via: Via; number: string }
  | { op: 'upsert'; number: string; tenant: Tenant; status: Status }
  | { op: 'setStatusWhere'; from: Status; to: Status }
  | { op: 'moveAll'; from: string; to: Tenant }
  | { op: 'deleteTenant'; tenant: string }
  | { op: 'touch'; number: string }
  | { op: 'rolledBack'; ops: Op[] }
  | { op: 'truncate' }
  | { op: 'compact'; batch: number };

const via = fc.constantFrom<Via>('sql', 'orm');
const number = fc.constantFrom(...NUMBERS);
const tenant = fc.constantFrom<Tenant>(...TENANTS, null);
const status = fc.constantFrom<Status>(0, 1, 2, 3, 2, 3, null);

const simpleOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('insert' as const), via, number, tenant, status }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('setStatus' as const), via, number, status }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('moveTenant' as const), via, number, tenant }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), via, number }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('upsert' as const), number, tenant, status }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setStatusWhere' as const), from: status, to: status }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('moveAll' as const), from: fc.constantFrom(...TENANTS), to: tenant }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('deleteTenant' as const), tenant: fc.constantFrom(...TENANTS) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('touch' as const), number }) },
);
const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 20, arbitrary: simpleOp },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('rolledBack' as const), ops: fc.array(simpleOp, { maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'truncate' as const }) },
  // Compaction at random points, in batches small enough to leave deltas behind.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('compact' as const), batch: fc.constantFrom(1, 2, 5, 1000) }) },
);
const batches = fc.array(fc.array(anyOp, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 });

describe.each(TEST_DATABASE_KINDS)('the removal counts on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: NumbersRepository;
  const pg = kind === 'postgres';
  /** Placeholders: $1, $2… on PostgreSQL, ? on SQLite. */
  const sql = (text: string) =>
    pg ? text.replace(/\?/g, (_, offset: number) => `$${dollarIndex(text, offset)}`) : text;
  const is = pg ? 'IS NOT DISTINCT FROM' : 'IS';

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await migratedDataSource(database);
    repository = new NumbersRepository(new DatabaseDriver(dataSource));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(() => dataSource.query('DELETE FROM oc_numbers'));

  async function apply(op: Op, runner = dataSource.manager): Promise<void> {
    const repo = runner.getRepository(OcNumber);
    switch (op.op) {
      case 'insert':
        return op.via === 'sql'
          ? runner.query(
              sql('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)'),
              [op.number, op.tenant, op.status],
            )
          : repo
              .insert({ telephoneNumber: op.number, msTenantId: op.tenant, removalStatus: op.status as never })
              .then(() => undefined);
      case 'setStatus':
        return op.via === 'sql'
          ? runner.query(sql('UPDATE oc_numbers SET removal_status = ? WHERE telephone_number = ?'), [
              op.status,
              op.number,
            ])
          : repo.update({ telephoneNumber: op.number }, { removalStatus: op.status as never }).then(() => undefined);
      case 'moveTenant':
        return op.via === 'sql'
          ? runner.query(sql('UPDATE oc_numbers SET ms_tenant_id = ? WHERE telephone_number = ?'), [
              op.tenant,
              op.number,
            ])
          : repo.update({ telephoneNumber: op.number }, { msTenantId: op.tenant }).then(() => undefined);
      case 'delete':
        return op.via === 'sql'
          ? runner.query(sql('DELETE FROM oc_numbers WHERE telephone_number = ?'), [op.number])
          : repo.delete({ telephoneNumber: op.number }).then(() => undefined);
      case 'upsert':
        return runner.query(
          sql(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)
               ON CONFLICT (telephone_number) DO UPDATE
               SET ms_tenant_id = excluded.ms_tenant_id, removal_status = excluded.removal_status`),
          [op.number, op.tenant, op.status],
        );
      case 'setStatusWhere':
        return runner.query(sql(`UPDATE oc_numbers SET removal_status = ? WHERE removal_status ${is} ?`), [
          op.to,
          op.from,
        ]);
      case 'moveAll':
        return runner.query(sql('UPDATE oc_numbers SET ms_tenant_id = ? WHERE ms_tenant_id = ?'), [op.to, op.from]);
      case 'deleteTenant':
        return runner.query(sql('DELETE FROM oc_numbers WHERE ms_tenant_id = ?'), [op.tenant]);
      case 'touch':
        return runner.query(sql('UPDATE oc_numbers SET updated_at = created_at WHERE telephone_number = ?'), [
          op.number,
        ]);
      case 'truncate':
        return runner.query(pg ? 'TRUNCATE oc_numbers' : 'DELETE FROM oc_numbers');
      case 'compact':
        await compactRemovalCounts(dataSource, { batch: op.batch });
        return;
      case 'rolledBack': {
        const queryRunner = dataSource.createQueryRunner();
        await queryRunner.startTransaction();
        try {
          for (const inner of op.ops) await applyTolerant(inner, queryRunner.manager);
        } finally {
          await queryRunner.rollbackTransaction();
          await queryRunner.release();
        }
        return;
      }
    }
  }

  /** A write the database refuses (a duplicate number) changes nothing; that is checked too. */
  async function applyTolerant(op: Op, runner = dataSource.manager): Promise<void> {
    if (op.op === 'rolledBack' || op.op === 'truncate' || op.op === 'compact') return apply(op, runner);
    const savepoint = runner.queryRunner?.isTransactionActive;
    if (savepoint) await runner.query('SAVEPOINT op');
    try {
      await apply(op, runner);
      if (savepoint) await runner.query('RELEASE SAVEPOINT op');
    } catch (error) {
      if (!/unique|duplicate/i.test(String(error))) throw error;
      if (savepoint) await runner.query('ROLLBACK TO SAVEPOINT op');
    }
  }

  /** The truth, by a plain COUNT of `oc_numbers`. */
  async function counted(tenantId?: string): Promise<RemovalCounts> {
    const where = tenantId === undefined ? '' : sql('AND ms_tenant_id = ?');
    const [row] = await dataSource.query(
      `SELECT COUNT(CASE WHEN removal_status = 2 THEN 1 END) AS marked,
              COUNT(CASE WHEN removal_status = 3 THEN 1 END) AS ready
         FROM oc_numbers WHERE removal_status IN (2, 3) ${where}`,
      tenantId === undefined ? [] : [tenantId],
    );
    return { markedForRemoval: Number(row.marked), readyForRemoval: Number(row.ready) };
  }

  async function expectExact(): Promise<void> {
    expect(await repository.countInRemoval()).toEqual(await counted());
    for (const t of TENANTS) expect(await repository.countInRemoval(t)).toEqual(await counted(t));
    // The check the operators run agrees, tenants without numbers included.
    expect((await verifyRemovalCounts(dataSource)).differences).toEqual([]);
  }

  it('equal a plain COUNT after every batch of random writes through TypeORM and SQL', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (run) => {
        await dataSource.query('DELETE FROM oc_numbers');
        for (const batch of run) {
          for (const op of batch) await applyTolerant(op);
          await expectExact();
        }
      }),
      { seed: 20261127, numRuns: 40 },
    );
  });

  /** The shard design of RemovalCounts1764288000000, summed: the counts it would answer. */
  async function shardCounts(tenantId?: string): Promise<RemovalCounts> {
    const [row] = await dataSource.query(
      tenantId === undefined
        ? 'SELECT SUM(marked_for_removal) AS marked, SUM(ready_for_removal) AS ready FROM oc_numbers_removal_totals'
        : sql(`SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
                 FROM oc_numbers_removal_counts WHERE ms_tenant_id = ?`),
      tenantId === undefined ? [] : [tenantId],
    );
    return { markedForRemoval: Number(row.marked), readyForRemoval: Number(row.ready) };
  }

  /** Reverts the migrations that came after `migration`, then `migration` itself. */
  async function undoThrough(migration: (typeof MIGRATIONS)[number]): Promise<void> {
    for (let i = MIGRATIONS.length - 1; i >= MIGRATIONS.indexOf(migration); i--) await dataSource.undoLastMigration();
  }

  it('count the rows already there, through the migrations down to none and up again', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      for (const [i, n] of NUMBERS.entries()) {
        await apply({
          op: 'insert',
          via: 'sql',
          number: n,
          tenant: i % 5 === 4 ? null : TENANTS[i % 4],
          status: i % 4,
        });
      }
      // Deltas not compacted yet, and some compacted, when the deltas are reverted.
      await compactRemovalCounts(dataSource, { batch: 2 });
      await apply({ op: 'setStatusWhere', from: 1, to: 3 });
      await undoThrough(RemovalCountDeltas1764374400000);
      expect(await runner.hasTable('oc_numbers_removal_count_deltas')).toBe(false);
      expect(await shardCounts()).toEqual(await counted());
      for (const t of TENANTS) expect(await shardCounts(t)).toEqual(await counted(t));
      // The shard design keeps counting; its shards are folded on the way up.
      await apply({ op: 'moveAll', from: TENANTS[0], to: TENANTS[1] });
      await apply({ op: 'setStatusWhere', from: 3, to: 2 });
      expect(await shardCounts()).toEqual(await counted());
      await dataSource.runMigrations();
      await expectExact();

      await undoThrough(RemovalCounts1764288000000);
      expect(await runner.hasTable('oc_numbers_removal_counts')).toBe(false);
      await apply({ op: 'setStatusWhere', from: 2, to: 3 });
      await dataSource.runMigrations();
      expect((await repository.countInRemoval()).readyForRemoval).toBeGreaterThan(0);
      await expectExact();
    } finally {
      await runner.release();
    }
  });

  if (!pg) {
    it('follow INSERT OR REPLACE: every connection the service opens has recursive triggers on', async () => {
      expect(await dataSource.query('PRAGMA recursive_triggers')).toEqual([{ recursive_triggers: 1 }]);
      const replace = (tenant: string, status: number) =>
        dataSource.query(
          'INSERT OR REPLACE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)',
          [NUMBERS[0], tenant, status],
        );
      await replace(TENANTS[0], 2);
      await replace(TENANTS[1], 3);
      await replace(TENANTS[1], 0);
      await replace(TENANTS[2], 2);
      await expectExact();
      expect(await repository.countInRemoval()).toEqual({ markedForRemoval: 1, readyForRemoval: 0 });
    });
  }

  if (pg) {
    it('stay exact under concurrent transactions on many connections', async () => {
      const connections = 6;
      const pool = new Pool({ connectionString: database.url, max: connections });
      try {
        for (const [i, n] of NUMBERS.entries()) {
          await apply({ op: 'insert', via: 'sql', number: n, tenant: TENANTS[i % 4], status: 0 });
        }
        // Each connection writes its own numbers (so the rows themselves never wait on each
        // other), moving them between statuses and tenants, committing or rolling back.
        const transaction = fc.record({
          changes: fc.array(fc.tuple(status, tenant), {
            minLength: NUMBERS.length / connections,
            maxLength: NUMBERS.length / connections,
          }),
          commit: fc.boolean(),
        });
        const plans = fc.sample(fc.array(transaction, { minLength: 10, maxLength: 10 }), {
          seed: 7,
          numRuns: connections,
        });
        await Promise.all(
          plans.map(async (plan, c) => {
            const own = NUMBERS.filter((_, i) => i % connections === c);
            const client = await pool.connect();
            try {
              for (const { changes, commit } of plan) {
                await client.query('BEGIN');
                await client.query(
                  `UPDATE oc_numbers AS n SET removal_status = v.s, ms_tenant_id = v.t
                     FROM unnest($1::text[], $2::smallint[], $3::uuid[]) AS v(number, s, t)
                    WHERE n.telephone_number = v.number`,
                  [own, changes.map(([s]) => s), changes.map(([, t]) => t)],
                );
                await client.query(commit ? 'COMMIT' : 'ROLLBACK');
              }
            } finally {
              client.release();
            }
          }),
        );
        await expectExact();
      } finally {
        await pool.end();
      }
    });

    it('follow a set-based insert of thousands of rows', async () => {
      await dataSource.query(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
        SELECT '+4930' || lpad(g::text, 8, '0'), (ARRAY['${TENANTS[0]}', '${TENANTS[1]}', NULL])[1 + g % 3]::uuid, g % 4
          FROM generate_series(1, 5000) AS g`);
      await expectExact();
      expect(await repository.countInRemoval()).toEqual({ markedForRemoval: 1250, readyForRemoval: 1250 });
    });
  }
});

/** The 1-based index of the `?` at `offset` among the `?`s of `text`. */
function dollarIndex(text: string, offset: number): number {
  return text.slice(0, offset + 1).split('?').length - 1;
}
