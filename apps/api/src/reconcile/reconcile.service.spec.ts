import { createTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import type { DataSource } from 'typeorm';
import { migratedDataSource } from '../../test/migrated-data-source';
import { DatabaseDriver } from '../database/database-driver';
import { NumbersRepository } from '../numbers/numbers.repository';
import { ProblemException } from '../problem/problem';
import { ReconcileRepository } from './reconcile.repository';
import { massRemovalRefusal, type ReconcileRequest, ReconcileService } from './reconcile.service';

const OTHER = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** `+1425555` and four digits: a number of the test's own. */
const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;

interface Row {
  readonly number: string;
  readonly tenant: string | null;
  readonly status: number | null;
}

describe.each(TEST_DATABASE_KINDS)('ReconcileService on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let service: ReconcileService;
  let tenant: string;
  let next = 0;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await migratedDataSource(database);
    service = new ReconcileService(new ReconcileRepository(dataSource), {
      reconcile: { maxRemovalShare: 0.2, statementTimeoutMs: 60_000 },
    });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A fresh tenant for each test, so tests do not see each other's numbers. */
  beforeEach(() => {
    next++;
    tenant = `6f9619ff-8b86-d011-b42d-${String(next).padStart(12, '0')}`;
  });

  /** Inserts the numbers `from`..`from+statuses.length-1` of `owner` with these statuses. */
  async function insert(owner: string | null, from: number, statuses: ReadonlyArray<number | null>): Promise<string[]> {
    const numbers = statuses.map((_, i) => n(from + i));
    for (const [i, status] of statuses.entries()) {
      await dataSource.query(
        `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
        [numbers[i], owner, status],
      );
    }
    return numbers;
  }
  const p = (i: number) => (kind === 'postgres' ? `$${i}` : '?');

  async function rows(owner: string | null): Promise<Row[]> {
    const found = (await dataSource.query(
      `SELECT telephone_number AS number, ms_tenant_id AS tenant, removal_status AS status FROM oc_numbers
        WHERE ${owner === null ? 'ms_tenant_id IS NULL' : `ms_tenant_id = ${p(1)}`} ORDER BY telephone_number`,
      owner === null ? [] : [owner],
    )) as Row[];
    return found.map((row) => ({ ...row, status: row.status === null ? null : Number(row.status) }));
  }

  async function reconciliations(): Promise<Array<Record<string, unknown>>> {
    return (await dataSource.query(`SELECT * FROM oc_numbers_reconciliations WHERE ms_tenant_id = ${p(1)}`, [
      tenant,
    ])) as Array<Record<string, unknown>>;
  }

  const reconcile = (numbers: readonly string[], options: Partial<ReconcileRequest> = {}) =>
    service.reconcile({
      msTenantId: tenant,
      numbers,
      dryRun: false,
      confirmMassRemoval: false,
      caller: 'test',
      ...options,
    });

  async function refusal(numbers: readonly string[], options: Partial<ReconcileRequest> = {}) {
    const error: unknown = await reconcile(numbers, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem;
  }

  it('marks Active numbers missing from the list, restores MarkedForRemoval numbers in it, leaves the rest', async () => {
    // 0..9 Active (two without a status), 10 ReleaseRequested, 11 MarkedForRemoval, 12 ReadyForRemoval,
    // 13 MarkedForRemoval missing from the list.
    const numbers = await insert(tenant, 100, [0, 0, 0, 0, 0, 0, 0, 0, null, null, 1, 2, 3, 2]);
    const listed = [...numbers.slice(0, 8), numbers[9], numbers[11], numbers[12], n(9999)];
    const answer = await reconcile(listed);
    expect(answer).toMatchObject({
      msTenantId: tenant,
      dryRun: false,
      massRemovalGuard: 'passed',
      acquiredCount: 12,
      activeCount: 10,
      markedCount: 1,
      restoredCount: 1,
      unchangedCount: 10,
      unknownCount: 1,
      marked: [numbers[8]],
      restored: [numbers[11]],
      unknown: [n(9999)],
    });
    expect(answer.unchanged).toEqual([...numbers.slice(0, 8), numbers[9], numbers[12]]);
    expect(answer.reconciliationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await rows(tenant)).map((row) => row.status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, null, 1, 0, 3, 2]);
    // The unknown number was reported, never created.
    expect(
      (await dataSource.query(`SELECT 1 FROM oc_numbers WHERE telephone_number = ${p(1)}`, [n(9999)])).length,
    ).toBe(0);
    const [recorded] = await reconciliations();
    expect(recorded).toMatchObject({
      id: answer.reconciliationId,
      acquired_count: 12,
      marked_count: 1,
      restored_count: 1,
      unchanged_count: 10,
      unknown_count: 1,
      caller: 'test',
    });
  });

  it('treats a number of another tenant as unknown and never touches other tenants or numbers without one', async () => {
    const mine = await insert(tenant, 200, [0, 0, 0, 0, 0, 0]);
    const theirs = await insert(OTHER, 210, [0, 2]);
    const orphans = await insert(null, 220, [0, 2]);
    const before = { theirs: await rows(OTHER), orphans: await rows(null) };
    const answer = await reconcile([...mine.slice(1), theirs[1], orphans[1]]);
    expect(answer).toMatchObject({
      markedCount: 1,
      restoredCount: 0,
      unknownCount: 2,
      unknown: [theirs[1], orphans[1]],
    });
    expect(await rows(OTHER)).toEqual(before.theirs);
    expect(await rows(null)).toEqual(before.orphans);
  });

  it('answers a dry run exactly as the real run then does, and changes nothing', async () => {
    const numbers = await insert(tenant, 300, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 3]);
    const listed = [...numbers.slice(0, 8), numbers[10], n(9998)];
    const before = await rows(tenant);
    const dry = await reconcile(listed, { dryRun: true });
    expect(await rows(tenant)).toEqual(before);
    expect(await reconciliations()).toEqual([]);
    expect(dry.reconciliationId).toBeUndefined();
    const real = await reconcile(listed);
    const { durationMs: _dry, ...dryAnswer } = dry;
    const { durationMs: _real, reconciliationId: _id, ...realAnswer } = real;
    expect(realAnswer).toEqual({ ...dryAnswer, dryRun: false });
    expect(dryAnswer).toMatchObject({ markedCount: 2, restoredCount: 1, unchangedCount: 8, unknownCount: 1 });
  });

  it('allows exactly the share, and refuses one more with a 409 that says how many of how many, changing nothing', async () => {
    const numbers = await insert(tenant, 400, Array<number>(10).fill(0));
    const before = await rows(tenant);
    // 3 of 10 is over 20 %.
    const refused = await refusal(numbers.slice(3));
    expect(refused).toMatchObject({ status: 409, errorCode: 'MASS_REMOVAL_GUARD' });
    expect(refused.detail).toBe(
      "The list would mark 3 of the tenant's 10 Active numbers for removal, more than the 20% allowed at once; " +
        'nothing changed. Send confirmMassRemoval=true if this is meant.',
    );
    expect(await rows(tenant)).toEqual(before);
    expect(await reconciliations()).toEqual([]);
    // 2 of 10 is exactly 20 %.
    const allowed = await reconcile(numbers.slice(2));
    expect(allowed).toMatchObject({ markedCount: 2, massRemovalGuard: 'passed' });
  });

  it('always refuses an empty list unless confirmed, even of a tenant without numbers', async () => {
    expect(await refusal([])).toMatchObject({
      errorCode: 'MASS_REMOVAL_GUARD',
      detail:
        "The list is empty: it would mark 0 of the tenant's 0 Active numbers for removal; nothing changed. " +
        'Send confirmMassRemoval=true if this is meant.',
    });
    await insert(tenant, 500, [0, 0, 2]);
    expect((await refusal([])).detail).toContain("would mark 2 of the tenant's 2 Active numbers");
    expect(await rows(tenant)).toEqual(expect.arrayContaining([expect.objectContaining({ status: 0 })]));
  });

  it('reconciles a refused list when confirmed, and records the confirmation', async () => {
    const numbers = await insert(tenant, 600, [0, 0, 0, 0]);
    const answer = await reconcile([], { confirmMassRemoval: true });
    expect(answer).toMatchObject({ markedCount: 4, massRemovalGuard: 'confirmed', marked: numbers });
    expect((await rows(tenant)).map((row) => row.status)).toEqual([2, 2, 2, 2]);
    const [recorded] = await reconciliations();
    expect(Boolean(recorded.mass_removal_confirmed)).toBe(true);
  });

  it('answers a dry run of a list the guard would refuse, saying so', async () => {
    await insert(tenant, 700, [0, 0, 0]);
    const before = await rows(tenant);
    const dry = await reconcile([], { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, massRemovalGuard: 'wouldRefuse', markedCount: 3, activeCount: 3 });
    expect(await rows(tenant)).toEqual(before);
  });

  it('compares the tenant in any letter case', async () => {
    const numbers = await insert(tenant, 800, [0, 2]);
    const answer = await service.reconcile({
      msTenantId: tenant.toUpperCase(),
      numbers,
      dryRun: false,
      confirmMassRemoval: false,
      caller: null,
    });
    expect(answer).toMatchObject({ msTenantId: tenant, restoredCount: 1, unchangedCount: 1 });
  });

  it('keeps the counters the summary reads exact', async () => {
    const numbers = await insert(tenant, 900, [0, 0, 0, 0, 0, 2, 2]);
    await reconcile([...numbers.slice(1, 5), numbers[5]]);
    const [counted] = (await dataSource.query(
      `SELECT SUM(CASE WHEN removal_status = 2 THEN 1 ELSE 0 END) AS marked FROM oc_numbers WHERE ms_tenant_id = ${p(1)}`,
      [tenant],
    )) as Array<{ marked: number | string }>;
    expect(Number(counted.marked)).toBe(2);
    const summary = new NumbersRepository(new DatabaseDriver(dataSource));
    expect(await summary.countInRemoval(tenant)).toEqual({ markedForRemoval: 2, readyForRemoval: 0 });
  });

  it('lets two reconciliations of one tenant take turns', async () => {
    const numbers = await insert(tenant, 1000, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const [first, second] = await Promise.all([reconcile(numbers.slice(1)), reconcile(numbers.slice(1))]);
    expect([first.markedCount, second.markedCount].sort()).toEqual([0, 1]);
    expect(await reconciliations()).toHaveLength(2);
  });
});

describe('massRemovalRefusal', () => {
  it.each([
    [2, 10, 0.2, false],
    [3, 10, 0.2, true],
    [1, 3, 0.3, true],
    [3, 10, 0.3, false],
    [0, 0, 0, false],
    [1, 1, 1, false],
    [1, 5, 0, true],
  ])('%i of %i Active with a share of %d: refused %s', (marked, active, share, refused) => {
    expect(massRemovalRefusal({ acquired: 1, active, marked }, share) !== undefined).toBe(refused);
  });
});
