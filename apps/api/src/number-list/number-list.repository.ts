import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DatabaseDriver } from '../database/database-driver';
import { type Dialect, dialectOf } from '../database/dialect';
import { tenantInList, tenantListValue } from '../database/tenant-list';
import {
  checkedStatusCounts,
  type StatusCounts,
  type StatusCountersRow,
  statusCountersSql,
} from '../numbers/removal-counters';
import type { RemovalStatus } from '../numbers/removal-status';
import type { ListFilters } from './list-query';

/** One number as the list reads it. */
export interface NumberRow {
  readonly telephoneNumber: string;
  readonly msTenantId: string | null;
  /** 0–3; a NULL status (old rows) is Active. */
  readonly status: RemovalStatus;
  readonly removalStatusChangedAt: string | null;
  readonly createdAt: string;
}

/** One tenant as the per-tenant view reads it. */
export interface TenantRow {
  readonly msTenantId: string;
  readonly markedForRemoval: number;
  readonly readyForRemoval: number;
  readonly lastReconciledAt: string | null;
}

interface RawNumberRow {
  telephone_number: string;
  ms_tenant_id: string | null;
  removal_status: number | null;
  removal_status_changed_at: Date | string | null;
  created_at: Date | string;
}

/**
 * A time as the drivers return it, in ISO 8601 UTC: a Date from PostgreSQL (timestamptz), the
 * text `YYYY-MM-DD HH:MM:SS.SSS` (UTC) from SQLite.
 */
export function isoTime(value: Date | string | null): string | null {
  if (value === null) return null;
  // Already ISO 8601 UTC with milliseconds (as the page's statement makes them): as it is.
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value)) return value;
  if (value instanceof Date) return value.toISOString();
  const text = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? value : time.toISOString();
}

function numberRow(row: RawNumberRow): NumberRow {
  return {
    telephoneNumber: row.telephone_number,
    msTenantId: row.ms_tenant_id,
    status: (row.removal_status ?? 0) as RemovalStatus,
    removalStatusChangedAt: isoTime(row.removal_status_changed_at),
    createdAt: isoTime(row.created_at) ?? '',
  };
}

/**
 * The end of the range of numbers that start with `prefix`: the smallest string of digits greater
 * than every number with the prefix (`+1425` → `+1426`, `+1429` → `+143`), or undefined when
 * there is none (`+99`). A range of the number index serves the prefix whatever the collation,
 * since numbers are `+` and digits only.
 */
export function prefixEnd(prefix: string): string | undefined {
  let digits = prefix.slice(1);
  while (digits.endsWith('9')) digits = digits.slice(0, -1);
  if (digits === '') return undefined;
  return `+${digits.slice(0, -1)}${Number(digits.slice(-1)) + 1}`;
}

/**
 * The filters of a caller limited to one tenant are those of a tenant filter (the same
 * statements, the same plans); several tenants stay a list.
 */
function oneTenant(filters: ListFilters): ListFilters {
  const tenants = filters.tenants;
  if (tenants === undefined || tenants.length !== 1) return filters;
  return { ...filters, msTenantId: tenants[0], tenants: undefined };
}

/** The condition of the partial index ix_oc_numbers_in_lifecycle (migration StatusCounts1764633600000). */
const LIFECYCLE_INDEX_CONDITION = 'removal_status IN (1, 2, 3)';

/** The columns of the counters, by status. */
const STATUS_COUNT: Record<RemovalStatus, keyof StatusCounts> = {
  0: 'active',
  1: 'releaseRequested',
  2: 'markedForRemoval',
  3: 'readyForRemoval',
};

/**
 * The list's and the per-tenant view's queries. Pages walk the number index in
 * `telephone_number` order (keyset: `telephone_number > last`), so a page costs the same at any
 * depth; `totalRecords` is read from the counters of every status (migration
 * StatusCounts1764633600000) unless a prefix is given.
 */
@Injectable()
export class NumberListRepository {
  private readonly dialect: Dialect;
  /** Each statement text prepared once (PostgreSQL: per connection), by its text. */
  private readonly statements = new Map<string, (...params: unknown[]) => Promise<unknown[]>>();

  constructor(
    dataSource: DataSource,
    private readonly database: DatabaseDriver,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /**
   * Runs a statement as a prepared one, so PostgreSQL plans each shape once per connection
   * instead of on every page (planning cost more than the page's own reading). The shapes are
   * few and bounded (which filters are given, and which statuses), so the cache is too. `label`
   * names the statement in the metrics.
   */
  private async run<Row>(label: string, sql: string, params: unknown[]): Promise<Row[]> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      const name = `${label}_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
      // Every statement here is a read a replica may answer (DATABASE_READ_URL).
      statement = this.database.prepareRows<unknown, unknown[]>(name, () => sql, label, 'replica');
      this.statements.set(sql, statement);
    }
    return (await statement(...params)) as Row[];
  }

  private placeholder(params: unknown[], value: unknown): string {
    params.push(value);
    return this.dialect === 'postgres' ? `$${params.length}` : '?';
  }

  /** The placeholder of a list of tenants (see tenantInList). */
  private tenantList(params: unknown[], tenants: readonly string[]): string {
    return this.placeholder(params, tenantListValue(this.dialect, tenants));
  }

  /** The WHERE conditions of the filters (and of a position to start after), with their parameters. */
  private where(filters: ListFilters, after: string | undefined, params: unknown[]): string {
    const conditions: string[] = [];
    const statuses = filters.statuses;
    if (statuses !== undefined && statuses.length < 4) {
      // Literals, not parameters (the values are checked 0–3): the planner sees that a filter
      // without Active is within the index of statuses 1–3 (ix_oc_numbers_in_lifecycle).
      const others = statuses.filter((s) => s !== 0);
      const parts = others.length > 0 ? [`removal_status IN (${others.join(', ')})`] : [];
      if (statuses.includes(0)) parts.push('removal_status = 0', 'removal_status IS NULL');
      // SQLite uses a partial index only when the WHERE repeats the index's own condition (it
      // does not see that IN (2, 3) lies within IN (1, 2, 3)); without it, it sorts every row of
      // those statuses for one page.
      if (this.dialect === 'sqlite' && !statuses.includes(0) && others.length < 3) {
        conditions.push(LIFECYCLE_INDEX_CONDITION);
      }
      conditions.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
    }
    if (filters.msTenantId !== undefined) {
      conditions.push(`ms_tenant_id = ${this.placeholder(params, filters.msTenantId)}`);
    }
    if (filters.tenants !== undefined) {
      conditions.push(tenantInList(this.dialect, 'ms_tenant_id', this.tenantList(params, filters.tenants)));
    }
    if (filters.prefix !== undefined) {
      conditions.push(`telephone_number >= ${this.placeholder(params, filters.prefix)}`);
      const end = prefixEnd(filters.prefix);
      if (end !== undefined) conditions.push(`telephone_number < ${this.placeholder(params, end)}`);
    }
    if (after !== undefined) conditions.push(`telephone_number > ${this.placeholder(params, after)}`);
    return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  }

  /** The columns of a number, its times as ISO 8601 UTC text made by the database (cheaper than Dates). */
  private numberColumns(): string {
    const iso = (column: string) =>
      this.dialect === 'postgres'
        ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
        : `strftime('%Y-%m-%dT%H:%M:%fZ', ${column})`;
    return `telephone_number, ms_tenant_id, removal_status,
            ${iso('removal_status_changed_at')} AS removal_status_changed_at, ${iso('created_at')} AS created_at`;
  }

  /**
   * The page's statement. Several tenants of a limited caller, on PostgreSQL: each tenant's
   * numbers are walked on its own range of `ix_oc_numbers_tenant_number` (as a tenant filter
   * is), at most `offset + limit` of them, and the walks merged; a condition on the list alone
   * would read and sort every number of those tenants for each page.
   */
  private pageSql(
    filters: ListFilters,
    { after, offset = 0, limit }: { after?: string; offset?: number; limit: number },
    params: unknown[],
  ): string {
    const tenants = filters.tenants;
    if (this.dialect === 'postgres' && tenants !== undefined && tenants.length > 1) {
      const list = this.tenantList(params, tenants);
      const where = this.where({ ...filters, tenants: undefined }, after, params);
      const each = this.placeholder(params, offset + limit);
      const limitAt = this.placeholder(params, limit);
      const offsetAt = this.placeholder(params, offset);
      return `SELECT walked.* FROM unnest(${list}::uuid[]) AS scope (tenant_id)
              CROSS JOIN LATERAL (
                SELECT ${this.numberColumns()} FROM oc_numbers
                 ${where === '' ? 'WHERE' : `${where} AND`} ms_tenant_id = scope.tenant_id
                 ORDER BY telephone_number LIMIT ${each}
              ) AS walked
             ORDER BY telephone_number LIMIT ${limitAt} OFFSET ${offsetAt}`;
    }
    const where = this.where(filters, after, params);
    const limitAt = this.placeholder(params, limit);
    const offsetAt = this.placeholder(params, offset);
    return `SELECT ${this.numberColumns()} FROM oc_numbers ${where}
             ORDER BY telephone_number LIMIT ${limitAt} OFFSET ${offsetAt}`;
  }

  /** Up to `limit` numbers that match, in number order, after `after` (a number) or skipping `offset`. */
  async page(filters: ListFilters, position: { after?: string; offset?: number; limit: number }): Promise<NumberRow[]> {
    const params: unknown[] = [];
    const rows = await this.run<RawNumberRow>(
      'oc_numbers_list_batch',
      this.pageSql(oneTenant(filters), position, params),
      params,
    );
    return rows.map(numberRow);
  }

  /**
   * The count's statement: without a prefix the counters (a few rows whatever the table's size,
   * columns of statusCountersSql), with one a count over the prefix's range of the number index
   * (column `n`), in proportion to the numbers it holds.
   */
  private countSql(filters: ListFilters, params: unknown[]): string {
    if (filters.prefix !== undefined)
      return `SELECT COUNT(*) AS n FROM oc_numbers ${this.where(filters, undefined, params)}`;
    const tenant = filters.msTenantId;
    if (tenant !== undefined) return statusCountersSql(this.dialect, this.placeholder(params, tenant));
    if (filters.tenants !== undefined) {
      return statusCountersSql(this.dialect, { tenants: this.tenantList(params, filters.tenants) });
    }
    return statusCountersSql(this.dialect);
  }

  /** How many numbers match, from a row of countSql; counters that cannot be counts are a CountsInconsistentError. */
  private total(filters: ListFilters, row: (StatusCountersRow & { n?: string | number }) | undefined): number {
    if (filters.prefix !== undefined) return Number(row?.n ?? 0);
    const counts = checkedStatusCounts(filters.msTenantId, row);
    const statuses = filters.statuses ?? ([0, 1, 2, 3] as const);
    return statuses.reduce<number>((total, status) => total + counts[STATUS_COUNT[status]], 0);
  }

  /** How many numbers match (see countSql). */
  async count(scoped: ListFilters): Promise<number> {
    const filters = oneTenant(scoped);
    const params: unknown[] = [];
    const [row] = await this.run<StatusCountersRow>('oc_numbers_list_count', this.countSql(filters, params), params);
    return this.total(filters, row);
  }

  /**
   * A page and the count, in one statement (one round trip, one connection, one snapshot): the
   * count's single row joined to the page's rows, or alone when the page is empty.
   */
  async pageAndCount(
    scoped: ListFilters,
    position: { after?: string; offset?: number; limit: number },
  ): Promise<{ rows: NumberRow[]; total: number }> {
    const filters = oneTenant(scoped);
    const params: unknown[] = [];
    const count = this.countSql(filters, params);
    const page = this.pageSql(filters, position, params);
    const rows = await this.run<RawNumberRow & StatusCountersRow & { n?: string | number }>(
      'oc_numbers_list_page',
      `SELECT total.*, page.* FROM (${count}) AS total LEFT JOIN (${page}) AS page ON 1 = 1
        ORDER BY page.telephone_number`,
      params,
    );
    return {
      total: this.total(filters, rows[0]),
      rows: rows.filter((row) => row.telephone_number !== null).map(numberRow),
    };
  }

  /**
   * A page of tenants, most numbers in removal first, then by id; and how many tenants there are.
   * Every counter read is checked: one that cannot be a count is a CountsInconsistentError.
   *
   * The base rows are read in the order of their index on (marked + ready) descending and id, so a
   * page reads about `offset + limit` rows, not every tenant. Tenants with deltas not yet
   * compacted (PostgreSQL; a few, since compaction runs every second) are not in that order:
   * they are taken aside, their base row plus deltas summed, and merged in. Every tenant of the
   * page is in one of the two sets, so the page is exact, at one snapshot (one statement).
   */
  async tenants(
    offset: number,
    limit: number,
    scope?: readonly string[],
  ): Promise<{ rows: TenantRow[]; total: number }> {
    if (scope !== undefined) return this.scopedTenants(offset, limit, scope);
    const pg = this.dialect === 'postgres';
    const params: unknown[] = [];
    const first = this.placeholder(params, offset + limit);
    const limitAt = this.placeholder(params, limit);
    const offsetAt = this.placeholder(params, offset);
    const nonZero = (p: string) =>
      `${p}active + ${p}release_requested + ${p}marked_for_removal + ${p}ready_for_removal <> 0`;
    const pending = pg
      ? `SELECT ms_tenant_id, SUM(active) AS active, SUM(release_requested) AS release_requested,
                SUM(marked_for_removal) AS marked_for_removal, SUM(ready_for_removal) AS ready_for_removal
           FROM oc_numbers_removal_count_deltas WHERE ms_tenant_id IS NOT NULL GROUP BY ms_tenant_id`
      : // SQLite keeps no deltas: an empty set of the same shape.
        `SELECT ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal
           FROM oc_numbers_removal_counts WHERE 0 = 1`;
    // Not a CTE: PostgreSQL would compute a CTE whole, and the page's part must walk the index.
    // The count is not `settled`'s either: every base row that is not zero, less those with
    // pending deltas (a few; `pending` has one row a tenant), plus the merged ones. The same
    // number, without an anti-join over every tenant.
    const settled = `
      SELECT c.ms_tenant_id, c.active, c.release_requested, c.marked_for_removal, c.ready_for_removal
        FROM oc_numbers_removal_counts AS c
       WHERE ${nonZero('c.')}
         AND NOT EXISTS (SELECT 1 FROM pending AS d WHERE d.ms_tenant_id = c.ms_tenant_id)`;
    const rows = await this.run<
      StatusCountersRow & {
        ms_tenant_id: string | null;
        total: string | number;
        last_reconciled_at: Date | string | null;
      }
    >(
      'oc_numbers_tenants_page',
      `WITH pending AS (${pending}),
            merged AS (
              SELECT d.ms_tenant_id,
                     COALESCE(c.active, 0) + d.active AS active,
                     COALESCE(c.release_requested, 0) + d.release_requested AS release_requested,
                     COALESCE(c.marked_for_removal, 0) + d.marked_for_removal AS marked_for_removal,
                     COALESCE(c.ready_for_removal, 0) + d.ready_for_removal AS ready_for_removal
                FROM pending AS d LEFT JOIN oc_numbers_removal_counts AS c ON c.ms_tenant_id = d.ms_tenant_id
            ),
            candidates AS (
              SELECT * FROM (${settled}
                              ORDER BY marked_for_removal + ready_for_removal DESC, ms_tenant_id
                              LIMIT ${first}) AS top
              UNION ALL
              SELECT * FROM merged WHERE ${nonZero('')}
            ),
            listed AS (
              SELECT ms_tenant_id, active, release_requested,
                     marked_for_removal AS marked, ready_for_removal AS ready
                FROM candidates
               ORDER BY marked_for_removal + ready_for_removal DESC, ms_tenant_id
               LIMIT ${limitAt} OFFSET ${offsetAt}
            )
       SELECT listed.*,
              (SELECT COUNT(*) FROM oc_numbers_removal_counts AS c WHERE ${nonZero('c.')})
                - (SELECT COUNT(*) FROM oc_numbers_removal_counts AS c JOIN pending AS d ON d.ms_tenant_id = c.ms_tenant_id
                    WHERE ${nonZero('c.')})
                + (SELECT COUNT(*) FROM merged WHERE ${nonZero('')}) AS total,
              (SELECT MAX(finished_at) FROM oc_numbers_reconciliations AS r
                WHERE r.ms_tenant_id = listed.ms_tenant_id) AS last_reconciled_at
         FROM (SELECT 1 AS one) AS always LEFT JOIN listed ON 1 = 1
        ORDER BY marked + ready DESC, ms_tenant_id`,
      params,
    );
    return this.tenantRows(rows);
  }

  /** The rows of a tenants page, every counter checked. */
  private tenantRows(
    rows: ReadonlyArray<
      StatusCountersRow & {
        ms_tenant_id: string | null;
        total: string | number;
        last_reconciled_at: Date | string | null;
      }
    >,
  ): { rows: TenantRow[]; total: number } {
    return {
      total: Number(rows[0]?.total ?? 0),
      rows: rows
        .filter((row) => row.ms_tenant_id !== null)
        .map((row) => {
          const counts = checkedStatusCounts(row.ms_tenant_id ?? undefined, row);
          return {
            msTenantId: row.ms_tenant_id as string,
            markedForRemoval: counts.markedForRemoval,
            readyForRemoval: counts.readyForRemoval,
            lastReconciledAt: isoTime(row.last_reconciled_at),
          };
        }),
    };
  }

  /**
   * The per-tenant view of a caller limited to some tenants (lower-case GUIDs): those of them
   * with numbers, in the order and shape of `tenants`, and how many there are. A caller's tenants
   * are few (those its token names), so their counter rows (base and deltas) are summed whole.
   */
  private async scopedTenants(
    offset: number,
    limit: number,
    tenants: readonly string[],
  ): Promise<{ rows: TenantRow[]; total: number }> {
    const params: unknown[] = [];
    const list = this.tenantList(params, tenants);
    const inList = tenantInList(this.dialect, 'ms_tenant_id', list);
    const columns = 'ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal';
    const deltas =
      this.dialect === 'postgres'
        ? `UNION ALL SELECT ${columns} FROM oc_numbers_removal_count_deltas WHERE ${inList}`
        : '';
    const limitAt = this.placeholder(params, limit);
    const offsetAt = this.placeholder(params, offset);
    const rows = await this.run<
      StatusCountersRow & {
        ms_tenant_id: string | null;
        total: string | number;
        last_reconciled_at: Date | string | null;
      }
    >(
      'oc_numbers_tenants_scoped_page',
      `WITH summed AS (
              SELECT ms_tenant_id, SUM(active) AS active, SUM(release_requested) AS release_requested,
                     SUM(marked_for_removal) AS marked, SUM(ready_for_removal) AS ready
                FROM (SELECT ${columns} FROM oc_numbers_removal_counts WHERE ${inList} ${deltas}) AS counters
               GROUP BY ms_tenant_id
            ),
            present AS (SELECT * FROM summed WHERE active + release_requested + marked + ready <> 0),
            listed AS (
              SELECT * FROM present ORDER BY marked + ready DESC, ms_tenant_id
               LIMIT ${limitAt} OFFSET ${offsetAt}
            )
       SELECT listed.*,
              (SELECT COUNT(*) FROM present) AS total,
              (SELECT MAX(finished_at) FROM oc_numbers_reconciliations AS r
                WHERE r.ms_tenant_id = listed.ms_tenant_id) AS last_reconciled_at
         FROM (SELECT 1 AS one) AS always LEFT JOIN listed ON 1 = 1
        ORDER BY marked + ready DESC, ms_tenant_id`,
      params,
    );
    return this.tenantRows(rows);
  }
}
