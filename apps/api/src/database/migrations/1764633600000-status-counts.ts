import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../dialect';
import { COMPACTION_LOCK_KEY } from './1764374400000-removal-count-deltas';

/**
 * Counts of every status, not only of the two in removal, kept by the same triggers under the
 * same rules (RemovalCountDeltas1764374400000): no writer waits for another because of them, a
 * count is never negative, the counts are exact at any isolation level, and PostgreSQL's deltas
 * are compacted into the base rows. With them the list of numbers answers its `totalRecords`
 * for any combination of status and tenant filters by reading a few counter rows instead of
 * counting `oc_numbers`, and the per-tenant view lists the tenants from the counters.
 *
 * - `active` (status 0, and NULL, which old rows use for Active) and `release_requested`
 *   (status 1) are added to `oc_numbers_removal_counts`, `oc_numbers_removal_totals` and, on
 *   PostgreSQL, `oc_numbers_removal_count_deltas`. A tenant now has a base row as soon as it has
 *   a number in any status.
 * - The trigger functions (PostgreSQL) and the row triggers (SQLite) are replaced by ones that
 *   count every status. SQLite's now fire for every insert and delete, and for every update that
 *   changes a status or a tenant.
 * - `ix_oc_numbers_in_lifecycle`: the numbers in statuses 1–3 (a few percent of the table) in
 *   number order, so that a page of a status filter without Active walks only them.
 * - `ix_oc_numbers_removal_counts_in_removal`: the tenants' base rows by numbers in removal,
 *   descending, then id: the per-tenant view's order, so that a page reads few rows.
 *
 * The new columns are filled by one scan of `oc_numbers` while writers wait on it (readers go
 * on): 6–10 s at 10 million numbers on 2 cores, the indexes included (see BENCHMARKS.md).
 */
export class StatusCounts1764633600000 implements MigrationInterface {
  name = 'StatusCounts1764633600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const pg = isPostgres(queryRunner);
    // Writers wait until the counts are filled and the triggers replaced, so none is missed.
    if (pg) await queryRunner.query('LOCK TABLE oc_numbers IN SHARE ROW EXCLUSIVE MODE');
    const integer = pg ? 'bigint' : 'integer';
    const tables = ['oc_numbers_removal_counts', 'oc_numbers_removal_totals'];
    if (pg) tables.push('oc_numbers_removal_count_deltas');
    for (const table of tables) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN active ${integer} NOT NULL DEFAULT 0`);
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN release_requested ${integer} NOT NULL DEFAULT 0`);
    }
    if (pg) {
      // The tenants' deltas are read from the index alone; it carries every count.
      await queryRunner.query('DROP INDEX ix_oc_numbers_removal_count_deltas_tenant');
      await queryRunner.query(`
        CREATE INDEX ix_oc_numbers_removal_count_deltas_tenant ON oc_numbers_removal_count_deltas (ms_tenant_id)
        INCLUDE (active, release_requested, marked_for_removal, ready_for_removal)`);
    }
    await fillActiveAndReleaseRequested(queryRunner);
    if (pg) await replacePostgresFunctions(queryRunner, 'all');
    else await replaceSqliteTriggers(queryRunner, 'all');
    await queryRunner.query(`
      CREATE INDEX ix_oc_numbers_in_lifecycle ON oc_numbers (telephone_number)
      WHERE removal_status IN (1, 2, 3)`);
    await queryRunner.query(`
      CREATE INDEX ix_oc_numbers_removal_counts_in_removal
      ON oc_numbers_removal_counts ((marked_for_removal + ready_for_removal) DESC, ms_tenant_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const pg = isPostgres(queryRunner);
    if (pg) await queryRunner.query('LOCK TABLE oc_numbers IN SHARE ROW EXCLUSIVE MODE');
    await queryRunner.query('DROP INDEX ix_oc_numbers_removal_counts_in_removal');
    await queryRunner.query('DROP INDEX ix_oc_numbers_in_lifecycle');
    if (pg) await replacePostgresFunctions(queryRunner, 'removal');
    else await replaceSqliteTriggers(queryRunner, 'removal');
    if (pg) {
      await queryRunner.query('DROP INDEX ix_oc_numbers_removal_count_deltas_tenant');
      await queryRunner.query(`
        CREATE INDEX ix_oc_numbers_removal_count_deltas_tenant ON oc_numbers_removal_count_deltas (ms_tenant_id)
        INCLUDE (marked_for_removal, ready_for_removal)`);
      // Delta rows that only carried the dropped counts would be noise to the old readers.
      await queryRunner.query(
        'DELETE FROM oc_numbers_removal_count_deltas WHERE marked_for_removal = 0 AND ready_for_removal = 0',
      );
    } else {
      await queryRunner.query(
        'DELETE FROM oc_numbers_removal_counts WHERE marked_for_removal = 0 AND ready_for_removal = 0',
      );
    }
    const tables = ['oc_numbers_removal_counts', 'oc_numbers_removal_totals'];
    if (pg) tables.push('oc_numbers_removal_count_deltas');
    for (const table of tables) {
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN release_requested`);
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN active`);
    }
    if (pg) {
      await queryRunner.query(
        'DELETE FROM oc_numbers_removal_counts WHERE marked_for_removal = 0 AND ready_for_removal = 0',
      );
    }
  }
}

/**
 * Counts Active and ReleaseRequested numbers into the base rows, in one scan. The deltas hold no
 * such counts yet (their new columns are 0), so base plus deltas is exact from here on.
 */
async function fillActiveAndReleaseRequested(queryRunner: QueryRunner): Promise<void> {
  if (isPostgres(queryRunner)) {
    await queryRunner.query(`
      WITH counted AS (
        SELECT ms_tenant_id,
               COUNT(*) FILTER (WHERE removal_status IS NULL OR removal_status = 0) AS active,
               COUNT(*) FILTER (WHERE removal_status = 1) AS release_requested
          FROM oc_numbers
         GROUP BY ms_tenant_id
      ), totals AS (
        UPDATE oc_numbers_removal_totals AS t
           SET active = s.active, release_requested = s.release_requested
          FROM (SELECT COALESCE(SUM(active), 0) AS active, COALESCE(SUM(release_requested), 0) AS release_requested
                  FROM counted) AS s
         WHERE t.id = 1
      )
      INSERT INTO oc_numbers_removal_counts AS c (ms_tenant_id, active, release_requested)
      SELECT ms_tenant_id, active, release_requested FROM counted WHERE ms_tenant_id IS NOT NULL
      ORDER BY ms_tenant_id
          ON CONFLICT (ms_tenant_id) DO UPDATE
         SET active = excluded.active, release_requested = excluded.release_requested`);
    return;
  }
  await queryRunner.query(`
    INSERT INTO oc_numbers_removal_counts (ms_tenant_id, active, release_requested)
    SELECT ms_tenant_id,
           COUNT(CASE WHEN removal_status IS NULL OR removal_status = 0 THEN 1 END),
           COUNT(CASE WHEN removal_status = 1 THEN 1 END)
      FROM oc_numbers
     WHERE ms_tenant_id IS NOT NULL
     GROUP BY ms_tenant_id
     ORDER BY ms_tenant_id
        ON CONFLICT (ms_tenant_id) DO UPDATE
       SET active = excluded.active, release_requested = excluded.release_requested`);
  await queryRunner.query(`
    UPDATE oc_numbers_removal_totals
       SET active = (SELECT COUNT(*) FROM oc_numbers WHERE removal_status IS NULL OR removal_status = 0),
           release_requested = (SELECT COUNT(*) FROM oc_numbers WHERE removal_status = 1)
     WHERE id = 1`);
}

/** Which statuses the triggers count: every one (this migration), or the two in removal (before it). */
type Counted = 'all' | 'removal';

/** The rows of a transition table as +1/−1 per counted status. */
function changedRows(table: 'new_rows' | 'old_rows', counted: Counted): string {
  const sign = table === 'new_rows' ? '' : '-';
  if (counted === 'removal') {
    return `SELECT ms_tenant_id,
                   ${sign}(removal_status = 2)::int AS marked,
                   ${sign}(removal_status = 3)::int AS ready
              FROM ${table}
             WHERE removal_status IN (2, 3)`;
  }
  // COALESCE: a NULL status is Active, and `NULL = 2` would be NULL, not false.
  return `SELECT ms_tenant_id,
                 ${sign}(COALESCE(removal_status, 0) = 0)::int AS active,
                 ${sign}(COALESCE(removal_status, 0) = 1)::int AS release_requested,
                 ${sign}(COALESCE(removal_status, 0) = 2)::int AS marked,
                 ${sign}(COALESCE(removal_status, 0) = 3)::int AS ready
            FROM ${table}`;
}

/**
 * One insert of a statement's changes: a delta row per tenant whose counts changed. An update
 * that moves no number between statuses or tenants nets to zero and appends nothing.
 */
function appendDeltasSql(tables: ReadonlyArray<'new_rows' | 'old_rows'>, counted: Counted): string {
  const rows = tables.map((t) => changedRows(t, counted)).join(' UNION ALL ');
  if (counted === 'removal') {
    return `
      INSERT INTO oc_numbers_removal_count_deltas (ms_tenant_id, marked_for_removal, ready_for_removal)
      SELECT ms_tenant_id, SUM(marked), SUM(ready)
        FROM (${rows}) AS d
       GROUP BY ms_tenant_id
      HAVING SUM(marked) <> 0 OR SUM(ready) <> 0`;
  }
  return `
    INSERT INTO oc_numbers_removal_count_deltas
           (ms_tenant_id, active, release_requested, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, SUM(active), SUM(release_requested), SUM(marked), SUM(ready)
      FROM (${rows}) AS d
     GROUP BY ms_tenant_id
    HAVING SUM(active) <> 0 OR SUM(release_requested) <> 0 OR SUM(marked) <> 0 OR SUM(ready) <> 0`;
}

/** Replaces the bodies of the statement triggers' functions; the triggers themselves stay. */
async function replacePostgresFunctions(queryRunner: QueryRunner, counted: Counted): Promise<void> {
  const reset =
    counted === 'all'
      ? 'active = 0, release_requested = 0, marked_for_removal = 0, ready_for_removal = 0'
      : 'marked_for_removal = 0, ready_for_removal = 0';
  const bodies = [
    ['insert', appendDeltasSql(['new_rows'], counted)],
    ['update', appendDeltasSql(['new_rows', 'old_rows'], counted)],
    ['delete', appendDeltasSql(['old_rows'], counted)],
    [
      'truncate',
      // Waits for a compaction in progress (they are short), then clears in the compaction's
      // order (deltas, then base rows), so the two never deadlock.
      `PERFORM pg_advisory_xact_lock(${COMPACTION_LOCK_KEY});
       DELETE FROM oc_numbers_removal_count_deltas;
       DELETE FROM oc_numbers_removal_counts;
       UPDATE oc_numbers_removal_totals SET ${reset}`,
    ],
  ] as const;
  for (const [op, body] of bodies) {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION oc_numbers_removal_counts_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${body};
        RETURN NULL;
      END
      $fn$`);
  }
}

/** SQLite (one writer at a time): row triggers that update the base rows directly. */
async function replaceSqliteTriggers(queryRunner: QueryRunner, counted: Counted): Promise<void> {
  for (const op of ['insert', 'update', 'delete']) {
    await queryRunner.query(`DROP TRIGGER oc_numbers_removal_counts_${op}`);
  }
  // `x IS 2` is 0 or 1 even when x is NULL (an old row's status, which means Active).
  const columns: ReadonlyArray<[string, (row: string) => string]> =
    counted === 'all'
      ? [
          ['active', (row) => `(${row}.removal_status IS NULL OR ${row}.removal_status = 0)`],
          ['release_requested', (row) => `(${row}.removal_status IS 1)`],
          ['marked_for_removal', (row) => `(${row}.removal_status IS 2)`],
          ['ready_for_removal', (row) => `(${row}.removal_status IS 3)`],
        ]
      : [
          ['marked_for_removal', (row) => `(${row}.removal_status IS 2)`],
          ['ready_for_removal', (row) => `(${row}.removal_status IS 3)`],
        ];
  const guard = (row: string) => (counted === 'all' ? '1 = 1' : `${row}.removal_status IN (2, 3)`);
  const set = (row: string, sign: '+' | '-') =>
    columns.map(([column, value]) => `${column} = ${column} ${sign} ${value(row)}`).join(', ');
  const add = (row: 'NEW' | 'OLD', sign: '+' | '-') => `
      UPDATE oc_numbers_removal_totals SET ${set(row, sign)} WHERE id = 1 AND ${guard(row)};
      ${
        sign === '+'
          ? `INSERT INTO oc_numbers_removal_counts (ms_tenant_id, ${columns.map(([c]) => c).join(', ')})
             SELECT NEW.ms_tenant_id, ${columns.map(([, value]) => value('NEW')).join(', ')}
              WHERE NEW.ms_tenant_id IS NOT NULL AND ${guard('NEW')}
                 ON CONFLICT (ms_tenant_id) DO UPDATE
                SET ${columns.map(([c]) => `${c} = ${c} + excluded.${c}`).join(', ')};`
          : `UPDATE oc_numbers_removal_counts SET ${set('OLD', '-')}
              WHERE ms_tenant_id = OLD.ms_tenant_id AND ${guard('OLD')};`
      }`;
  const when = (row: 'NEW' | 'OLD') => (counted === 'all' ? '' : `WHEN ${row}.removal_status IN (2, 3)`);
  const changed =
    counted === 'all'
      ? 'WHEN OLD.removal_status IS NOT NEW.removal_status OR OLD.ms_tenant_id IS NOT NEW.ms_tenant_id'
      : `WHEN (OLD.removal_status IN (2, 3) OR NEW.removal_status IN (2, 3))
          AND (OLD.removal_status IS NOT NEW.removal_status OR OLD.ms_tenant_id IS NOT NEW.ms_tenant_id)`;
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_insert AFTER INSERT ON oc_numbers ${when('NEW')}
    BEGIN ${add('NEW', '+')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_update AFTER UPDATE OF removal_status, ms_tenant_id ON oc_numbers
    ${changed}
    BEGIN ${add('OLD', '-')} ${add('NEW', '+')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_delete AFTER DELETE ON oc_numbers ${when('OLD')}
    BEGIN ${add('OLD', '-')} END`);
}
