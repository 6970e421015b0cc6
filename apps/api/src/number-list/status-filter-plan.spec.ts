import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@oc-numbers/testing';
import { migratedDataSource } from '../../test/migrated-data-source';
import { DatabaseDriver } from '../database/database-driver';
import type { RemovalStatus } from '../numbers/removal-status';
import { NumberListRepository } from './number-list.repository';

/**
 * A page filtered by statuses without Active must walk the partial index of statuses 1–3
 * (ix_oc_numbers_in_lifecycle) in number order and stop after the page. SQLite uses a partial
 * index only when the query's WHERE repeats the index's own condition: otherwise it reads every
 * row of those statuses through the (tenant, status) index and sorts them, seconds at 10M
 * numbers, with the event loop held the whole time (better-sqlite3 is synchronous).
 * The table has statistics (ANALYZE) shaped like a large inventory, so the planner sees what it
 * would see in production.
 */
describe('a page filtered by status on SQLite', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let statements: string[];
  let lastParams: unknown[];
  let repository: NumberListRepository;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataSource = await migratedDataSource(database);
    // 20,000 numbers of 200 tenants; every tenth in removal, as in a seeded inventory.
    await dataSource.query(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
      INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
      SELECT printf('+1425%07d', i), printf('00000000-0000-4000-8000-%012d', i % 200),
             CASE WHEN i % 10 = 0 THEN 1 + (i / 10) % 3 ELSE 0 END
        FROM n`);
    await dataSource.query('ANALYZE');
    statements = [];
    const captureDriver = {
      prepareRows: (_name: string, sql: () => string) => {
        statements.push(sql());
        return async (...params: unknown[]) => {
          lastParams = params;
          return [];
        };
      },
    } as unknown as DatabaseDriver;
    repository = new NumberListRepository(dataSource, captureDriver);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function planOf(statuses: RemovalStatus[], after?: string): Promise<string[]> {
    statements.length = 0;
    await repository.page({ statuses }, { after, limit: 100 });
    expect(statements).toHaveLength(1);
    const plan: Array<{ detail: string }> = await dataSource.query(`EXPLAIN QUERY PLAN ${statements[0]}`, lastParams);
    return plan.map((row) => row.detail);
  }

  it.each<[RemovalStatus[]]>([[[1]], [[2]], [[3]], [[1, 2]], [[2, 3]], [[1, 3]], [[1, 2, 3]]])(
    'statuses %j: the lifecycle index in number order, no sort',
    async (statuses) => {
      for (const after of [undefined, '+14250012345']) {
        const plan = await planOf(statuses, after);
        expect(plan.join('\n')).toContain('ix_oc_numbers_in_lifecycle');
        expect(plan.join('\n')).not.toContain('TEMP B-TREE');
      }
    },
  );

  it('returns the same numbers as a plain filter', async () => {
    const realRepository = new NumberListRepository(dataSource, new DatabaseDriver(dataSource));
    for (const statuses of [[2, 3], [1], [1, 3]] as RemovalStatus[][]) {
      const page = await realRepository.page({ statuses }, { limit: 100 });
      const expected: Array<{ telephone_number: string }> = await dataSource.query(
        `SELECT telephone_number FROM oc_numbers WHERE removal_status IN (${statuses.join(', ')})
          ORDER BY telephone_number LIMIT 100`,
      );
      expect(page.map((row) => row.telephoneNumber)).toEqual(expected.map((row) => row.telephone_number));
      expect(page.every((row) => statuses.includes(row.status))).toBe(true);
    }
  });
});
