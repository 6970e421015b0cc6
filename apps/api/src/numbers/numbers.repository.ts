import { Injectable } from '@nestjs/common';
import { DatabaseDriver, type PreparedQuery } from '../database/database-driver';
import type { Dialect } from '../database/dialect';
import { tenantListValue } from '../database/tenant-list';
import { checkedCounts, type CounterValue, countersSql, type RemovalCounts } from './removal-counters';

export type { RemovalCounts } from './removal-counters';

interface CountsRow {
  marked: CounterValue;
  ready: CounterValue;
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
  private readonly allTenants: PreparedQuery<CountsRow, []>;
  private readonly oneTenant: PreparedQuery<CountsRow, [string]>;
  private readonly someTenants: PreparedQuery<CountsRow, [string[] | string]>;
  /** The same two counts, always from the primary: the readiness probe's. */
  private readonly allTenantsOnPrimary: PreparedQuery<CountsRow, []>;
  private readonly oneTenantOnPrimary: PreparedQuery<CountsRow, [string]>;
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
    // The summary's route: the primary, or the replica within its lag (SUMMARY_READ_FROM_REPLICA).
    this.allTenants = database.prepare('oc_numbers_summary_all', () => countersSql(dialect), 'summary');
    this.oneTenant = database.prepare(
      'oc_numbers_summary_tenant',
      (placeholder) => countersSql(dialect, placeholder(1)),
      'summary',
    );
    this.someTenants = database.prepare(
      'oc_numbers_summary_tenants',
      (placeholder) => countersSql(dialect, { tenants: placeholder(1) }),
      'summary',
    );
    // The same statements (and names) as the summary's: a connection prepares each once.
    this.allTenantsOnPrimary = database.prepare('oc_numbers_summary_all', () => countersSql(dialect), 'primary');
    this.oneTenantOnPrimary = database.prepare(
      'oc_numbers_summary_tenant',
      (placeholder) => countersSql(dialect, placeholder(1)),
      'primary',
    );
  }

  /**
   * Counts both removal statuses for one tenant (a lower-case GUID) or, without one, for all
   * numbers, numbers without a tenant included. One query, a handful of rows read. A counter
   * that cannot be a count (negative: something changed the numbers without the triggers) is a
   * CountsInconsistentError, never a wrong number.
   */
  async countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    const row = msTenantId === undefined ? await this.allTenants() : await this.oneTenant(msTenantId);
    return checkedCounts(msTenantId, row?.marked, row?.ready);
  }

  /**
   * `countInRemoval` on the primary, whatever SUMMARY_READ_FROM_REPLICA says: the readiness
   * probe's, since the summary falls back to the primary, which must therefore serve it.
   */
  async countInRemovalOnPrimary(msTenantId?: string): Promise<RemovalCounts> {
    const row = msTenantId === undefined ? await this.allTenantsOnPrimary() : await this.oneTenantOnPrimary(msTenantId);
    return checkedCounts(msTenantId, row?.marked, row?.ready);
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
}
