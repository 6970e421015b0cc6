import { resolve } from 'node:path';
import { Client } from 'pg';

/**
 * A database as tests and tools name it, by the service's rule for DATABASE_URL: unset is the
 * SQLite file data/oc-numbers.sqlite, else `sqlite:<path>` or `postgres://…`. (The service reads
 * its own settings; this is the same rule for those that drive it from outside.)
 */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string };

export const DEFAULT_SQLITE_PATH = 'data/oc-numbers.sqlite';

/** A DATABASE_URL that names no database of a kind the service knows. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** Reads a DATABASE_URL; a SQLite path becomes absolute (from the working directory). */
export function parseDatabaseUrl(raw: string | undefined): DatabaseTarget {
  const value = raw?.trim() || undefined;
  if (value === undefined) return sqlite(DEFAULT_SQLITE_PATH);
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') {
      throw new DatabaseUrlError('A sqlite: database URL needs a file path, e.g. sqlite:data/oc-numbers.sqlite');
    }
    return sqlite(path);
  }
  if (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value)) return { kind: 'postgres', url: value };
  throw new DatabaseUrlError('The database URL must be sqlite:<path> or postgres://user@host:5432/db');
}

function sqlite(path: string): DatabaseTarget {
  return { kind: 'sqlite', path: resolve(path), url: `sqlite:${resolve(path)}` };
}

/** The database for messages: a SQLite path, or a PostgreSQL URL with its password hidden. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite at ${target.path}`;
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return `PostgreSQL at ${url.toString()}`;
}

/** The name of the database a PostgreSQL URL points at. */
export function databaseNameOf(postgresUrl: string): string {
  return decodeURIComponent(new URL(postgresUrl).pathname.slice(1));
}

/** The same server and credentials, another database. */
export function withDatabaseName(postgresUrl: string, name: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** Opens one connection to a PostgreSQL database for `work`, and closes it after. */
export async function withPostgres<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs SQL on the maintenance database (`postgres`) of the server that holds `databaseUrl`, to
 * act on that database from outside it; `{database}` in the SQL stands for its name.
 */
export async function onPostgresServer(databaseUrl: string, sql: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  await withPostgres(withDatabaseName(databaseUrl, 'postgres'), (client) =>
    client.query(sql.replaceAll('{database}', name)),
  );
}
