import { queryNameOf } from './query-name';

describe('queryNameOf', () => {
  it.each([
    ['SELECT 1', 'ping'],
    ['  select 1;', 'ping'],
    [
      'SELECT "OcNumber"."id" AS "OcNumber_id" FROM "oc_numbers" "OcNumber" WHERE "OcNumber"."telephone_number" = $1',
      'select_oc_numbers',
    ],
    ["SELECT * FROM oc_numbers WHERE ms_tenant_id = '6f9619ff-8b86-d011-b42d-00cf4fc964ff'", 'select_oc_numbers'],
    [
      'INSERT INTO "oc_numbers"("telephone_number", "ms_tenant_id") VALUES ($1, $2) RETURNING "id"',
      'insert_oc_numbers',
    ],
    ['INSERT OR IGNORE INTO `oc_numbers` (telephone_number) VALUES (?)', 'insert_oc_numbers'],
    ['UPDATE "oc_numbers" SET "removal_status" = $1 WHERE "id" = $2', 'update_oc_numbers'],
    ['DELETE FROM "public"."oc_numbers" WHERE "id" IN ($1, $2)', 'delete_oc_numbers'],
    ['START TRANSACTION', 'transaction'],
    ['BEGIN TRANSACTION', 'transaction'],
    ['COMMIT', 'transaction'],
    ['ROLLBACK TO SAVEPOINT typeorm_1', 'transaction'],
    ['SAVEPOINT typeorm_1', 'transaction'],
    ['CREATE TABLE "oc_numbers" ("id" SERIAL NOT NULL)', 'migration'],
    ['ALTER TABLE "oc_numbers" ADD "x" integer', 'migration'],
    ['SELECT * FROM "migrations" "migrations" ORDER BY "id" DESC', 'migration'],
    ['INSERT INTO "migrations"("timestamp", "name") VALUES ($1, $2)', 'migration'],
    ['WITH recent AS (SELECT 1) SELECT * FROM recent', 'other'],
    ['SELECT count(*) FROM (SELECT id FROM oc_numbers) AS t', 'select_oc_numbers'],
    ['SHOW server_version', 'other'],
    ['', 'other'],
  ])('names %j %s', (sql, name) => {
    expect(queryNameOf(sql)).toBe(name);
  });

  it('never answers more than a short identifier, whatever the text', () => {
    const long = `SELECT x FROM ${'t'.repeat(500)} WHERE a = 'secret'`;
    expect(queryNameOf(long)).toBe('other');
    expect(queryNameOf('SELECT x FROM "Ünïcode"')).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});
