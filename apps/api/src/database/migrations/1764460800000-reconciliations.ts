import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../dialect';

/**
 * The lifecycle's groundwork:
 *
 * - `oc_numbers_reconciliations`: one row per reconciliation of a tenant's numbers with the list
 *   Microsoft reports as acquired (not for dry runs). Its id is what the status history of the
 *   numbers it changed refers to; the per-tenant view reads each tenant's latest `finished_at`.
 * - `ix_oc_numbers_tenant_number`: a tenant's numbers in telephone-number order, which a
 *   reconciliation reads whole and the list walks page by page.
 *
 * On PostgreSQL the index is built with the table locked against writes (for about a minute at
 * 10 million numbers); plan the migration for a quiet moment.
 */
export class Reconciliations1764460800000 implements MigrationInterface {
  name = 'Reconciliations1764460800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`
        CREATE TABLE oc_numbers_reconciliations (
          id uuid PRIMARY KEY,
          ms_tenant_id uuid NOT NULL,
          started_at timestamptz NOT NULL,
          finished_at timestamptz NOT NULL,
          acquired_count integer NOT NULL CHECK (acquired_count >= 0),
          marked_count integer NOT NULL CHECK (marked_count >= 0),
          restored_count integer NOT NULL CHECK (restored_count >= 0),
          unchanged_count integer NOT NULL CHECK (unchanged_count >= 0),
          unknown_count integer NOT NULL CHECK (unknown_count >= 0),
          mass_removal_confirmed boolean NOT NULL DEFAULT false,
          caller varchar(256) NULL
        )`);
    } else {
      await queryRunner.query(`
        CREATE TABLE oc_numbers_reconciliations (
          id varchar(36) PRIMARY KEY NOT NULL,
          ms_tenant_id varchar(36) NOT NULL,
          started_at datetime NOT NULL,
          finished_at datetime NOT NULL,
          acquired_count integer NOT NULL CHECK (acquired_count >= 0),
          marked_count integer NOT NULL CHECK (marked_count >= 0),
          restored_count integer NOT NULL CHECK (restored_count >= 0),
          unchanged_count integer NOT NULL CHECK (unchanged_count >= 0),
          unknown_count integer NOT NULL CHECK (unknown_count >= 0),
          mass_removal_confirmed boolean NOT NULL DEFAULT 0,
          caller varchar(256) NULL
        )`);
    }
    await queryRunner.query(
      'CREATE INDEX ix_oc_numbers_reconciliations_tenant ON oc_numbers_reconciliations (ms_tenant_id, finished_at)',
    );
    await queryRunner.query('CREATE INDEX ix_oc_numbers_tenant_number ON oc_numbers (ms_tenant_id, telephone_number)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_oc_numbers_tenant_number');
    await queryRunner.query('DROP TABLE oc_numbers_reconciliations');
  }
}
