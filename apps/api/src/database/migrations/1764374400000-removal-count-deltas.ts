import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../dialect';
import { RemovalCounts1764288000000 } from './1764288000000-removal-counts';

/**
 * The advisory lock key that one compaction of the counter deltas holds for its transaction
 * (`pg_try_advisory_xact_lock`): a second compactor skips instead of waiting. The `TRUNCATE`
 * trigger waits for it, so a truncation never races a compaction. (0x6f634e52: "ocNR".)
 */
export const COMPACTION_LOCK_KEY = 1868779090;

/**
 * Counts of the numbers in removal without any writer ever waiting for another because of them.
 *
 * The shard rows of RemovalCounts1764288000000 were updated in place: a transaction that changed
 * a status held its shard's row until it ended, so a long transaction stalled the writers of
 * its shard, and REPEATABLE READ or SERIALIZABLE writers on unrelated rows failed with
 * serialization errors (40001) when they met on a shard. Now:
 *
 * - `oc_numbers_removal_counts (ms_tenant_id, marked_for_removal, ready_for_removal)`: one base
 *   row per tenant; `oc_numbers_removal_totals (id = 1, …)`: one base row for all numbers.
 * - PostgreSQL: `oc_numbers_removal_count_deltas (id, ms_tenant_id, marked_for_removal,
 *   ready_for_removal)`, append-only. The statement triggers insert one row per tenant a statement
 *   changed (a NULL tenant for numbers without one: it counts in the totals only), never update a
 *   shared row: a writer never waits for another, and never conflicts with one at any isolation.
 *   The counts are the base rows plus the deltas, read in one statement (one snapshot, so exact).
 *   Compaction (`compactRemovalCounts`) moves committed deltas into the base rows in short
 *   transactions that writers never wait for.
 * - SQLite (one writer at a time): row triggers update the base rows directly, as before.
 *
 * The shards are folded into the base rows while writers wait on `oc_numbers`, so none is missed.
 */
export class RemovalCountDeltas1764374400000 implements MigrationInterface {
  name = 'RemovalCountDeltas1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query('LOCK TABLE oc_numbers IN SHARE ROW EXCLUSIVE MODE');
      await dropTriggers(queryRunner, ['insert', 'update', 'delete', 'truncate'], true);
      await foldShards(queryRunner, 'uuid', 'bigint');
      await queryRunner.query(`
        CREATE TABLE oc_numbers_removal_count_deltas (
          id bigint GENERATED ALWAYS AS IDENTITY,
          ms_tenant_id uuid NULL,
          marked_for_removal bigint NOT NULL,
          ready_for_removal bigint NOT NULL,
          CONSTRAINT pk_oc_numbers_removal_count_deltas PRIMARY KEY (id)
        )`);
      await queryRunner.query(`
        CREATE INDEX ix_oc_numbers_removal_count_deltas_tenant ON oc_numbers_removal_count_deltas (ms_tenant_id)
        INCLUDE (marked_for_removal, ready_for_removal)`);
      await createPostgresTriggers(queryRunner);
    } else {
      await dropTriggers(queryRunner, ['insert', 'update', 'delete'], false);
      await foldShards(queryRunner, 'varchar(36)', 'integer');
      await createSqliteTriggers(queryRunner);
    }
  }

  /** Back to the shard rows, counted afresh from `oc_numbers` while writers wait. */
  async down(queryRunner: QueryRunner): Promise<void> {
    const pg = isPostgres(queryRunner);
    if (pg) await queryRunner.query('LOCK TABLE oc_numbers IN SHARE ROW EXCLUSIVE MODE');
    await dropTriggers(
      queryRunner,
      pg ? ['insert', 'update', 'delete', 'truncate'] : ['insert', 'update', 'delete'],
      pg,
    );
    if (pg) await queryRunner.query('DROP TABLE oc_numbers_removal_count_deltas');
    await queryRunner.query('DROP TABLE oc_numbers_removal_counts');
    await queryRunner.query('DROP TABLE oc_numbers_removal_totals');
    await new RemovalCounts1764288000000().up(queryRunner);
  }
}

async function dropTriggers(queryRunner: QueryRunner, ops: readonly string[], pg: boolean): Promise<void> {
  for (const op of ops) {
    if (pg) {
      await queryRunner.query(`DROP TRIGGER oc_numbers_removal_counts_${op} ON oc_numbers`);
      await queryRunner.query(`DROP FUNCTION oc_numbers_removal_counts_${op}()`);
    } else {
      await queryRunner.query(`DROP TRIGGER oc_numbers_removal_counts_${op}`);
    }
  }
}

/** Replaces the shard tables with one row per tenant and a single totals row, summing the shards. */
async function foldShards(queryRunner: QueryRunner, uuid: string, integer: string): Promise<void> {
  const pg = isPostgres(queryRunner);
  for (const table of ['counts', 'totals']) {
    await queryRunner.query(`ALTER TABLE oc_numbers_removal_${table} RENAME TO oc_numbers_removal_${table}_sharded`);
    if (pg) {
      await queryRunner.query(
        `ALTER TABLE oc_numbers_removal_${table}_sharded
         RENAME CONSTRAINT pk_oc_numbers_removal_${table} TO pk_oc_numbers_removal_${table}_sharded`,
      );
    }
  }
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_counts (
      ms_tenant_id ${uuid} NOT NULL,
      marked_for_removal ${integer} NOT NULL DEFAULT 0,
      ready_for_removal ${integer} NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_counts PRIMARY KEY (ms_tenant_id)
    )${pg ? '' : ' WITHOUT ROWID'}`);
  await queryRunner.query(`
    INSERT INTO oc_numbers_removal_counts (ms_tenant_id, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, SUM(marked_for_removal), SUM(ready_for_removal)
      FROM oc_numbers_removal_counts_sharded
     GROUP BY ms_tenant_id`);
  await queryRunner.query(`
    CREATE TABLE oc_numbers_removal_totals (
      id smallint NOT NULL DEFAULT 1,
      marked_for_removal ${integer} NOT NULL DEFAULT 0,
      ready_for_removal ${integer} NOT NULL DEFAULT 0,
      CONSTRAINT pk_oc_numbers_removal_totals PRIMARY KEY (id),
      CONSTRAINT ck_oc_numbers_removal_totals_single_row CHECK (id = 1)
    )`);
  await queryRunner.query(`
    INSERT INTO oc_numbers_removal_totals (id, marked_for_removal, ready_for_removal)
    SELECT 1, COALESCE(SUM(marked_for_removal), 0), COALESCE(SUM(ready_for_removal), 0)
      FROM oc_numbers_removal_totals_sharded`);
  await queryRunner.query('DROP TABLE oc_numbers_removal_counts_sharded');
  await queryRunner.query('DROP TABLE oc_numbers_removal_totals_sharded');
}

/** The rows of a transition table that are in removal, as +1/−1 per status column. */
function changedRows(table: 'new_rows' | 'old_rows'): string {
  const sign = table === 'new_rows' ? '' : '-';
  return `SELECT ms_tenant_id,
                 ${sign}(removal_status = 2)::int AS marked,
                 ${sign}(removal_status = 3)::int AS ready
            FROM ${table}
           WHERE removal_status IN (2, 3)`;
}

/** One insert of a statement's changes: a delta row per tenant whose counts changed. */
function appendDeltasSql(tables: ReadonlyArray<'new_rows' | 'old_rows'>): string {
  return `
    INSERT INTO oc_numbers_removal_count_deltas (ms_tenant_id, marked_for_removal, ready_for_removal)
    SELECT ms_tenant_id, SUM(marked), SUM(ready)
      FROM (${tables.map(changedRows).join(' UNION ALL ')}) AS d
     GROUP BY ms_tenant_id
    HAVING SUM(marked) <> 0 OR SUM(ready) <> 0`;
}

async function createPostgresTriggers(queryRunner: QueryRunner): Promise<void> {
  const triggers = [
    ['insert', 'INSERT', 'REFERENCING NEW TABLE AS new_rows', appendDeltasSql(['new_rows'])],
    [
      'update',
      'UPDATE',
      'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows',
      appendDeltasSql(['new_rows', 'old_rows']),
    ],
    ['delete', 'DELETE', 'REFERENCING OLD TABLE AS old_rows', appendDeltasSql(['old_rows'])],
    [
      'truncate',
      'TRUNCATE',
      '',
      // Waits for a compaction in progress (they are short), then clears in the compaction's
      // order (deltas, then base rows), so the two never deadlock.
      `PERFORM pg_advisory_xact_lock(${COMPACTION_LOCK_KEY});
       DELETE FROM oc_numbers_removal_count_deltas;
       DELETE FROM oc_numbers_removal_counts;
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

async function createSqliteTriggers(queryRunner: QueryRunner): Promise<void> {
  // `x IS 2` is 0 or 1 even when x is NULL (an old row's status).
  const add = (row: 'NEW' | 'OLD', sign: '+' | '-') => `
      UPDATE oc_numbers_removal_totals
         SET marked_for_removal = marked_for_removal ${sign} (${row}.removal_status IS 2),
             ready_for_removal = ready_for_removal ${sign} (${row}.removal_status IS 3)
       WHERE id = 1 AND ${row}.removal_status IN (2, 3);
      ${
        sign === '+'
          ? `INSERT INTO oc_numbers_removal_counts (ms_tenant_id, marked_for_removal, ready_for_removal)
             SELECT NEW.ms_tenant_id, NEW.removal_status IS 2, NEW.removal_status IS 3
              WHERE NEW.ms_tenant_id IS NOT NULL AND NEW.removal_status IN (2, 3)
                 ON CONFLICT (ms_tenant_id) DO UPDATE
                SET marked_for_removal = marked_for_removal + excluded.marked_for_removal,
                    ready_for_removal = ready_for_removal + excluded.ready_for_removal;`
          : `UPDATE oc_numbers_removal_counts
                SET marked_for_removal = marked_for_removal - (OLD.removal_status IS 2),
                    ready_for_removal = ready_for_removal - (OLD.removal_status IS 3)
              WHERE ms_tenant_id = OLD.ms_tenant_id AND OLD.removal_status IN (2, 3);`
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
