import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Dialect, dialectOf } from '../database/dialect';
import {
  CountsInconsistentError,
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
  if (value instanceof Date) return value.toISOString();
  const text = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? value : time.toISOString();
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

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  private placeholder(params: unknown[], value: unknown): string {
    params.push(value);
    return this.dialect === 'postgres' ? `$${params.length}` : '?';
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
      conditions.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
    }
    if (filters.msTenantId !== undefined) {
      conditions.push(`ms_tenant_id = ${this.placeholder(params, filters.msTenantId)}`);
    }
    if (filters.prefix !== undefined) {
      conditions.push(`telephone_number >= ${this.placeholder(params, filters.prefix)}`);
      const end = prefixEnd(filters.prefix);
      if (end !== undefined) conditions.push(`telephone_number < ${this.placeholder(params, end)}`);
    }
    if (after !== undefined) conditions.push(`telephone_number > ${this.placeholder(params, after)}`);
    return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  }

  /**
   * Up to `limit` numbers that match, in number order, after `after` (a number) or skipping
   * `offset` of them.
   */
  async page(filters: ListFilters, { after, offset = 0, limit }: { after?: string; offset?: number; limit: number }) {
    const params: unknown[] = [];
    const where = this.where(filters, after, params);
    const limitAt = this.placeholder(params, limit);
    const offsetAt = this.placeholder(params, offset);
    const rows = (await this.dataSource.query(
      `SELECT telephone_number, ms_tenant_id, removal_status, removal_status_changed_at, created_at
         FROM oc_numbers ${where}
        ORDER BY telephone_number
        LIMIT ${limitAt} OFFSET ${offsetAt}`,
      params,
    )) as RawNumberRow[];
    return rows.map((row): NumberRow => ({
      telephoneNumber: row.telephone_number,
      msTenantId: row.ms_tenant_id,
      status: (row.removal_status ?? 0) as RemovalStatus,
      removalStatusChangedAt: isoTime(row.removal_status_changed_at),
      createdAt: isoTime(row.created_at) ?? '',
    }));
  }

  /**
   * How many numbers match. Without a prefix: the counters (a few rows whatever the table's
   * size); a counter that cannot be a count is a CountsInconsistentError. With a prefix: a count
   * over the prefix's range of the number index, in proportion to the numbers it holds.
   */
  async count(filters: ListFilters): Promise<number> {
    if (filters.prefix !== undefined) {
      const params: unknown[] = [];
      const [row] = (await this.dataSource.query(
        `SELECT COUNT(*) AS n FROM oc_numbers ${this.where(filters, undefined, params)}`,
        params,
      )) as Array<{ n: string | number }>;
      return Number(row.n);
    }
    const tenant = filters.msTenantId;
    const [row] = (await this.dataSource.query(
      statusCountersSql(this.dialect, tenant === undefined ? undefined : this.placeholder([], tenant)),
      tenant === undefined ? [] : [tenant],
    )) as StatusCountersRow[];
    const counts = checkedStatusCounts(tenant, row);
    const statuses = filters.statuses ?? ([0, 1, 2, 3] as const);
    return statuses.reduce<number>((total, status) => total + counts[STATUS_COUNT[status]], 0);
  }

  /** The per-tenant counts (base rows plus deltas), summed per tenant, of tenants that have numbers. */
  private tenantCountsSql(): string {
    const columns = 'ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal';
    const deltas =
      this.dialect === 'postgres'
        ? ` UNION ALL SELECT ${columns} FROM oc_numbers_removal_count_deltas WHERE ms_tenant_id IS NOT NULL`
        : '';
    return `
      SELECT ms_tenant_id,
             SUM(active) AS active, SUM(release_requested) AS release_requested,
             SUM(marked_for_removal) AS marked, SUM(ready_for_removal) AS ready
        FROM (SELECT ${columns} FROM oc_numbers_removal_counts${deltas}) AS counters
       GROUP BY ms_tenant_id
      HAVING SUM(active) + SUM(release_requested) + SUM(marked_for_removal) + SUM(ready_for_removal) <> 0`;
  }

  /**
   * A page of tenants, most numbers in removal first, then by id; and how many tenants there are.
   * Every counter read is checked: one that cannot be a count is a CountsInconsistentError.
   */
  async tenants(offset: number, limit: number): Promise<{ rows: TenantRow[]; total: number }> {
    const params: unknown[] = [];
    const limitAt = this.placeholder(params, limit);
    const offsetAt = this.placeholder(params, offset);
    const rows = (await this.dataSource.query(
      `WITH counts AS (${this.tenantCountsSql()}),
            listed AS (
              SELECT ms_tenant_id, active, release_requested, marked, ready, COUNT(*) OVER () AS total
                FROM counts
               ORDER BY marked + ready DESC, ms_tenant_id
               LIMIT ${limitAt} OFFSET ${offsetAt})
       SELECT listed.*,
              (SELECT MAX(finished_at) FROM oc_numbers_reconciliations AS r
                WHERE r.ms_tenant_id = listed.ms_tenant_id) AS last_reconciled_at
         FROM listed
        ORDER BY marked + ready DESC, ms_tenant_id`,
      params,
    )) as Array<
      StatusCountersRow & { ms_tenant_id: string; total: string | number; last_reconciled_at: Date | string | null }
    >;
    let total: number;
    if (rows.length > 0) total = Number(rows[0].total);
    else {
      // A page past the end: the number of tenants alone.
      const [row] = (await this.dataSource.query(
        `SELECT COUNT(*) AS n FROM (${this.tenantCountsSql()}) AS t`,
      )) as Array<{
        n: string | number;
      }>;
      total = Number(row.n);
    }
    return {
      total,
      rows: rows.map((row) => {
        const counts = checkedStatusCounts(row.ms_tenant_id, row);
        return {
          msTenantId: row.ms_tenant_id,
          markedForRemoval: counts.markedForRemoval,
          readyForRemoval: counts.readyForRemoval,
          lastReconciledAt: isoTime(row.last_reconciled_at),
        };
      }),
    };
  }
}

export { CountsInconsistentError };
