import type { DataSource, QueryRunner } from 'typeorm';
import { type Dialect, dialectOf } from '../database/dialect';
import { beginTransaction } from '../database/transaction-timeout';
import { COMPACTION_LOCK_KEY } from '../database/migrations/1764374400000-removal-count-deltas';
import { tenantInList } from '../database/tenant-list';

/**
 * The counters behind the summary (migration RemovalCountDeltas1764374400000), which count every
 * status since StatusCounts1764633600000: reading them,
 * folding PostgreSQL's delta rows into the base rows (compaction), and checking and repairing
 * them against a full count of `oc_numbers`.
 */

export interface RemovalCounts {
  readonly markedForRemoval: number;
  readonly readyForRemoval: number;
}

/**
 * The counts as the counters keep them: the base row plus, on PostgreSQL, the deltas not yet
 * compacted, in one statement (one snapshot: a compaction moves deltas into the base rows in
 * one transaction, so the sum is exact at any isolation level). `tenant` is the placeholder of
 * the tenant id, or of a list of tenants (their per-tenant rows summed), or undefined for all
 * numbers.
 */
export function countersSql(dialect: Dialect, tenant?: string | TenantsPlaceholder): string {
  const columns = 'marked_for_removal, ready_for_removal';
  return `
    SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
      FROM (${counterRows(dialect, columns, tenant)}) AS counters`;
}

/**
 * The counts of each tenant of a list (the placeholder, see tenantInList), one row per tenant
 * that has counter rows, in one statement: `tenant`, `marked`, `ready`.
 */
export function countersByTenantSql(dialect: Dialect, tenants: string): string {
  return `
    SELECT ms_tenant_id AS tenant, COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
      FROM (${counterRows(dialect, 'ms_tenant_id, marked_for_removal, ready_for_removal', { tenants })}) AS counters
     GROUP BY ms_tenant_id`;
}

/**
 * The placeholder of a list of tenants (see tenantInList): the counters of those tenants summed,
 * from their per-tenant rows (the all-tenant totals are for callers that reach every tenant).
 */
export interface TenantsPlaceholder {
  readonly tenants: string;
}

/**
 * The counter rows of a scope: the totals row (no tenant), one tenant's row (a placeholder) or
 * the rows of a list of tenants; plus, on PostgreSQL, the deltas of the same scope. The
 * placeholder appears once in the text on SQLite, twice (the same `$n`) on PostgreSQL.
 */
function counterRows(dialect: Dialect, columns: string, tenant: string | TenantsPlaceholder | undefined): string {
  const where =
    tenant === undefined
      ? ''
      : typeof tenant === 'string'
        ? ` WHERE ms_tenant_id = ${tenant}`
        : ` WHERE ${tenantInList(dialect, 'ms_tenant_id', tenant.tenants)}`;
  const base =
    tenant === undefined
      ? `SELECT ${columns} FROM oc_numbers_removal_totals`
      : `SELECT ${columns} FROM oc_numbers_removal_counts${where}`;
  const deltas =
    dialect === 'postgres' ? ` UNION ALL SELECT ${columns} FROM oc_numbers_removal_count_deltas${where}` : '';
  return `${base}${deltas}`;
}

/** A counter as the driver returns it: a string from PostgreSQL (SUM of bigint), a number from SQLite. */
export type CounterValue = string | number | bigint | null | undefined;

/**
 * A counter that cannot be a count: negative, or beyond what a JavaScript number holds exactly.
 * Something changed `oc_numbers` without the counting triggers; `npm run counts -- --repair`
 * rebuilds the counts. The message is for the log: it names the scope and the values.
 */
export class CountsInconsistentError extends Error {
  readonly code = 'COUNTS_INCONSISTENT';

  constructor(
    /** The tenant, or undefined for all numbers. */
    readonly msTenantId: string | undefined,
    readonly values: { readonly marked: string; readonly ready: string },
  ) {
    super(
      `The removal counts of ${msTenantId === undefined ? 'all numbers' : `tenant ${msTenantId}`} are impossible ` +
        `(marked ${values.marked}, ready ${values.ready}): something changed oc_numbers without its counting ` +
        'triggers; run `npm run counts -- --verify`, then `--repair`',
    );
    this.name = 'CountsInconsistentError';
  }
}

/** The counts, or a CountsInconsistentError when either is negative or not a safe integer. */
export function checkedCounts(
  msTenantId: string | undefined,
  marked: CounterValue,
  ready: CounterValue,
): RemovalCounts {
  const markedForRemoval = asCount(marked);
  const readyForRemoval = asCount(ready);
  if (markedForRemoval === undefined || readyForRemoval === undefined) {
    throw new CountsInconsistentError(msTenantId, { marked: String(marked ?? 0), ready: String(ready ?? 0) });
  }
  return { markedForRemoval, readyForRemoval };
}

function asCount(value: CounterValue): number | undefined {
  const text = String(value ?? 0);
  if (!/^\d+$/.test(text)) return undefined;
  const count = Number(text);
  return Number.isSafeInteger(count) ? count : undefined;
}

/** Delta rows one compaction transaction moves at most. */
export const COMPACTION_BATCH = 10_000;

/** Moves a batch of committed deltas into the base rows; answers how many it moved. */
const COMPACT_SQL = `
  WITH moved AS (
    DELETE FROM oc_numbers_removal_count_deltas
     WHERE id IN (SELECT id FROM oc_numbers_removal_count_deltas ORDER BY id LIMIT $1)
    RETURNING ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal
  ), per_tenant AS (
    SELECT ms_tenant_id, SUM(active) AS active, SUM(release_requested) AS release_requested,
           SUM(marked_for_removal) AS marked, SUM(ready_for_removal) AS ready
      FROM moved
     GROUP BY ms_tenant_id
  ), tenants AS (
    INSERT INTO oc_numbers_removal_counts AS c
           (ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, active, release_requested, marked, ready FROM per_tenant WHERE ms_tenant_id IS NOT NULL
     ORDER BY ms_tenant_id
        ON CONFLICT (ms_tenant_id) DO UPDATE
       SET active = c.active + excluded.active,
           release_requested = c.release_requested + excluded.release_requested,
           marked_for_removal = c.marked_for_removal + excluded.marked_for_removal,
           ready_for_removal = c.ready_for_removal + excluded.ready_for_removal
  ), totals AS (
    UPDATE oc_numbers_removal_totals AS t
       SET active = t.active + s.active,
           release_requested = t.release_requested + s.release_requested,
           marked_for_removal = t.marked_for_removal + s.marked,
           ready_for_removal = t.ready_for_removal + s.ready
      FROM (SELECT COALESCE(SUM(active), 0) AS active, COALESCE(SUM(release_requested), 0) AS release_requested,
                   COALESCE(SUM(marked), 0) AS marked, COALESCE(SUM(ready), 0) AS ready FROM per_tenant) AS s
     WHERE t.id = 1
  )
  SELECT COUNT(*) AS moved FROM moved`;

export interface CompactionResult {
  /** Delta rows folded into the base rows. */
  readonly moved: number;
  /** Another compaction held the lock, or the counter tables were locked: it stopped rather than wait. */
  readonly skipped: boolean;
}

/** How the transactions of the counters' maintenance are run. */
export interface CountersTransactionOptions {
  /**
   * Behind a transaction pooler: the statement timeout each transaction sets for itself
   * (`transactionStatementTimeout`); undefined when the connections carry one.
   */
  readonly statementTimeoutMs?: number;
}

/**
 * PostgreSQL: folds the committed deltas into the base rows, in short READ COMMITTED
 * transactions of at most `batch` rows each. Writers only ever insert deltas, so they never wait
 * for a compaction, nor a compaction for them (their uncommitted deltas are not seen, and stay
 * for the next run). A second compaction at the same time skips. SQLite keeps no deltas: nothing
 * to do. `progress` hears after each batch.
 */
export async function compactRemovalCounts(
  dataSource: DataSource,
  {
    batch = COMPACTION_BATCH,
    progress,
    statementTimeoutMs,
  }: { batch?: number; progress?: (moved: number) => void } & CountersTransactionOptions = {},
): Promise<CompactionResult> {
  if (dialectOf(dataSource) !== 'postgres') return { moved: 0, skipped: false };
  const runner = dataSource.createQueryRunner();
  let moved = 0;
  try {
    for (;;) {
      await beginTransaction(runner, 'BEGIN ISOLATION LEVEL READ COMMITTED', statementTimeoutMs);
      try {
        const [{ locked }] = (await runner.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
          COMPACTION_LOCK_KEY,
        ])) as [{ locked: boolean }];
        if (!locked) {
          await runner.query('ROLLBACK');
          return { moved, skipped: true };
        }
        // Writers never lock the counter tables, but DDL or an operator's LOCK TABLE may: then
        // this run gives way at once (and the next one tries again) rather than queue.
        await runner.query(`SET LOCAL lock_timeout = '${COMPACTION_LOCK_TIMEOUT}'`);
        const [row] = (await runner.query(COMPACT_SQL, [batch])) as [{ moved: string }];
        await runner.query('COMMIT');
        const now = Number(row.moved);
        moved += now;
        progress?.(moved);
        if (now < batch) return { moved, skipped: false };
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        if (isLockNotAvailable(error)) return { moved, skipped: true };
        throw error;
      }
    }
  } finally {
    await runner.release();
  }
}

/** How long a compaction waits for a lock on the counter tables before it skips. */
const COMPACTION_LOCK_TIMEOUT = '100ms';

/** PostgreSQL's lock_not_available (55P03): a lock timeout. */
function isLockNotAvailable(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return code === '55P03' || driverError?.code === '55P03';
}

/** The counts of every status in one scope (migration StatusCounts1764633600000). */
export interface StatusCounts extends RemovalCounts {
  /** Status 0, and NULL (old rows' Active). */
  readonly active: number;
  readonly releaseRequested: number;
}

/** The counters' columns, in the order the queries below name them. */
const STATUS_COLUMNS = ['active', 'release_requested', 'marked_for_removal', 'ready_for_removal'] as const;

/** Each column's condition on `oc_numbers.removal_status`, for a full count. */
const STATUS_CONDITIONS: Record<(typeof STATUS_COLUMNS)[number], string> = {
  active: 'removal_status IS NULL OR removal_status = 0',
  release_requested: 'removal_status = 1',
  marked_for_removal: 'removal_status = 2',
  ready_for_removal: 'removal_status = 3',
};

/** One scope's counts: by a full count of `oc_numbers`, and as the counters keep them. */
export interface CountsDifference {
  /** A tenant id, or undefined for the totals over all numbers. */
  readonly msTenantId: string | undefined;
  readonly counted: StatusCounts;
  readonly kept: StatusCounts;
}

export interface CountsCheck {
  /** Tenants whose counters differ from the full count, then the totals if they differ. */
  readonly differences: CountsDifference[];
  /** Tenants with numbers in removal, by the full count. */
  readonly tenantsCounted: number;
}

type DiffRow = { ms_tenant_id: string | null } & Record<string, string | number>;

const counted = (column: string) => `counted_${column}`;
const kept = (column: string) => `kept_${column}`;

/** Per tenant: the full count and the counters side by side, only where they differ. */
function tenantDiffSql(dialect: Dialect): string {
  const zeros = STATUS_COLUMNS.map(() => '0').join(', ');
  const keptColumns = STATUS_COLUMNS.join(', ');
  const deltas =
    dialect === 'postgres'
      ? `UNION ALL
         SELECT ms_tenant_id, ${zeros}, ${keptColumns}
           FROM oc_numbers_removal_count_deltas WHERE ms_tenant_id IS NOT NULL`
      : '';
  return `
    SELECT ms_tenant_id,
           ${STATUS_COLUMNS.map((c) => `SUM(${counted(c)}) AS ${counted(c)}, SUM(${kept(c)}) AS ${kept(c)}`).join(',\n           ')}
      FROM (
        SELECT ms_tenant_id,
               ${STATUS_COLUMNS.map((c) => `COUNT(CASE WHEN ${STATUS_CONDITIONS[c]} THEN 1 END) AS ${counted(c)}`).join(', ')},
               ${STATUS_COLUMNS.map((c) => `0 AS ${kept(c)}`).join(', ')}
          FROM oc_numbers
         WHERE ms_tenant_id IS NOT NULL
         GROUP BY ms_tenant_id
        UNION ALL
        SELECT ms_tenant_id, ${zeros}, ${keptColumns} FROM oc_numbers_removal_counts
        ${deltas}
      ) AS sides
     GROUP BY ms_tenant_id
    HAVING ${STATUS_COLUMNS.map((c) => `SUM(${counted(c)}) <> SUM(${kept(c)})`).join(' OR ')}
     ORDER BY ms_tenant_id`;
}

/** All numbers: the full count and the counters side by side. */
function totalsDiffSql(dialect: Dialect): string {
  const deltas = dialect === 'postgres' ? ' UNION ALL SELECT * FROM oc_numbers_removal_count_deltas' : '';
  const columns = STATUS_COLUMNS.join(', ');
  return `
    SELECT NULL AS ms_tenant_id, counted.*, kept.*
      FROM (SELECT ${STATUS_COLUMNS.map((c) => `COUNT(CASE WHEN ${STATUS_CONDITIONS[c]} THEN 1 END) AS ${counted(c)}`).join(', ')}
              FROM oc_numbers) AS counted,
           (SELECT ${STATUS_COLUMNS.map((c) => `COALESCE(SUM(${c}), 0) AS ${kept(c)}`).join(', ')}
              FROM (SELECT ${columns} FROM oc_numbers_removal_totals${deltas.replace('*', columns)}) AS counters) AS kept`;
}

function statusCounts(row: DiffRow, side: (column: string) => string): StatusCounts {
  return {
    active: Number(row[side('active')]),
    releaseRequested: Number(row[side('release_requested')]),
    markedForRemoval: Number(row[side('marked_for_removal')]),
    readyForRemoval: Number(row[side('ready_for_removal')]),
  };
}

function difference(row: DiffRow): CountsDifference {
  return {
    msTenantId: row.ms_tenant_id ?? undefined,
    counted: statusCounts(row, counted),
    kept: statusCounts(row, kept),
  };
}

const STATUS_KEYS = ['active', 'releaseRequested', 'markedForRemoval', 'readyForRemoval'] as const;

function differs({ counted: c, kept: k }: CountsDifference): boolean {
  return STATUS_KEYS.some((key) => c[key] !== k[key]);
}

/** Compares the counters with a full count, both read on `runner` in the transaction it is in. */
async function compare(runner: QueryRunner, dialect: Dialect): Promise<CountsCheck> {
  const tenants = ((await runner.query(tenantDiffSql(dialect))) as DiffRow[]).map(difference);
  const [totals] = ((await runner.query(totalsDiffSql(dialect))) as DiffRow[]).map(difference);
  const [{ n }] = (await runner.query(
    `SELECT COUNT(DISTINCT ms_tenant_id) AS n FROM oc_numbers WHERE removal_status IN (2, 3)`,
  )) as [{ n: string | number }];
  return { differences: differs(totals) ? [...tenants, totals] : tenants, tenantsCounted: Number(n) };
}

/**
 * Compares the counters with a full count of `oc_numbers`, both at one snapshot (PostgreSQL:
 * one REPEATABLE READ transaction; SQLite: one read transaction). It only reads: writers go on.
 */
export async function verifyRemovalCounts(
  dataSource: DataSource,
  { statementTimeoutMs }: CountersTransactionOptions = {},
): Promise<CountsCheck> {
  const dialect = dialectOf(dataSource);
  const runner = dataSource.createQueryRunner();
  try {
    if (dialect === 'postgres') {
      await beginTransaction(runner, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', statementTimeoutMs);
    } else await runner.query('BEGIN');
    try {
      return await compare(runner, dialect);
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Makes the counters equal a full count, while the service runs, and answers what was wrong.
 *
 * PostgreSQL: at one REPEATABLE READ snapshot, the full count minus the counters is inserted as
 * correction delta rows (a NULL tenant's row corrects the totals beyond the tenants'). Writers
 * that commit later add their own deltas, which are right relative to the rows they changed, so
 * the counts stay exact; and since the repair only inserts, no writer ever waits for it, nor it
 * for them. SQLite: one `BEGIN IMMEDIATE` transaction (writers wait for it, as for any writer)
 * recounts and sets the base rows.
 */
export async function repairRemovalCounts(
  dataSource: DataSource,
  { statementTimeoutMs }: CountersTransactionOptions = {},
): Promise<CountsCheck> {
  const dialect = dialectOf(dataSource);
  const runner = dataSource.createQueryRunner();
  try {
    if (dialect === 'postgres') {
      await beginTransaction(runner, 'BEGIN ISOLATION LEVEL REPEATABLE READ', statementTimeoutMs);
    } else await runner.query('BEGIN IMMEDIATE');
    try {
      const check = await compare(runner, dialect);
      if (dialect === 'postgres') await insertCorrections(runner, check.differences);
      else if (check.differences.length > 0) await recountSqlite(runner);
      await runner.query('COMMIT');
      return check;
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}

type Correction = [string | null, number, number, number, number];

async function insertCorrections(runner: QueryRunner, differences: readonly CountsDifference[]): Promise<void> {
  const tenants = differences.filter((d) => d.msTenantId !== undefined);
  const totals = differences.find((d) => d.msTenantId === undefined);
  const rows: Correction[] = tenants.map((d) => [
    d.msTenantId ?? null,
    ...(STATUS_KEYS.map((key) => d.counted[key] - d.kept[key]) as [number, number, number, number]),
  ]);
  if (totals) {
    // The tenants' corrections change the totals too; a NULL tenant's row makes up the rest.
    const rest = STATUS_KEYS.map((key, i) => totals.counted[key] - totals.kept[key] - sum(rows, i + 1));
    if (rest.some((n) => n !== 0)) rows.push([null, ...(rest as [number, number, number, number])]);
  } else if (rows.length > 0) {
    // The totals were right: the tenants' corrections must not change them.
    rows.push([null, -sum(rows, 1), -sum(rows, 2), -sum(rows, 3), -sum(rows, 4)]);
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await runner.query(
      `INSERT INTO oc_numbers_removal_count_deltas (ms_tenant_id, ${STATUS_COLUMNS.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])`,
      [0, 1, 2, 3, 4].map((column) => chunk.map((r) => r[column])),
    );
  }
}

function sum(rows: readonly Correction[], column: 1 | 2 | 3 | 4 | number): number {
  return rows.reduce((total, row) => total + (row[column] as number), 0);
}

async function recountSqlite(runner: QueryRunner): Promise<void> {
  await runner.query('DELETE FROM oc_numbers_removal_counts');
  await runner.query(`
    INSERT INTO oc_numbers_removal_counts (ms_tenant_id, ${STATUS_COLUMNS.join(', ')})
    SELECT ms_tenant_id, ${STATUS_COLUMNS.map((c) => `COUNT(CASE WHEN ${STATUS_CONDITIONS[c]} THEN 1 END)`).join(', ')}
      FROM oc_numbers
     WHERE ms_tenant_id IS NOT NULL
     GROUP BY ms_tenant_id`);
  await runner.query(`
    UPDATE oc_numbers_removal_totals
       SET ${STATUS_COLUMNS.map((c) => `${c} = (SELECT COUNT(*) FROM oc_numbers WHERE ${STATUS_CONDITIONS[c]})`).join(', ')}
     WHERE id = 1`);
}

/**
 * The counts of every status as the counters keep them, in one statement: base row plus, on
 * PostgreSQL, the deltas not yet compacted (one snapshot, exact at any isolation level).
 * Columns `active`, `release_requested`, `marked`, `ready`. `tenant` is the placeholder of the
 * tenant id, or of a list of tenants, or undefined for all numbers.
 */
export function statusCountersSql(dialect: Dialect, tenant?: string | TenantsPlaceholder): string {
  return `
    SELECT COALESCE(SUM(active), 0) AS active, COALESCE(SUM(release_requested), 0) AS release_requested,
           COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
      FROM (${counterRows(dialect, STATUS_COLUMNS.join(', '), tenant)}) AS counters`;
}

/** A row of statusCountersSql. */
export interface StatusCountersRow {
  active: CounterValue;
  release_requested: CounterValue;
  marked: CounterValue;
  ready: CounterValue;
}

/** The counts of every status, or a CountsInconsistentError when any is impossible. */
export function checkedStatusCounts(msTenantId: string | undefined, row: StatusCountersRow | undefined): StatusCounts {
  const { markedForRemoval, readyForRemoval } = checkedCounts(msTenantId, row?.marked, row?.ready);
  const active = asCount(row?.active);
  const releaseRequested = asCount(row?.release_requested);
  if (active === undefined || releaseRequested === undefined) {
    throw new CountsInconsistentError(msTenantId, { marked: String(row?.marked ?? 0), ready: String(row?.ready ?? 0) });
  }
  return { active, releaseRequested, markedForRemoval, readyForRemoval };
}
