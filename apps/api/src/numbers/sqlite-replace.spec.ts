import { createTestDatabase, Sqlite, type TestDatabase } from '@oc-numbers/testing';
import type { DataSource } from 'typeorm';
import { prepareSqliteConnection } from '../database/data-source-options';
import { verifyRemovalCounts } from './removal-counters';
import { migratedDataSource } from '../../test/migrated-data-source';

/**
 * SQLite's REPLACE conflict resolution deletes the rows in the way without firing delete
 * triggers unless `PRAGMA recursive_triggers` is on, so the removal counts drift. Every
 * statement form that resolves a conflict by REPLACE is tried here on a real file, by a writer
 * with the pragma off (another program) and by one with the service's connection setup. The
 * README lists these forms.
 */
const T1 = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const T2 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const A = '+14255550001';
const B = '+14255550002';

/** Each form, after rows A (T1, status 2) and B (T2, status 3) exist: it replaces one of them. */
const REPLACE_FORMS: ReadonlyArray<readonly [string, string]> = [
  [
    'REPLACE INTO',
    `REPLACE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('${A}', '${T2}', 0)`,
  ],
  [
    'INSERT OR REPLACE … VALUES',
    `INSERT OR REPLACE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('${A}', '${T2}', 0)`,
  ],
  [
    'INSERT OR REPLACE … SELECT',
    `INSERT OR REPLACE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
     SELECT telephone_number, NULL, 1 FROM oc_numbers WHERE telephone_number = '${A}'`,
  ],
  ['UPDATE OR REPLACE', `UPDATE OR REPLACE oc_numbers SET telephone_number = '${A}' WHERE telephone_number = '${B}'`],
];

/** Forms that never need the pragma: the change fires the update trigger. */
const SAFE_FORMS: ReadonlyArray<readonly [string, string]> = [
  [
    'INSERT … ON CONFLICT DO UPDATE',
    `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('${A}', '${T2}', 0)
     ON CONFLICT (telephone_number) DO UPDATE SET ms_tenant_id = excluded.ms_tenant_id, removal_status = excluded.removal_status`,
  ],
  [
    'INSERT OR IGNORE',
    `INSERT OR IGNORE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('${A}', '${T2}', 0)`,
  ],
];

describe('SQLite statements that resolve conflicts by REPLACE', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let path: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataSource = await migratedDataSource(database);
    if (database.config.type !== 'better-sqlite3') throw new Error('SQLite only');
    path = database.config.path;
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** Runs `statement` on a connection of its own, after fresh rows A and B; answers whether the counts drifted. */
  async function drifts(statement: string, setUp: (db: InstanceType<typeof Sqlite>) => void): Promise<boolean> {
    const db = new Sqlite(path);
    try {
      setUp(db);
      db.exec('DELETE FROM oc_numbers');
      db.exec(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
               VALUES ('${A}', '${T1}', 2), ('${B}', '${T2}', 3)`);
      db.exec(statement);
    } finally {
      db.close();
    }
    const { differences } = await verifyRemovalCounts(dataSource);
    if (differences.length > 0) {
      await dataSource.query('DELETE FROM oc_numbers');
      await dataSource.query('UPDATE oc_numbers_removal_totals SET marked_for_removal = 0, ready_for_removal = 0');
      await dataSource.query('DELETE FROM oc_numbers_removal_counts');
    }
    return differences.length > 0;
  }

  it.each(REPLACE_FORMS)('%s drifts the counts without recursive_triggers', async (_, statement) => {
    expect(await drifts(statement, (db) => db.pragma('recursive_triggers = OFF'))).toBe(true);
  });

  it.each(REPLACE_FORMS)("%s keeps them exact on the service's connections", async (_, statement) => {
    expect(await drifts(statement, prepareSqliteConnection)).toBe(false);
  });

  it.each(SAFE_FORMS)('%s keeps them exact even without recursive_triggers', async (_, statement) => {
    expect(await drifts(statement, (db) => db.pragma('recursive_triggers = OFF'))).toBe(false);
  });

  it('an ON CONFLICT REPLACE constraint clause deletes silently too, unless recursive_triggers is on', () => {
    // oc_numbers declares no such clause; a table that did would need the pragma for any INSERT.
    const db = new Sqlite(`${path}.clause`);
    try {
      db.exec(`CREATE TABLE t (k TEXT PRIMARY KEY ON CONFLICT REPLACE, v INTEGER);
               CREATE TABLE deleted (k TEXT);
               CREATE TRIGGER t_delete AFTER DELETE ON t BEGIN INSERT INTO deleted VALUES (OLD.k); END;`);
      const deletions = (pragma: 'ON' | 'OFF') => {
        db.pragma(`recursive_triggers = ${pragma}`);
        db.exec("DELETE FROM t; DELETE FROM deleted; INSERT INTO t VALUES ('x', 1); INSERT INTO t VALUES ('x', 2);");
        return db.prepare('SELECT COUNT(*) AS n FROM deleted').get() as { n: number };
      };
      expect(deletions('OFF')).toEqual({ n: 0 });
      expect(deletions('ON')).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});
