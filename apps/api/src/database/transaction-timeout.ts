import type { QueryRunner } from 'typeorm';
import type { DatabaseSettings } from './data-source-options';
import { isPostgres } from './dialect';

/**
 * The statement timeout a transaction must set for itself, or undefined when its connection
 * already carries one. Behind a transaction pooler (DATABASE_POOLER=transaction) no connection
 * can carry a `statement_timeout`: each transaction sets DATABASE_STATEMENT_TIMEOUT_MS with
 * `SET LOCAL`, as DatabaseDriver does for TypeORM's transactions. On PostgreSQL itself the pool's
 * connections start with it; SQLite has none.
 */
export function transactionStatementTimeout(
  settings: Pick<DatabaseSettings, 'database' | 'databaseStatementTimeoutMs'> &
    Partial<Pick<DatabaseSettings, 'databasePooler'>>,
): number | undefined {
  return isPostgres(settings.database) && settings.databasePooler === 'transaction'
    ? settings.databaseStatementTimeoutMs
    : undefined;
}

/**
 * Opens a transaction on `runner` with the statement `begin` (`BEGIN ISOLATION LEVEL …`), outside
 * TypeORM's transaction API, whose hooks therefore never hear of it; with `statementTimeoutMs`,
 * its statements are bounded by it (`SET LOCAL`: the setting ends with the transaction, so a
 * pooler's server session keeps nothing of it).
 */
export async function beginTransaction(runner: QueryRunner, begin: string, statementTimeoutMs?: number): Promise<void> {
  await runner.query(begin);
  if (statementTimeoutMs === undefined) return;
  try {
    // SET LOCAL takes no parameter; the value is a whole number from the validated settings.
    await runner.query(`SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
