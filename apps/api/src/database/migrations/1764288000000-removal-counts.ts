import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../dialect';

/**
 * How many counter rows the writers of PostgreSQL spread over. Each connection adds its changes
 * to the rows of shard `pg_backend_pid() % COUNTER_SHARDS`, so writers on different connections
 * almost never wait for each other's counter rows (nor deadlock on them); readers sum the shards.
 */
export const COUNTER_SHARDS = 16;

/**
 * Counts of the numbers in removal (statuses 2 and 3), kept exact by database triggers so that
 * the summary reads a few rows instead of counting `oc_numbers`, whatever the table's size.
 *
 * - `oc_numbers_removal_counts (ms_tenant_id, shard, marked_for_removal, ready_for_removal)`:
 *   per tenant; a tenant's counts are the sum of its shards' rows (a short primary-key range).
 * - `oc_numbers_removal_totals (shard, marked_for_removal, ready_for_removal)`: all numbers,
 *   those without a tenant included; the totals are the sum of its `COUNTER_SHARDS` rows.
 *
 * Triggers, not the service, keep them, because other systems (the operator's sync job) write
 * `oc_numbers` with plain SQL. The counter changes commit or roll back with the change itself,
 * so every reader sees counts that match the rows it would see.
 *
 * PostgreSQL: statement-level triggers with transition tables, so a bulk statement (a `COPY`, a
 * set-based `UPDATE`) costs one grouped upsert, not one per row; `TRUNCATE` resets the counts.
 * Each statement's counter updates are applied in key order, which keeps concurrent statements
 * from deadlocking on them. SQLite (one writer at a time, no statement triggers): row triggers
 * that fire only for rows entering or leaving statuses 2 and 3, all on shard 0. SQLite's
 * `REPLACE` conflict resolution deletes the old row without firing delete triggers unless
 * `PRAGMA recursive_triggers` is on; writers should use `INSERT … ON CONFLICT DO UPDATE`.
 */
export class RemovalCounts1764288000000 implements MigrationInterface {
  name = 'RemovalCounts1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await upPostgres(queryRunner);
    } else {
      await upSqlite(queryRunner);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      for (const op of ['insert', 'update', 'delete', 'truncate']) {
        await queryRunner.query(`DROP TRIGGER oc_numbers_removal_counts_${op} ON oc_numbers`);
        await queryRunner.query(`DROP FUNCTION oc_numbers_removal_counts_${op}()`);
      }
    } else {
      for (const op of ['insert', 'update', 'delete']) {
        await queryRunner.query(`DROP TRIGGER oc_numbers_removal_counts_${op}`);
      }
    }
    await queryRunner.query('DROP TABLE oc_numbers_removal_counts');
    await queryRunner.query('DROP TABLE oc_numbers_removal_totals');
  }
}

/** The rows of a transition table that are in removal, as +1/−1 per status column. */
function deltas(table: 'new_rows' | 'old_rows'): string {
  const sign = table === 'new_rows' ? '' : '-';
  return `SELECT ms_tenant_id,
                 ${sign}(removal_status = 2)::int AS marked,
                 ${sign}(removal_status = 3)::int AS ready
            FROM ${table}
           WHERE removal_status IN (2, 3)`;
}

/** One statement that adds a statement's changes to both counter tables. */
function applySql(tables: ReadonlyArray<'new_rows' | 'old_rows'>): string {
  return `
    WITH changes AS (
      SELECT ms_tenant_id, sum(marked) AS marked, sum(ready) AS ready
        FROM (${tables.map(deltas).join(' UNION ALL ')}) AS d
       GROUP BY ms_tenant_id
    ), total AS (
      UPDATE oc_numbers_removal_totals AS t
         SET marked_for_removal = t.marked_for_removal + s.marked,
             ready_for_removal = t.ready_for_removal + s.ready
        FROM (SELECT sum(marked) AS marked, sum(ready) AS ready FROM changes) AS s
       WHERE t.shard = pg_backend_pid() % ${COUNTER_SHARDS} AND (s.marked <> 0 OR s.ready <> 0)
    )
    INSERT INTO oc_numbers_removal_counts AS c (ms_tenant_id, shard, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, pg_backend_pid() % ${COUNTER_SHARDS}, marked, ready
      FROM changes
     WHERE ms_tenant_id IS NOT NULL AND (marked <> 0 OR ready <> 0)
     ORDER BY ms_tenant_id
        ON CONFLICT (ms_tenant_id, shard) DO UPDATE
       SET marked_for_removal = c.marked_for_removal + excluded.marked_for_removal,
           ready_for_removal = c.ready_for_removal + excluded.ready_for_removal`;
}

async function upPostgres(queryRunner: QueryRunner): Promise<void> {
  // Writers wait while the counts are filled and the triggers made, so none is missed;
  // readers go on.
  await queryRunner.query('LOCK TABLE oc_numbers IN SHARE ROW EXCLUSIVE MODE');
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_counts (
      ms_tenant_id uuid NOT NULL,
      shard smallint NOT NULL,
      marked_for_removal bigint NOT NULL DEFAULT 0,
      ready_for_removal bigint NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_counts PRIMARY KEY (ms_tenant_id, shard)
    )`);
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_totals (
      shard smallint NOT NULL,
      marked_for_removal bigint NOT NULL DEFAULT 0,
      ready_for_removal bigint NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_totals PRIMARY KEY (shard)
    )`);
  await fill(queryRunner);

  const triggers = [
    ['insert', 'INSERT', 'REFERENCING NEW TABLE AS new_rows', applySql(['new_rows'])],
    ['update', 'UPDATE', 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows', applySql(['new_rows', 'old_rows'])],
    ['delete', 'DELETE', 'REFERENCING OLD TABLE AS old_rows', applySql(['old_rows'])],
    [
      'truncate',
      'TRUNCATE',
      '',
      `DELETE FROM oc_numbers_removal_counts;
       UPDATE oc_numbers_removal_totals SET marked_for_removal = 0, ready_for_removal = 0`,
    ],
  ] as const;
  for (const [op, event, referencing, body] of triggers) {
    await queryRunner.query(`
      CREATE FUNCTION oc_numbers_removal_counts_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${body};
        RETURN NULL;
      END
      $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER oc_numbers_removal_counts_${op} AFTER ${event} ON oc_numbers ${referencing}
      FOR EACH STATEMENT EXECUTE FUNCTION oc_numbers_removal_counts_${op}()`);
  }
}

async function upSqlite(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_counts (
      ms_tenant_id varchar(36) NOT NULL,
      shard smallint NOT NULL,
      marked_for_removal integer NOT NULL DEFAULT 0,
      ready_for_removal integer NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_counts PRIMARY KEY (ms_tenant_id, shard)
    ) WITHOUT ROWID`);
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_totals (
      shard smallint NOT NULL,
      marked_for_removal integer NOT NULL DEFAULT 0,
      ready_for_removal integer NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_totals PRIMARY KEY (shard)
    )`);
  await fill(queryRunner);

  // `x IS 2` is 0 or 1 even when x is NULL (an old row's status).
  const add = (row: 'NEW' | 'OLD', sign: '+' | '-') => `
      UPDATE oc_numbers_removal_totals
         SET marked_for_removal = marked_for_removal ${sign} (${row}.removal_status IS 2),
             ready_for_removal = ready_for_removal ${sign} (${row}.removal_status IS 3)
       WHERE shard = 0 AND ${row}.removal_status IN (2, 3);
      ${
        sign === '+'
          ? `INSERT INTO oc_numbers_removal_counts (ms_tenant_id, shard, marked_for_removal, ready_for_removal)
             SELECT NEW.ms_tenant_id, 0, NEW.removal_status IS 2, NEW.removal_status IS 3
              WHERE NEW.ms_tenant_id IS NOT NULL AND NEW.removal_status IN (2, 3)
                 ON CONFLICT (ms_tenant_id, shard) DO UPDATE
                SET marked_for_removal = marked_for_removal + excluded.marked_for_removal,
                    ready_for_removal = ready_for_removal + excluded.ready_for_removal;`
          : `UPDATE oc_numbers_removal_counts
                SET marked_for_removal = marked_for_removal - (OLD.removal_status IS 2),
                    ready_for_removal = ready_for_removal - (OLD.removal_status IS 3)
              WHERE ms_tenant_id = OLD.ms_tenant_id AND shard = 0 AND OLD.removal_status IN (2, 3);`
      }`;
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_insert AFTER INSERT ON oc_numbers
    WHEN NEW.removal_status IN (2, 3)
    BEGIN ${add('NEW', '+')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_update AFTER UPDATE OF removal_status, ms_tenant_id ON oc_numbers
    WHEN (OLD.removal_status IN (2, 3) OR NEW.removal_status IN (2, 3))
     AND (OLD.removal_status IS NOT NEW.removal_status OR OLD.ms_tenant_id IS NOT NEW.ms_tenant_id)
    BEGIN ${add('OLD', '-')} ${add('NEW', '+')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_removal_counts_delete AFTER DELETE ON oc_numbers
    WHEN OLD.removal_status IN (2, 3)
    BEGIN ${add('OLD', '-')} END`);
}

/** Counts the rows already there (on shard 0) and makes every shard's totals row. */
async function fill(queryRunner: QueryRunner): Promise<void> {
  const shards = isPostgres(queryRunner) ? COUNTER_SHARDS : 1;
  await queryRunner.query(`
    INSERT INTO oc_numbers_removal_counts (ms_tenant_id, shard, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, 0,
           COUNT(CASE WHEN removal_status = 2 THEN 1 END),
           COUNT(CASE WHEN removal_status = 3 THEN 1 END)
      FROM oc_numbers
     WHERE removal_status IN (2, 3) AND ms_tenant_id IS NOT NULL
     GROUP BY ms_tenant_id`);
  await queryRunner.query(`
    INSERT INTO oc_numbers_removal_totals (shard, marked_for_removal, ready_for_removal)
    SELECT 0,
           COUNT(CASE WHEN removal_status = 2 THEN 1 END),
           COUNT(CASE WHEN removal_status = 3 THEN 1 END)
      FROM oc_numbers
     WHERE removal_status IN (2, 3)`);
  for (let shard = 1; shard < shards; shard++) {
    await queryRunner.query(`INSERT INTO oc_numbers_removal_totals (shard) VALUES (${shard})`);
  }
}
