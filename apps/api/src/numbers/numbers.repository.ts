import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { isPostgres } from '../database/dialect';
import { OcNumber } from './oc-number.entity';

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
 * the totals are the sum of a few shard rows, a tenant's counts a primary-key range.
 */
const ALL_TENANTS_SQL = `
  SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
    FROM oc_numbers_removal_totals`;

const tenantSql = (parameter: string) => `
  SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
    FROM oc_numbers_removal_counts
   WHERE ms_tenant_id = ${parameter}`;

@Injectable()
export class NumbersRepository {
  private readonly tenantSql: string;

  constructor(@InjectRepository(OcNumber) private readonly numbers: Repository<OcNumber>) {
    this.tenantSql = tenantSql(isPostgres(numbers.manager.connection) ? '$1' : '?');
  }

  /**
   * Counts both removal statuses for one tenant (a lower-case GUID) or, without one, for all
   * numbers, numbers without a tenant included. One query, a handful of rows read.
   */
  async countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    const rows: CountsRow[] =
      msTenantId === undefined
        ? await this.numbers.query(ALL_TENANTS_SQL)
        : await this.numbers.query(this.tenantSql, [msTenantId]);
    const row = rows[0];
    return { markedForRemoval: Number(row?.marked ?? 0), readyForRemoval: Number(row?.ready ?? 0) };
  }
}
