import { Injectable } from '@nestjs/common';
import { DatabaseDriver, type PreparedQuery } from '../database/database-driver';

export interface RemovalCounts {
  readonly markedForRemoval: number;
  readonly readyForRemoval: number;
}

/** Both come back as strings from PostgreSQL (SUM of bigint is numeric) and as numbers from SQLite. */
interface CountsRow {
  marked: string | number | null;
  ready: string | number | null;
}

/**
 * The summary's queries read the counter tables that the database's triggers keep exact
 * (migration RemovalCounts1764288000000), so their cost does not grow with `oc_numbers`:
 * the totals are the sum of a few shard rows, a tenant's counts a primary-key range. Exported
 * for the tests that take a table away to see the readiness probe and the metrics notice.
 */
export const REMOVAL_COUNT_TABLES = {
  allTenants: 'oc_numbers_removal_totals',
  oneTenant: 'oc_numbers_removal_counts',
} as const;

const ALL_TENANTS_SQL = `
  SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
    FROM ${REMOVAL_COUNT_TABLES.allTenants}`;

const tenantSql = (parameter: string) => `
  SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
    FROM ${REMOVAL_COUNT_TABLES.oneTenant}
   WHERE ms_tenant_id = ${parameter}`;

/**
 * The summary is the hot path that dashboards poll, and its queries are tiny, so TypeORM's
 * per-query machinery (a query runner, events) would cost more than the query: they are
 * statements prepared once on the driver TypeORM opened.
 */
@Injectable()
export class NumbersRepository {
  private readonly allTenants: PreparedQuery<CountsRow, []>;
  private readonly oneTenant: PreparedQuery<CountsRow, [string]>;

  constructor(database: DatabaseDriver) {
    this.allTenants = database.prepare('oc_numbers_summary_all', () => ALL_TENANTS_SQL);
    this.oneTenant = database.prepare('oc_numbers_summary_tenant', (placeholder) => tenantSql(placeholder(1)));
  }

  /**
   * Counts both removal statuses for one tenant (a lower-case GUID) or, without one, for all
   * numbers, numbers without a tenant included. One query, a handful of rows read.
   */
  async countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    const row = msTenantId === undefined ? await this.allTenants() : await this.oneTenant(msTenantId);
    return { markedForRemoval: Number(row?.marked ?? 0), readyForRemoval: Number(row?.ready ?? 0) };
  }
}
