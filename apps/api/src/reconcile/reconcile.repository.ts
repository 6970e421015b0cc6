import { Injectable } from '@nestjs/common';
import type { PoolClient, QueryConfig } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { type Dialect, dialectOf } from '../database/dialect';

/**
 * The advisory lock class of reconciliations (PostgreSQL's two-key form, whose keys never meet
 * the one-key lock of the counters' compaction): the second key is the tenant's hash, so two
 * reconciliations of one tenant take turns and those of other tenants never wait. ("ocRC")
 */
export const RECONCILE_LOCK_CLASS = 0x6f635243;

/** The temporary table a reconciliation stages the caller's list in, for its transaction only. */
const ACQUIRED = 'oc_numbers_reconcile_acquired';

/** How the counts of a tenant's numbers against the list come out of the database. */
export interface ReconcileCounts {
  readonly acquired: number;
  /** The tenant's Active numbers (status 0 or NULL) before the change. */
  readonly active: number;
  readonly marked: number;
  readonly restored: number;
  readonly unchanged: number;
  readonly unknown: number;
}

/** The first numbers of each kind, in number order. */
export interface ReconcileSamples {
  readonly marked: string[];
  readonly restored: string[];
  readonly unchanged: string[];
  readonly unknown: string[];
}

/** A reconciliation's row in `oc_numbers_reconciliations`. */
export interface ReconciliationRecord {
  readonly id: string;
  readonly msTenantId: string;
  readonly startedAt: Date;
  readonly counts: ReconcileCounts;
  readonly massRemovalConfirmed: boolean;
  readonly caller: string | null;
}

/**
 * The SQL of a reconciliation, set-based on both databases: the caller's list is staged once in
 * a temporary table (one `unnest` of an array parameter on PostgreSQL, one `json_each` of a JSON
 * parameter on SQLite: a single prepared insert either way, however long the list), and every
 * count, sample and change is one statement joining it with the tenant's numbers through
 * `ix_oc_numbers_tenant_number`.
 */
@Injectable()
export class ReconcileRepository {
  readonly dialect: Dialect;
  /** SQLite has one connection, whose transactions must not overlap: they take turns here. */
  private sqliteTurn: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /**
   * Runs `work` in one transaction in which the tenant's list is staged and no other
   * reconciliation of the tenant runs (PostgreSQL: a transaction-scoped advisory lock on the
   * tenant, which other tenants' reconciliations, other writers and the summary never meet).
   * Statements run for at most `statementTimeoutMs` each (PostgreSQL). The staged list goes
   * with the transaction.
   */
  async inTransaction<T>(
    msTenantId: string,
    numbers: readonly string[],
    statementTimeoutMs: number,
    work: (staged: StagedReconciliation) => Promise<T>,
  ): Promise<T> {
    if (this.dialect === 'postgres') {
      return this.dataSource.transaction(async (manager) => {
        const query = postgresQuery(manager, statementTimeoutMs);
        // SET LOCAL takes no parameter; the value is a whole number from the validated settings.
        await query(`SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
        await query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [RECONCILE_LOCK_CLASS, msTenantId]);
        await query(`CREATE TEMPORARY TABLE ${ACQUIRED} (telephone_number varchar(16) PRIMARY KEY) ON COMMIT DROP`);
        await query(`INSERT INTO ${ACQUIRED} (telephone_number) SELECT unnest($1::varchar(16)[])`, [numbers]);
        // The planner must know the list's size to join it well with a tenant's numbers.
        await query(`ANALYZE ${ACQUIRED}`);
        return work(new StagedReconciliation(manager, query, 'postgres', msTenantId));
      });
    }
    const turn = this.sqliteTurn.then(() =>
      this.dataSource.transaction(async (manager) => {
        await manager.query(`DROP TABLE IF EXISTS temp.${ACQUIRED}`);
        await manager.query(`CREATE TEMPORARY TABLE ${ACQUIRED} (telephone_number TEXT PRIMARY KEY) WITHOUT ROWID`);
        await manager.query(`INSERT INTO temp.${ACQUIRED} (telephone_number) SELECT value FROM json_each(?)`, [
          JSON.stringify(numbers),
        ]);
        const query: Query = async (sql, parameters) => (await manager.query(sql, parameters as unknown[])) as Row[];
        try {
          return await work(new StagedReconciliation(manager, query, 'sqlite', msTenantId));
        } finally {
          await manager.query(`DROP TABLE IF EXISTS temp.${ACQUIRED}`);
        }
      }),
    );
    this.sqliteTurn = turn.catch(() => undefined);
    return turn;
  }
}

type Row = Record<string, unknown>;
type Query = (sql: string, parameters?: readonly unknown[]) => Promise<Row[]>;

/**
 * Statements on the transaction's own PostgreSQL connection, each allowed the reconciliation's
 * statement timeout: the pool's client-side read timeout follows DATABASE_STATEMENT_TIMEOUT_MS,
 * too short for a list of a million numbers, and TypeORM's `query` cannot lengthen it.
 */
function postgresQuery(manager: EntityManager, statementTimeoutMs: number): Query {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('A reconciliation runs in a transaction');
  let client: Promise<PoolClient> | undefined;
  return async (sql, parameters = []) => {
    client ??= runner.connect() as Promise<PoolClient>;
    const result = await (
      await client
    ).query({
      text: sql,
      values: [...parameters],
      query_timeout: statementTimeoutMs + STATEMENT_TIMEOUT_MARGIN_MS,
    } as QueryConfig);
    return result.rows as Row[];
  };
}

/** How much longer than the server's statement timeout the client waits for a statement's answer. */
const STATEMENT_TIMEOUT_MARGIN_MS = 1000;

/** The statements of one reconciliation, on its transaction, against its staged list. */
export class StagedReconciliation {
  constructor(
    readonly manager: EntityManager,
    private readonly query: Query,
    private readonly dialect: Dialect,
    private readonly msTenantId: string,
  ) {}

  private get pg(): boolean {
    return this.dialect === 'postgres';
  }

  /** `$1` on PostgreSQL, `?` on SQLite; the tenant is always the first parameter. */
  private get tenant(): string {
    return this.pg ? '$1::uuid' : '?';
  }

  private get now(): string {
    return this.pg ? 'now()' : "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  }

  /** One pass over the tenant's numbers, joined with the list. */
  async counts(): Promise<ReconcileCounts> {
    const [row] = (await this.query(
      `SELECT (SELECT count(*) FROM ${ACQUIRED}) AS acquired,
              COALESCE(SUM(CASE WHEN ${ACTIVE} THEN 1 ELSE 0 END), 0) AS active,
              COALESCE(SUM(CASE WHEN ${ACTIVE} AND a.telephone_number IS NULL THEN 1 ELSE 0 END), 0) AS marked,
              COALESCE(SUM(CASE WHEN n.removal_status = 2 AND a.telephone_number IS NOT NULL THEN 1 ELSE 0 END), 0)
                AS restored,
              count(a.telephone_number) AS known
         FROM oc_numbers n
         LEFT JOIN ${ACQUIRED} a ON a.telephone_number = n.telephone_number
        WHERE n.ms_tenant_id = ${this.tenant}`,
      [this.msTenantId],
    )) as Array<Record<'acquired' | 'active' | 'marked' | 'restored' | 'known', number | string>>;
    const acquired = Number(row.acquired);
    const known = Number(row.known);
    const restored = Number(row.restored);
    return {
      acquired,
      active: Number(row.active),
      marked: Number(row.marked),
      restored,
      unchanged: known - restored,
      unknown: acquired - known,
    };
  }

  /** The first `limit` numbers of each kind, in number order. */
  async samples(limit: number): Promise<ReconcileSamples> {
    const numbers = async (sql: string) =>
      (
        (await this.query(`${sql} ORDER BY 1 LIMIT ${Math.trunc(limit)}`, [this.msTenantId])) as Array<{
          telephone_number: string;
        }>
      ).map((row) => row.telephone_number);
    const tenantRows = `SELECT n.telephone_number FROM oc_numbers n WHERE n.ms_tenant_id = ${this.tenant}`;
    return {
      marked: await numbers(`${tenantRows} AND ${ACTIVE} AND NOT ${LISTED}`),
      restored: await numbers(`${tenantRows} AND n.removal_status = 2 AND ${LISTED}`),
      unchanged: await numbers(`${tenantRows} AND COALESCE(n.removal_status, 0) <> 2 AND ${LISTED}`),
      unknown: await numbers(
        `SELECT a.telephone_number FROM ${ACQUIRED} a
          WHERE NOT EXISTS (SELECT 1 FROM oc_numbers n
                             WHERE n.telephone_number = a.telephone_number AND n.ms_tenant_id = ${this.tenant})`,
      ),
    };
  }

  /** Active numbers of the tenant missing from the list → MarkedForRemoval. Returns how many. */
  mark(): Promise<number> {
    return this.changed(
      `UPDATE oc_numbers AS n
          SET removal_status = 2, removal_status_changed_at = ${this.now}, updated_at = ${this.now}
        WHERE n.ms_tenant_id = ${this.tenant} AND ${ACTIVE} AND NOT ${LISTED}`,
    );
  }

  /** MarkedForRemoval numbers of the tenant in the list → Active. Returns how many. */
  restore(): Promise<number> {
    return this.changed(
      `UPDATE oc_numbers AS n
          SET removal_status = 0, removal_status_changed_at = ${this.now}, updated_at = ${this.now}
        WHERE n.ms_tenant_id = ${this.tenant} AND n.removal_status = 2 AND ${LISTED}`,
    );
  }

  private async changed(update: string): Promise<number> {
    if (this.pg) {
      const [row] = (await this.query(
        `WITH changed AS (${update} RETURNING 1) SELECT count(*) AS changed FROM changed`,
        [this.msTenantId],
      )) as Array<{ changed: string }>;
      return Number(row.changed);
    }
    await this.query(update, [this.msTenantId]);
    const [row] = (await this.query('SELECT changes() AS changed')) as Array<{ changed: number }>;
    return Number(row.changed);
  }

  /** The reconciliation's row, which the status history of the numbers it changes refers to. */
  async record(record: ReconciliationRecord): Promise<void> {
    const { counts } = record;
    const p = (position: number) => (this.pg ? `$${position}` : '?');
    await this.query(
      `INSERT INTO oc_numbers_reconciliations
         (id, ms_tenant_id, started_at, finished_at, acquired_count, marked_count, restored_count,
          unchanged_count, unknown_count, mass_removal_confirmed, caller)
       VALUES (${[...Array(11).keys()].map((i) => p(i + 1)).join(', ')})`,
      [
        record.id,
        record.msTenantId,
        this.timestamp(record.startedAt),
        this.timestamp(record.startedAt),
        counts.acquired,
        counts.marked,
        counts.restored,
        counts.unchanged,
        counts.unknown,
        this.pg ? record.massRemovalConfirmed : Number(record.massRemovalConfirmed),
        record.caller,
      ],
    );
  }

  /**
   * The row's counts as the changes came out and the time it finished. They differ from the
   * counts recorded first only when another writer changed the tenant's numbers meanwhile.
   */
  async finish(id: string, counts: ReconcileCounts): Promise<void> {
    const p = (position: number) => (this.pg ? `$${position}` : '?');
    await this.query(
      `UPDATE oc_numbers_reconciliations
          SET finished_at = ${p(1)}, marked_count = ${p(2)}, restored_count = ${p(3)}, unchanged_count = ${p(4)}
        WHERE id = ${p(5)}`,
      [this.timestamp(new Date()), counts.marked, counts.restored, counts.unchanged, id],
    );
  }

  /** A time as the column holds it: PostgreSQL reads ISO 8601; SQLite's columns hold `YYYY-MM-DD HH:MM:SS.SSS`. */
  private timestamp(time: Date): string {
    const iso = time.toISOString();
    return this.pg ? iso : iso.replace('T', ' ').replace('Z', '');
  }
}

/** An Active number: status 0, or no status (older rows). */
const ACTIVE = '(n.removal_status = 0 OR n.removal_status IS NULL)';

/** The number `n` is in the staged list. */
const LISTED = `EXISTS (SELECT 1 FROM ${ACQUIRED} a WHERE a.telephone_number = n.telephone_number)`;
