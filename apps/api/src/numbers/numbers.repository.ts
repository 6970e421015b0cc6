import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'pg';
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

/** How the summary reaches the database: one short query, straight through the driver. */
type CountsReader = (msTenantId: string | undefined) => Promise<CountsRow | undefined>;

@Injectable()
export class NumbersRepository {
  private reader?: CountsReader;

  constructor(@InjectRepository(OcNumber) private readonly numbers: Repository<OcNumber>) {}

  /**
   * Counts both removal statuses for one tenant (a lower-case GUID) or, without one, for all
   * numbers, numbers without a tenant included. One query, a handful of rows read.
   */
  async countInRemoval(msTenantId?: string): Promise<RemovalCounts> {
    this.reader ??= this.createReader();
    const row = await this.reader(msTenantId);
    return { markedForRemoval: Number(row?.marked ?? 0), readyForRemoval: Number(row?.ready ?? 0) };
  }

  /**
   * The summary is the hot path that dashboards poll, and its queries are tiny, so TypeORM's
   * per-query machinery (a query runner, events) would cost more than the query. It goes to the
   * driver TypeORM opened: PostgreSQL's pool with named (prepared once per connection)
   * statements, SQLite's connection with statements prepared once. Errors are the drivers'
   * own, which the problem filter knows.
   */
  private createReader(): CountsReader {
    const connection = this.numbers.manager.connection;
    if (isPostgres(connection)) {
      const pool = (connection.driver as unknown as { master: Pool }).master;
      const tenant = tenantSql('$1');
      return async (msTenantId) => {
        const result =
          msTenantId === undefined
            ? await pool.query<CountsRow>({ name: 'oc_numbers_summary_all', text: ALL_TENANTS_SQL })
            : await pool.query<CountsRow>({ name: 'oc_numbers_summary_tenant', text: tenant, values: [msTenantId] });
        return result.rows[0];
      };
    }
    const database = (connection.driver as unknown as { databaseConnection: Database }).databaseConnection;
    let all: Statement<[], CountsRow> | undefined;
    let tenant: Statement<[string], CountsRow> | undefined;
    return async (msTenantId) => {
      if (msTenantId === undefined) {
        all ??= database.prepare<[], CountsRow>(ALL_TENANTS_SQL);
        return all.get();
      }
      tenant ??= database.prepare<[string], CountsRow>(tenantSql('?'));
      return tenant.get(msTenantId);
    };
  }
}
