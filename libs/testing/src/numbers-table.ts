import Database from './sqlite';
import { withPostgres } from './database-url';
import type { TestDatabase } from './databases';

/** One row of `oc_numbers`, as the operator's sync job writes it. */
export interface NumberRow {
  readonly telephoneNumber: string;
  readonly msTenantId: string | null;
  readonly removalStatus: number | null;
}

/**
 * Runs plain SQL on a test database from outside the service, the way other systems of the
 * operator write `oc_numbers`. Each call opens and closes its own connection.
 */
export async function withSql<T>(
  database: TestDatabase,
  work: (query: (sql: string, params?: readonly unknown[]) => Promise<unknown[]>) => Promise<T>,
): Promise<T> {
  if (database.config.type === 'postgres') {
    return withPostgres(database.config.url, (client) =>
      work(async (sql, params = []) => (await client.query(toPostgres(sql), [...params])).rows),
    );
  }
  const db = new Database(database.config.path, { timeout: 5000 });
  try {
    return await work(async (sql, params = []) => {
      const statement = db.prepare(sql);
      return statement.reader ? statement.all(...params) : (statement.run(...params), []);
    });
  } finally {
    db.close();
  }
}

/** Inserts rows into `oc_numbers` in one transaction. */
export function insertNumbers(database: TestDatabase, rows: readonly NumberRow[]): Promise<void> {
  return withSql(database, async (query) => {
    await query('BEGIN');
    for (const row of rows) {
      await query('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)', [
        row.telephoneNumber,
        row.msTenantId,
        row.removalStatus,
      ]);
    }
    await query('COMMIT');
  });
}

/** `?` placeholders, as SQLite takes them, to PostgreSQL's `$1, $2, …`. */
function toPostgres(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
