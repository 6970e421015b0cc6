import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../dialect';

/**
 * The transaction-local settings (`set_config(name, value, true)`) through which the service
 * tells the PostgreSQL history triggers who is changing the numbers (numbers/change-context.ts).
 */
export const CHANGE_CONTEXT_SETTINGS = {
  operation: 'oc_numbers.change_operation',
  caller: 'oc_numbers.change_caller',
  reconciliationId: 'oc_numbers.change_reconciliation_id',
} as const;

/** SQLite: the one-row table through which the service tells the history triggers the same. */
export const CHANGE_CONTEXT_TABLE = 'oc_numbers_change_context';

/** The operation the history records for a change made without the service's context (plain SQL). */
export const DIRECT_SQL_OPERATION = 'sql';

/**
 * The status history of every number, recorded by the database itself, so that the writes of
 * other systems (the operator's sync job writing `oc_numbers` directly) are recorded too.
 *
 * `oc_numbers_status_history` holds a row per insert (`old_status` NULL: the number did not
 * exist), per delete (`new_status` NULL) and per update that changes a status. Statuses are
 * normalised: a NULL status is Active (0), so NULL → 0 is no change and is not recorded. Each row
 * says by which `operation` and `caller` the change was made, and for a reconciliation its id.
 *
 * - PostgreSQL: statement triggers with transition tables, like the removal counters' (migration
 *   RemovalCountDeltas1764374400000): a set-based statement that changes 200,000 numbers costs one
 *   INSERT … SELECT, not 200,000 trigger calls. They only append rows (the identity never makes
 *   a writer wait), so writers never wait for each other because of the history. The context
 *   comes from transaction-local settings; without them the operation is `sql` and the caller
 *   `sql:<session_user>`, the database role that made the change.
 * - SQLite (one writer at a time): row triggers; the context comes from the one-row table
 *   `oc_numbers_change_context`, which the service writes at the start of its transaction and
 *   deletes before it commits. Without it the operation is `sql` and the caller is NULL (SQLite
 *   has no users).
 *
 * Not recorded: `TRUNCATE oc_numbers` (PostgreSQL has no transition table for it; a truncation
 * is not a status change of any number but the end of the whole inventory), and on PostgreSQL an
 * update that changes a row's `id` (the history pairs old and new rows by `id`).
 */
export class StatusHistory1764547200000 implements MigrationInterface {
  name = 'StatusHistory1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`
        CREATE TABLE oc_numbers_status_history (
          id bigint GENERATED ALWAYS AS IDENTITY,
          telephone_number varchar(16) NOT NULL,
          ms_tenant_id uuid NULL,
          old_status smallint NULL,
          new_status smallint NULL,
          changed_at timestamptz NOT NULL,
          operation varchar(32) NOT NULL,
          caller varchar(256) NULL,
          reconciliation_id uuid NULL,
          CONSTRAINT pk_oc_numbers_status_history PRIMARY KEY (id)
        )`);
      await createIndex(queryRunner);
      await createPostgresTriggers(queryRunner);
    } else {
      await queryRunner.query(`
        CREATE TABLE oc_numbers_status_history (
          id integer PRIMARY KEY AUTOINCREMENT,
          telephone_number varchar(16) NOT NULL,
          ms_tenant_id varchar(36) NULL,
          old_status smallint NULL,
          new_status smallint NULL,
          changed_at datetime NOT NULL,
          operation varchar(32) NOT NULL,
          caller varchar(256) NULL,
          reconciliation_id varchar(36) NULL
        )`);
      await queryRunner.query(`
        CREATE TABLE ${CHANGE_CONTEXT_TABLE} (
          id integer PRIMARY KEY NOT NULL CHECK (id = 1),
          operation varchar(32) NOT NULL,
          caller varchar(256) NULL,
          reconciliation_id varchar(36) NULL
        )`);
      await createIndex(queryRunner);
      await createSqliteTriggers(queryRunner);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      for (const op of OPS) {
        await queryRunner.query(`DROP TRIGGER oc_numbers_status_history_${op} ON oc_numbers`);
        await queryRunner.query(`DROP FUNCTION oc_numbers_status_history_${op}()`);
      }
    } else {
      for (const op of OPS) await queryRunner.query(`DROP TRIGGER oc_numbers_status_history_${op}`);
      await queryRunner.query(`DROP TABLE ${CHANGE_CONTEXT_TABLE}`);
    }
    await queryRunner.query('DROP TABLE oc_numbers_status_history');
  }
}

const OPS = ['insert', 'update', 'delete'] as const;

/** One number's history, newest first: what the history operation reads. */
async function createIndex(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(
    'CREATE INDEX ix_oc_numbers_status_history_number ON oc_numbers_status_history (telephone_number, id)',
  );
}

const COLUMNS =
  'telephone_number, ms_tenant_id, old_status, new_status, changed_at, operation, caller, reconciliation_id';

/**
 * The context columns on PostgreSQL. A setting that was set in an earlier transaction of the
 * session reads as '' afterwards (not NULL), hence NULLIF: the context never outlives its
 * transaction, even on a pooled connection.
 */
const PG_CONTEXT = `
  COALESCE(NULLIF(current_setting('${CHANGE_CONTEXT_SETTINGS.operation}', true), ''), '${DIRECT_SQL_OPERATION}'),
  CASE WHEN NULLIF(current_setting('${CHANGE_CONTEXT_SETTINGS.operation}', true), '') IS NULL
       THEN left('${DIRECT_SQL_OPERATION}:' || session_user, 256)
       ELSE NULLIF(current_setting('${CHANGE_CONTEXT_SETTINGS.caller}', true), '') END,
  NULLIF(current_setting('${CHANGE_CONTEXT_SETTINGS.reconciliationId}', true), '')::uuid`;

async function createPostgresTriggers(queryRunner: QueryRunner): Promise<void> {
  const triggers = [
    [
      'insert',
      'INSERT',
      'REFERENCING NEW TABLE AS new_rows',
      `SELECT n.telephone_number, n.ms_tenant_id, NULL, COALESCE(n.removal_status, 0), now(), ${PG_CONTEXT}
         FROM new_rows AS n`,
    ],
    [
      'update',
      'UPDATE',
      'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows',
      `SELECT n.telephone_number, n.ms_tenant_id, COALESCE(o.removal_status, 0), COALESCE(n.removal_status, 0),
              now(), ${PG_CONTEXT}
         FROM old_rows AS o
         JOIN new_rows AS n ON n.id = o.id
        WHERE COALESCE(o.removal_status, 0) <> COALESCE(n.removal_status, 0)`,
    ],
    [
      'delete',
      'DELETE',
      'REFERENCING OLD TABLE AS old_rows',
      `SELECT o.telephone_number, o.ms_tenant_id, COALESCE(o.removal_status, 0), NULL, now(), ${PG_CONTEXT}
         FROM old_rows AS o`,
    ],
  ] as const;
  for (const [op, event, referencing, select] of triggers) {
    await queryRunner.query(`
      CREATE FUNCTION oc_numbers_status_history_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO oc_numbers_status_history (${COLUMNS})
        ${select};
        RETURN NULL;
      END
      $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER oc_numbers_status_history_${op} AFTER ${event} ON oc_numbers ${referencing}
      FOR EACH STATEMENT EXECUTE FUNCTION oc_numbers_status_history_${op}()`);
  }
}

async function createSqliteTriggers(queryRunner: QueryRunner): Promise<void> {
  // The context row, or the defaults of a direct write when there is none.
  const record = (number: string, tenant: string, oldStatus: string, newStatus: string) => `
      INSERT INTO oc_numbers_status_history (${COLUMNS})
      SELECT ${number}, ${tenant}, ${oldStatus}, ${newStatus}, strftime('%Y-%m-%d %H:%M:%f', 'now'),
             COALESCE(c.operation, '${DIRECT_SQL_OPERATION}'), c.caller, c.reconciliation_id
        FROM (SELECT 1) AS one
        LEFT JOIN ${CHANGE_CONTEXT_TABLE} AS c ON c.id = 1;`;
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_status_history_insert AFTER INSERT ON oc_numbers
    BEGIN ${record('NEW.telephone_number', 'NEW.ms_tenant_id', 'NULL', 'COALESCE(NEW.removal_status, 0)')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_status_history_update AFTER UPDATE OF removal_status ON oc_numbers
    WHEN COALESCE(OLD.removal_status, 0) <> COALESCE(NEW.removal_status, 0)
    BEGIN ${record('NEW.telephone_number', 'NEW.ms_tenant_id', 'COALESCE(OLD.removal_status, 0)', 'COALESCE(NEW.removal_status, 0)')} END`);
  await queryRunner.query(`
    CREATE TRIGGER oc_numbers_status_history_delete AFTER DELETE ON oc_numbers
    BEGIN ${record('OLD.telephone_number', 'OLD.ms_tenant_id', 'COALESCE(OLD.removal_status, 0)', 'NULL')} END`);
}
