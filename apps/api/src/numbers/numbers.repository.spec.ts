import type { DataSource } from 'typeorm';
import { createTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import { loadConfig } from '../config/app-config';
import { DatabaseDriver } from '../database/database-driver';
import { MetricsService } from '../metrics/metrics.service';
import { MIGRATIONS } from '../database/migrations';
import { NumbersRepository } from './numbers.repository';
import { NumbersService } from './numbers.service';
import { OcNumber } from './oc-number.entity';
import { RemovalStatus } from './removal-status';
import {
  expectedSummary,
  seedFixture,
  TENANT_A,
  TENANT_B,
  TENANT_C,
  TENANT_IDLE,
  TENANT_UNKNOWN,
} from '../../test/fixture';
import { migratedDataSource } from '../../test/migrated-data-source';

describe.each(TEST_DATABASE_KINDS)('NumbersRepository on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let service: NumbersService;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await migratedDataSource(database);
    await seedFixture(dataSource);
    const driver = new DatabaseDriver(dataSource);
    service = new NumbersService(new NumbersRepository(driver), loadConfig({}), new MetricsService(driver));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('counts statuses 2 and 3 across all tenants, numbers without a tenant included', async () => {
    expect(await service.getRemovalStatusSummary()).toEqual({
      markedForRemovalCount: 9,
      readyForRemovalCount: 8,
      totalCount: 17,
    });
    expect(await service.getRemovalStatusSummary()).toEqual(expectedSummary());
  });

  it.each([TENANT_A, TENANT_B, TENANT_C, TENANT_IDLE, TENANT_UNKNOWN])('counts one tenant: %s', async (tenant) => {
    const lower = await service.getRemovalStatusSummary(tenant);
    expect(lower).toEqual(expectedSummary(tenant));
    expect(await service.getRemovalStatusSummary(tenant.toUpperCase())).toEqual(lower);
    expect(lower.totalCount).toBe(lower.markedForRemovalCount + lower.readyForRemovalCount);
  });

  it('gives the exact counts of the fixture for tenant A', async () => {
    expect(await service.getRemovalStatusSummary(TENANT_A)).toEqual({
      markedForRemovalCount: 3,
      readyForRemovalCount: 1,
      totalCount: 4,
    });
  });

  it('counts each tenant of a list in one read, each as its own summary, unknown tenants as zero', async () => {
    const driver = new DatabaseDriver(dataSource);
    const reads: string[] = [];
    driver.observeQueries(({ name }) => name && reads.push(name));
    const tenants = [TENANT_A, TENANT_B, TENANT_C, TENANT_IDLE, TENANT_UNKNOWN];
    const counts = await new NumbersRepository(driver).countInRemovalEach(tenants);
    expect(reads).toEqual(['oc_numbers_summary_each_tenant']);
    expect([...counts.keys()]).toEqual(tenants);
    for (const tenant of tenants) {
      const { markedForRemovalCount, readyForRemovalCount } = expectedSummary(tenant);
      expect(counts.get(tenant)).toEqual({
        markedForRemoval: markedForRemovalCount,
        readyForRemoval: readyForRemovalCount,
      });
    }
  });

  it('answers the summaries of different tenants asked together, each its own', async () => {
    const tenants = [TENANT_A, TENANT_B, TENANT_A.toUpperCase(), TENANT_UNKNOWN, TENANT_C];
    const answers = await Promise.all(tenants.map((tenant) => service.getRemovalStatusSummary(tenant)));
    expect(answers).toEqual(tenants.map((tenant) => expectedSummary(tenant.toLowerCase())));
  });

  it('follows a status change at once', async () => {
    const repository = dataSource.getRepository(OcNumber);
    const saved = await repository.save(
      repository.create({
        telephoneNumber: '+442071838750',
        msTenantId: TENANT_IDLE,
        removalStatus: RemovalStatus.Active,
      }),
    );
    expect((await service.getRemovalStatusSummary(TENANT_IDLE)).totalCount).toBe(0);
    await repository.update(saved.id, { removalStatus: RemovalStatus.MarkedForRemoval });
    expect(await service.getRemovalStatusSummary(TENANT_IDLE)).toEqual({
      markedForRemovalCount: 1,
      readyForRemovalCount: 0,
      totalCount: 1,
    });
    await repository.delete(saved.id);
    expect((await service.getRemovalStatusSummary(TENANT_IDLE)).totalCount).toBe(0);
  });

  describe('the schema from the migrations', () => {
    const insert = (number: string, tenant: string | null, status: number | null) =>
      dataSource.query(
        kind === 'postgres'
          ? 'INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ($1, $2, $3)'
          : 'INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)',
        [number, tenant, status],
      );

    it('has exactly the columns of the contract', async () => {
      const table = await dataSource.createQueryRunner().getTable('oc_numbers');
      expect(table?.columns.map((c) => c.name).sort()).toEqual([
        'created_at',
        'id',
        'ms_tenant_id',
        'removal_status',
        'removal_status_changed_at',
        'telephone_number',
        'updated_at',
      ]);
    });

    it('defaults the status to 0 and fills the timestamps', async () => {
      await dataSource.query(`INSERT INTO oc_numbers (telephone_number) VALUES ('+61293744000')`);
      const [row] = await dataSource.query(
        `SELECT removal_status, created_at, updated_at FROM oc_numbers WHERE telephone_number = '+61293744000'`,
      );
      expect(Number(row.removal_status)).toBe(0);
      expect(row.created_at).toBeTruthy();
      expect(row.updated_at).toBeTruthy();
    });

    it('rejects a duplicate number', async () => {
      await insert('+33140205050', null, 0);
      await expect(insert('+33140205050', TENANT_A, 0)).rejects.toThrow();
    });

    it.each([['4255550100'], ['+0425555'], ['+1 425 555 0100'], ['+1234567890123456']])(
      'rejects %s, which is not E.164',
      async (number) => {
        await expect(insert(number, null, 0)).rejects.toThrow();
      },
    );

    it.each([[-1], [4]])('rejects status %s', async (status) => {
      await expect(insert('+34915550100', null, status)).rejects.toThrow();
    });

    it('never stores an upper-case tenant id', async () => {
      if (kind === 'postgres') {
        // uuid values are stored as such and always read back lower-case.
        await insert('+4930901820', TENANT_A.toUpperCase(), 0);
        const [row] = await dataSource.query(
          `SELECT ms_tenant_id FROM oc_numbers WHERE telephone_number = '+4930901820'`,
        );
        expect(row.ms_tenant_id).toBe(TENANT_A);
      } else {
        await expect(insert('+4930901820', TENANT_A.toUpperCase(), 0)).rejects.toThrow(/CHECK constraint/);
      }
    });

    it('migrates down and up again', async () => {
      const runner = dataSource.createQueryRunner();
      const tables = ['oc_numbers', 'oc_numbers_removal_counts', 'oc_numbers_removal_totals'];
      try {
        for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
        for (const table of tables) expect(await runner.hasTable(table)).toBe(false);
        await dataSource.runMigrations();
        for (const table of tables) expect(await runner.hasTable(table)).toBe(true);
        expect(await service.getRemovalStatusSummary()).toEqual({
          markedForRemovalCount: 0,
          readyForRemovalCount: 0,
          totalCount: 0,
        });
      } finally {
        await runner.release();
      }
    });
  });
});
