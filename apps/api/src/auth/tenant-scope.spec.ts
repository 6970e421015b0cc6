import { createTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '@oc-numbers/testing';
import type { DataSource } from 'typeorm';
import {
  expectedSummary,
  FIXTURE,
  seedFixture,
  TENANT_A,
  TENANT_B,
  TENANT_C,
  TENANT_IDLE,
  TENANT_UNKNOWN,
} from '../../test/fixture';
import { migratedDataSource } from '../../test/migrated-data-source';
import { loadConfig } from '../config/app-config';
import { DatabaseDriver } from '../database/database-driver';
import { LifecycleRepository } from '../lifecycle/lifecycle.repository';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { MetricsService } from '../metrics/metrics.service';
import { NumberListRepository } from '../number-list/number-list.repository';
import { NumberListService } from '../number-list/number-list.service';
import { NumbersRepository } from '../numbers/numbers.repository';
import { NumbersService } from '../numbers/numbers.service';
import { compactRemovalCounts } from '../numbers/removal-counters';
import { ProblemException } from '../problem/problem';
import { ALL_TENANTS, type TenantScope } from './caller';

/**
 * The services under a limited scope, on both databases, without HTTP: the figures a limited
 * caller gets are the sums over its tenants only (before and after PostgreSQL's counters are
 * compacted), a tenant outside the scope is refused, and a scope of no tenant sees nothing.
 * The answers over HTTP, with tokens, are in test/tenant-scope.http.spec.ts.
 */
const only = (...tenants: string[]): TenantScope => ({ all: false, tenants });

function summaryOver(tenants: readonly string[]) {
  return tenants.reduce(
    (sum, tenant) => {
      const one = expectedSummary(tenant);
      return {
        markedForRemovalCount: sum.markedForRemovalCount + one.markedForRemovalCount,
        readyForRemovalCount: sum.readyForRemovalCount + one.readyForRemovalCount,
        totalCount: sum.totalCount + one.totalCount,
      };
    },
    { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 },
  );
}

function numbersOf(tenants: readonly string[]): string[] {
  return FIXTURE.filter((row) => row.msTenantId !== null && tenants.includes(row.msTenantId))
    .map((row) => row.telephoneNumber)
    .sort();
}

async function refusal(work: () => unknown): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ProblemException) return error.problem.errorCode;
    throw error;
  }
  return undefined;
}

describe.each(TEST_DATABASE_KINDS)('tenant scopes in the services on %s', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let summary: NumbersService;
  let list: NumberListService;
  let lifecycle: LifecycleService;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await migratedDataSource(database);
    await seedFixture(dataSource);
    const driver = new DatabaseDriver(dataSource);
    summary = new NumbersService(new NumbersRepository(driver), loadConfig({}), new MetricsService(driver));
    list = new NumberListService(new NumberListRepository(dataSource, driver));
    lifecycle = new LifecycleService(new LifecycleRepository(dataSource));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const scopes: Array<[string, string[]]> = [
    ['one tenant', [TENANT_A]],
    ['two tenants', [TENANT_B, TENANT_A]],
    ['a tenant in capitals and one without numbers', [TENANT_C.toUpperCase(), TENANT_UNKNOWN]],
    ['no tenant', []],
  ];

  describe.each(['before', 'after'])('%s compaction', (when) => {
    beforeAll(async () => {
      if (when === 'after') await compactRemovalCounts(dataSource);
    });

    it.each(scopes)('sums the summary over the tenants of a scope of %s', async (_, tenants) => {
      const lower = tenants.map((t) => t.toLowerCase());
      expect(await summary.getRemovalStatusSummary(undefined, only(...tenants))).toEqual(summaryOver(lower));
    });

    it.each(scopes)('lists, counts and exports only the numbers of a scope of %s', async (_, tenants) => {
      const expected = numbersOf(tenants.map((t) => t.toLowerCase()));
      const page = await list.list({ pageSize: 1000 }, only(...tenants));
      expect(page.data.map((item) => item.telephoneNumber)).toEqual(expected);
      expect(page.totalRecords).toBe(expected.length);
      const prefixed = await list.list({ pageSize: 1000, prefix: '+1425555' }, only(...tenants));
      expect(prefixed.totalRecords).toBe(expected.length);
      const inRemoval = await list.list({ pageSize: 1000, statuses: [2, 3] }, only(...tenants));
      expect(inRemoval.totalRecords).toBe(
        FIXTURE.filter((row) => expected.includes(row.telephoneNumber) && [2, 3].includes(row.removalStatus ?? 0))
          .length,
      );
      let csv = '';
      for await (const chunk of list.exportCsv({}, only(...tenants))) csv += String(chunk);
      expect(
        csv
          .split('\r\n')
          .slice(1, -1)
          .map((line) => line.split(',')[0]),
      ).toEqual(expected);
    });

    it.each(scopes)('shows the tenants view of a scope of %s', async (_, tenants) => {
      const lower = tenants.map((t) => t.toLowerCase());
      const page = await list.tenants(1, 1000, only(...tenants));
      const all = await list.tenants(1, 1000, ALL_TENANTS);
      const expected = all.data.filter((row) => lower.includes(row.msTenantId));
      expect(page.data).toEqual(expected);
      expect(page.totalRecords).toBe(expected.length);
    });
  });

  it.each([
    ['no filter', {}],
    ['statuses', { statuses: [0, 2] as const }],
    ['a prefix', { prefix: '+14255550' }],
  ])("walks several tenants' numbers by page and by cursor, with %s", async (_, filter) => {
    const scope = only(TENANT_C, TENANT_A, TENANT_B);
    const whole = await list.list({ ...filter, pageSize: 1000 }, scope);
    const expected = whole.data.map((item) => item.telephoneNumber);
    expect(expected.length).toBeGreaterThan(3);
    expect(whole.totalRecords).toBe(expected.length);
    const byPage: string[] = [];
    for (let page = 1; page <= whole.totalRecords / 3 + 1; page++) {
      const answer = await list.list({ ...filter, page, pageSize: 3 }, scope);
      expect(answer.totalRecords).toBe(expected.length);
      byPage.push(...answer.data.map((item) => item.telephoneNumber));
    }
    expect(byPage).toEqual(expected);
    const byCursor: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await list.list({ ...filter, pageSize: 3, cursor }, scope);
      byCursor.push(...answer.data.map((item) => item.telephoneNumber));
      cursor = answer.nextCursor;
    } while (cursor !== undefined);
    expect(byCursor).toEqual(expected);
  });

  it('refuses a tenant outside the scope alike, whether it has numbers or not', async () => {
    for (const tenant of [TENANT_B, TENANT_IDLE, TENANT_UNKNOWN]) {
      expect(await refusal(() => summary.getRemovalStatusSummary(tenant, only(TENANT_A)))).toBe('TENANT_FORBIDDEN');
      expect(await refusal(() => list.list({ pageSize: 10, msTenantId: tenant }, only(TENANT_A)))).toBe(
        'TENANT_FORBIDDEN',
      );
      expect(await refusal(() => list.exportCsv({ msTenantId: tenant }, only(TENANT_A)))).toBe('TENANT_FORBIDDEN');
      expect(await refusal(() => lifecycle.remove({ msTenantId: tenant }, null, only(TENANT_A)))).toBe(
        'TENANT_FORBIDDEN',
      );
    }
    expect(await refusal(() => summary.getRemovalStatusSummary(TENANT_A, only()))).toBe('TENANT_FORBIDDEN');
    expect(await summary.getRemovalStatusSummary(TENANT_A.toUpperCase(), only(TENANT_A))).toEqual(
      expectedSummary(TENANT_A),
    );
  });

  it('reports numbers outside the scope as notFound and changes nothing of them', async () => {
    const marked = (tenant: string | null) =>
      String(FIXTURE.find((row) => row.msTenantId === tenant && row.removalStatus === 2)?.telephoneNumber);
    const numbers = [marked(TENANT_B), marked(null), marked(TENANT_A)];
    const answer = await lifecycle.transition('clear-removal-status', numbers, null, only(TENANT_C));
    expect(answer.data.results).toEqual(numbers.map((telephoneNumber) => ({ telephoneNumber, outcome: 'notFound' })));
    expect(answer.data.successCount).toBe(0);
    expect(await summary.getRemovalStatusSummary()).toEqual(expectedSummary());
    const history = await lifecycle.history(marked(TENANT_B), 1, 50, only(TENANT_A));
    expect(history).toEqual({ currentPage: 1, pageSize: 50, totalPages: 0, totalRecords: 0, data: [] });
    expect((await lifecycle.history(marked(TENANT_B), 1, 50, only(TENANT_B))).totalRecords).toBe(1);
  });
});
