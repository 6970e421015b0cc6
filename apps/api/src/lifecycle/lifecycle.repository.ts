import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DatabaseDriver } from '../database/database-driver';
import { isPostgres } from '../database/dialect';
import { tenantInList, tenantListValue } from '../database/tenant-list';
import { type ChangeContext, withChangeContext } from '../numbers/change-context';
import type { RemovalStatus } from '../numbers/removal-status';

/** A number's status as the lifecycle reads it: NULL is Active. */
export type CurrentStatuses = ReadonlyMap<string, RemovalStatus>;

export interface ActionOutcome {
  /** The numbers the action changed. */
  readonly changed: ReadonlySet<string>;
  /** The status of every other number of the request that the inventory holds. */
  readonly current: CurrentStatuses;
}

export interface TenantRemoval {
  /** The tenant's numbers, every status. */
  readonly tenantNumbers: number;
  readonly removed: number;
  /** The removed numbers, the first `limit` in telephone-number order. */
  readonly listed: readonly string[];
}

export interface HistoryRow {
  readonly changedAt: string;
  readonly oldStatus: RemovalStatus | null;
  readonly newStatus: RemovalStatus | null;
  readonly operation: string;
  readonly caller: string | null;
  readonly reconciliationId: string | null;
  readonly msTenantId: string | null;
}

/**
 * The lifecycle's reads and writes. Every write is one transaction of set-based statements (a
 * request's numbers in one statement, never one statement per number), run in the change context
 * the status history records.
 */
@Injectable()
export class LifecycleRepository {
  private readonly pg: boolean;
  /** The history page's statements, for a caller of every tenant and for a limited one. */
  private readonly historyPages = new Map<boolean, (...params: unknown[]) => Promise<Array<Record<string, unknown>>>>();

  constructor(
    private readonly dataSource: DataSource,
    /** Nest gives the application's; a repository built outside Nest has its own. */
    private readonly database: DatabaseDriver = new DatabaseDriver(dataSource),
  ) {
    this.pg = isPostgres(dataSource);
  }

  /**
   * Moves the numbers in status `from` to `to`; reports the others' statuses. `tenants`: the
   * tenants a limited caller reaches (undefined: every one); a number of another tenant, or
   * without one, is neither changed nor reported, as if the inventory did not hold it.
   */
  transition(
    numbers: readonly string[],
    from: RemovalStatus,
    to: RemovalStatus,
    context: ChangeContext,
    tenants?: readonly string[],
  ) {
    return this.inContext(context, async (manager): Promise<ActionOutcome> => {
      const rows = returned<{ telephone_number: string }>(
        await manager.query(
          `UPDATE oc_numbers
            SET removal_status = ${this.param(1)}, removal_status_changed_at = ${this.now()}, updated_at = ${this.now()}
          WHERE telephone_number ${this.inList(2)} AND removal_status = ${this.param(3)}${this.inTenants(4, tenants)}
         RETURNING telephone_number`,
          [to, this.list(numbers), from, ...this.tenantsParam(tenants)],
        ),
      );
      const changed = new Set(rows.map((row) => row.telephone_number));
      return {
        changed,
        current: await this.statuses(
          manager,
          numbers.filter((n) => !changed.has(n)),
          tenants,
        ),
      };
    });
  }

  /** Deletes the numbers that are ReadyForRemoval; reports the others' statuses (`tenants`: see transition). */
  remove(numbers: readonly string[], ready: RemovalStatus, context: ChangeContext, tenants?: readonly string[]) {
    return this.inContext(context, async (manager): Promise<ActionOutcome> => {
      const rows = returned<{ telephone_number: string }>(
        await manager.query(
          `DELETE FROM oc_numbers
          WHERE telephone_number ${this.inList(1)} AND removal_status = ${this.param(2)}${this.inTenants(3, tenants)}
         RETURNING telephone_number`,
          [this.list(numbers), ready, ...this.tenantsParam(tenants)],
        ),
      );
      const changed = new Set(rows.map((row) => row.telephone_number));
      return {
        changed,
        current: await this.statuses(
          manager,
          numbers.filter((n) => !changed.has(n)),
          tenants,
        ),
      };
    });
  }

  /** Deletes every ReadyForRemoval number of a tenant (a lower-case GUID). */
  removeTenant(tenant: string, ready: RemovalStatus, limit: number, context: ChangeContext) {
    return this.inContext(context, async (manager): Promise<TenantRemoval> => {
      const [{ count }] = (await manager.query(
        `SELECT COUNT(*) AS count FROM oc_numbers WHERE ms_tenant_id = ${this.param(1)}`,
        [tenant],
      )) as Array<{ count: string | number }>;
      if (this.pg) {
        // Only the listed numbers travel back; the database counts the rest.
        const rows: Array<{ telephone_number: string; removed: string }> = await manager.query(
          `WITH removed AS (
             DELETE FROM oc_numbers WHERE ms_tenant_id = $1 AND removal_status = $2 RETURNING telephone_number
           )
           SELECT telephone_number, COUNT(*) OVER () AS removed FROM removed ORDER BY telephone_number LIMIT $3`,
          [tenant, ready, limit],
        );
        return {
          tenantNumbers: Number(count),
          removed: rows.length === 0 ? 0 : Number(rows[0].removed),
          listed: rows.map((row) => row.telephone_number),
        };
      }
      const rows = returned<{ telephone_number: string }>(
        await manager.query(
          'DELETE FROM oc_numbers WHERE ms_tenant_id = ? AND removal_status = ? RETURNING telephone_number',
          [tenant, ready],
        ),
      );
      const removed = rows.map((row) => row.telephone_number).sort();
      return { tenantNumbers: Number(count), removed: removed.length, listed: removed.slice(0, limit) };
    });
  }

  /**
   * One page of a number's history, newest first, and how many entries it has in all. `tenants`:
   * the tenants a limited caller reaches (undefined: every one); only the entries of those
   * tenants count, so a number that only ever was another tenant's has no history for it.
   */
  async history(telephoneNumber: string, offset: number, limit: number, tenants?: readonly string[]) {
    const scoped = tenants !== undefined;
    let page = this.historyPages.get(scoped);
    if (page === undefined) {
      // One statement (one snapshot, one server: the replica when there is one): the count's
      // single row joined to the page's rows, or alone when the page is empty.
      let position = 0;
      const next = () => this.param(++position);
      const where = () => `WHERE telephone_number = ${next()}${scoped ? this.inTenants(++position, tenants) : ''}`;
      const count = `SELECT COUNT(*) AS count FROM oc_numbers_status_history ${where()}`;
      const rows = `SELECT id, changed_at, old_status, new_status, operation, caller, reconciliation_id, ms_tenant_id
                      FROM oc_numbers_status_history ${where()}
                     ORDER BY id DESC LIMIT ${next()} OFFSET ${next()}`;
      const sql = `SELECT total.count, page.* FROM (${count}) AS total LEFT JOIN (${rows}) AS page ON 1 = 1
                    ORDER BY page.id DESC`;
      page = this.database.prepareRows<Record<string, unknown>, unknown[]>(
        scoped ? 'oc_numbers_history_scoped_page' : 'oc_numbers_history_page',
        () => sql,
        undefined,
        'replica',
      );
      this.historyPages.set(scoped, page);
    }
    const condition = [telephoneNumber, ...this.tenantsParam(tenants)];
    const rows = await page(...condition, ...condition, limit, offset);
    return {
      total: Number(rows[0]?.count ?? 0),
      rows: rows
        .filter((row) => row.id !== null && row.id !== undefined)
        .map((row): HistoryRow => ({
          changedAt: isoTime(row.changed_at),
          oldStatus: statusOf(row.old_status),
          newStatus: statusOf(row.new_status),
          operation: String(row.operation),
          caller: (row.caller as string | null) ?? null,
          reconciliationId: (row.reconciliation_id as string | null) ?? null,
          msTenantId: (row.ms_tenant_id as string | null) ?? null,
        })),
    };
  }

  private async statuses(
    manager: EntityManager,
    numbers: readonly string[],
    tenants: readonly string[] | undefined,
  ): Promise<CurrentStatuses> {
    if (numbers.length === 0) return new Map();
    const rows: Array<{ telephone_number: string; status: number | string }> = await manager.query(
      `SELECT telephone_number, COALESCE(removal_status, 0) AS status
         FROM oc_numbers WHERE telephone_number ${this.inList(1)}${this.inTenants(2, tenants)}`,
      [this.list(numbers), ...this.tenantsParam(tenants)],
    );
    return new Map(rows.map((row) => [row.telephone_number, Number(row.status) as RemovalStatus]));
  }

  private inContext<T>(context: ChangeContext, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => withChangeContext(manager, context, () => work(manager)));
  }

  private param(position: number): string {
    return this.pg ? `$${position}` : '?';
  }

  /** `IN` a list given as one parameter: an array on PostgreSQL, a JSON array on SQLite. */
  private inList(position: number): string {
    return this.pg ? `= ANY($${position}::varchar[])` : 'IN (SELECT value FROM json_each(?))';
  }

  /** ` AND` the number's tenant is one of `tenants`, their list the parameter at `position`; nothing without them. */
  private inTenants(position: number, tenants: readonly string[] | undefined): string {
    if (tenants === undefined) return '';
    return ` AND ${tenantInList(this.pg ? 'postgres' : 'sqlite', 'ms_tenant_id', this.param(position))}`;
  }

  /** The parameter of inTenants, when there are tenants. */
  private tenantsParam(tenants: readonly string[] | undefined): unknown[] {
    return tenants === undefined ? [] : [tenantListValue(this.pg ? 'postgres' : 'sqlite', tenants)];
  }

  private list(numbers: readonly string[]): string[] | string {
    return this.pg ? [...numbers] : JSON.stringify(numbers);
  }

  private now(): string {
    return this.pg ? 'now()' : "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  }
}

/**
 * The rows of an UPDATE or DELETE … RETURNING: TypeORM answers `[rows, affected]` for these on
 * PostgreSQL, the rows alone on SQLite.
 */
function returned<Row>(result: unknown): Row[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as Row[];
  }
  return result as Row[];
}

function statusOf(value: unknown): RemovalStatus | null {
  return value === null || value === undefined ? null : (Number(value) as RemovalStatus);
}

/** A time as the contract writes it: PostgreSQL's driver gives a Date, SQLite a UTC text. */
function isoTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).toISOString();
}
