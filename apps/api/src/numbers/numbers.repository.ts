import { Injectable } from '@nestjs/common';
import { DatabaseDriver, type PreparedQuery } from '../database/database-driver';
import type { ReadRoute } from '../database/read-replica';
import type { Dialect } from '../database/dialect';
import { tenantListValue } from '../database/tenant-list';
import {
  checkedCounts,
  type CounterValue,
  countersByTenantSql,
  countersSql,
  CountsInconsistentError,
  type RemovalCounts,
} from './removal-counters';

export type { RemovalCounts } from './removal-counters';

interface CountsRow {
  marked: CounterValue;
  ready: CounterValue;
}

interface TenantCountsRow extends CountsRow {
  tenant: string;
}

/**
 * The summary's statements (all numbers; one tenant; each of a list of tenants, one row each),
 * prepared for one route.
 */
interface CountStatements {
  readonly allTenants: PreparedQuery<CountsRow, []>;
  readonly oneTenant: PreparedQuery<CountsRow, [string]>;
  readonly eachTenant: (tenants: string[] | string) => Promise<TenantCountsRow[]>;
}

/**
 * The base tables the summary's two queries read (with the deltas, on PostgreSQL). Exported for
 * the tests that take a table away to see the readiness probe and the metrics notice.
 */
export const REMOVAL_COUNT_TABLES = {
  allTenants: 'oc_numbers_removal_totals',
  oneTenant: 'oc_numbers_removal_counts',
} as const;

/**
 * The summary is the hot path that dashboards poll, and its queries are tiny, so TypeORM's
 * per-query machinery (a query runner, events) would cost more than the query: they are
 * statements prepared once on the driver TypeORM opened. They read the counters that the
 * database's triggers keep exact (migration RemovalCountDeltas1764374400000), so their cost does
 * not grow with `oc_numbers`: a base row plus the deltas not yet compacted.
 */
@Injectable()
export class NumbersRepository {
  /** The summary's route: the primary, or the replica within its lag (SUMMARY_READ_FROM_REPLICA). */
  private readonly summary: CountStatements;
  /** The same statements (and names) always on the primary: the readiness probe's. */
  private readonly primary: CountStatements;
  private readonly someTenants: PreparedQuery<CountsRow, [string[] | string]>;
  private readonly dialect: Dialect;
  /**
   * Whether a read can wait for the database: on PostgreSQL for a pooled connection and the
   * server's answer; on SQLite a read runs synchronously on the one connection (a writer of
   * another process is waited for by SQLite's busy timeout, the statement timeout), so there is
   * nothing for a deadline to bound.
   */
  readonly readsWait: boolean;

  constructor(database: DatabaseDriver) {
    const { dialect } = database;
    this.dialect = dialect;
    this.readsWait = dialect === 'postgres';
    // One name per statement on both routes: a connection prepares each once.
    const statements = (route: ReadRoute): CountStatements => ({
      allTenants: database.prepare('oc_numbers_summary_all', () => countersSql(dialect), route),
      oneTenant: database.prepare(
        'oc_numbers_summary_tenant',
        (placeholder) => countersSql(dialect, placeholder(1)),
        route,
      ),
      eachTenant: database.prepareRows(
        'oc_numbers_summary_each_tenant',
        (placeholder) => countersByTenantSql(dialect, placeholder(1)),
        'oc_numbers_summary_each_tenant',
        route,
      ),
    });
    this.summary = statements('summary');
    this.primary = statements('primary');
    this.someTenants = database.prepare(
      'oc_numbers_summary_tenants',
      (placeholder) => countersSql(dialect, { tenants: placeholder(1) }),
      'summary',
    );
  }

  /**
   * Counts both removal statuses for one tenant (a lower-case GUID) or, without one, for all
   * numbers, numbers without a tenant included. One query, a handful of rows read. A counter
   * that cannot be a count (negative: something changed the numbers without the triggers) is a
   * CountsInconsistentError, never a wrong number.
   */
  countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    return counted(this.summary, msTenantId);
  }

  /**
   * `countInRemoval` on the primary, whatever SUMMARY_READ_FROM_REPLICA says: the readiness
   * probe's, since the summary falls back to the primary, which must therefore serve it. One
   * tenant is read with the statement the summary reads it with: on PostgreSQL the statement of
   * `countInRemovalEach`, on SQLite its own.
   */
  async countInRemovalOnPrimary(msTenantId?: string): Promise<RemovalCounts> {
    if (msTenantId === undefined || !this.readsWait) return counted(this.primary, msTenantId);
    const counts = (await this.countEach(this.primary, [msTenantId])).get(msTenantId);
    if (counts instanceof CountsInconsistentError) throw counts;
    return counts as RemovalCounts;
  }

  /**
   * Counts both removal statuses over a list of tenants (lower-case GUIDs; none: zero), summed
   * from their per-tenant counter rows in one query: the summary of a caller limited to them.
   * Numbers without a tenant are not among them.
   */
  async countInRemovalOf(tenants: readonly string[]): Promise<RemovalCounts> {
    const row = await this.someTenants(tenantListValue(this.dialect, tenants));
    return checkedCounts(tenants.join(','), row?.marked, row?.ready);
  }

  /**
   * `countInRemoval` for each of a list of tenants (distinct lower-case GUIDs), in one query on
   * the summary's route: the reads of many requests for different tenants in one round trip. A
   * tenant's impossible counters are its CountsInconsistentError; the others are answered.
   */
  countInRemovalEach(tenants: readonly string[]): Promise<Map<string, RemovalCounts | CountsInconsistentError>> {
    return this.countEach(this.summary, tenants);
  }

  private async countEach(
    statements: CountStatements,
    tenants: readonly string[],
  ): Promise<Map<string, RemovalCounts | CountsInconsistentError>> {
    const rows = await statements.eachTenant(tenantListValue(this.dialect, tenants));
    const found = new Map(rows.map((row) => [row.tenant, row]));
    const counts = new Map<string, RemovalCounts | CountsInconsistentError>();
    for (const tenant of tenants) {
      const row = found.get(tenant);
      try {
        counts.set(tenant, checkedCounts(tenant, row?.marked, row?.ready));
      } catch (error) {
        if (!(error instanceof CountsInconsistentError)) throw error;
        counts.set(tenant, error);
      }
    }
    return counts;
  }
}

async function counted(statements: CountStatements, msTenantId: string | undefined): Promise<RemovalCounts> {
  const row = msTenantId === undefined ? await statements.allTenants() : await statements.oneTenant(msTenantId);
  return checkedCounts(msTenantId, row?.marked, row?.ready);
}
