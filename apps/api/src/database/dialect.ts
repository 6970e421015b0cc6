import { resolve } from 'node:path';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The one place that tells the two databases apart: migrations, queries, the driver seam and
 * the settings ask here, never TypeORM's driver names or URL schemes themselves.
 */
export type Dialect = 'postgres' | 'sqlite';

/** Where the data lives. `type` is TypeORM's name for the driver. */
export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;
export interface SqliteDatabaseConfig {
  readonly type: 'better-sqlite3';
  readonly path: string;
}
export interface PostgresDatabaseConfig {
  readonly type: 'postgres';
  readonly url: string;
}

/** The SQLite file the service uses when DATABASE_URL is unset, relative to the working folder. */
export const DEFAULT_SQLITE_PATH = 'data/oc-numbers.sqlite';

type Source = DatabaseConfig | DataSource | QueryRunner;

export function dialectOf(source: Source): Dialect {
  let type: string;
  if ('connection' in source) type = source.connection.options.type;
  else if ('options' in source) type = source.options.type;
  else type = source.type;
  return type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Migrations and queries that differ between the two databases ask this. */
export function isPostgres(source: DatabaseConfig): source is PostgresDatabaseConfig;
export function isPostgres(source: DataSource | QueryRunner): boolean;
export function isPostgres(source: Source): boolean {
  return dialectOf(source) === 'postgres';
}

/** How the start-up log line names the database: never with its URL, which may hold a password. */
export function databaseLabel(database: DatabaseConfig): string {
  return isPostgres(database) ? 'PostgreSQL' : `SQLite at ${database.path}`;
}

/**
 * Reads a DATABASE_URL: `sqlite:<path>` (a path relative to the working folder, or absolute) or
 * `postgres://…`/`postgresql://…`. Otherwise it says what is wrong in words that follow the
 * variable's name, without the value: it may hold a password.
 */
export function parseDatabaseUrl(url: string): DatabaseConfig | { readonly problem: string } {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') return { problem: `sqlite:<path> needs a file path, e.g. sqlite:${DEFAULT_SQLITE_PATH}` };
    return { type: 'better-sqlite3', path: resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    if (!URL.canParse(url)) {
      return { problem: 'is not a valid postgres:// URL (e.g. postgres://user:password@host:5432/db)' };
    }
    return { type: 'postgres', url };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  return {
    problem:
      `must be unset (SQLite at ${DEFAULT_SQLITE_PATH}), sqlite:<path> or postgres://… ` +
      `(got ${scheme ? `a "${scheme}:" URL` : 'a value without a scheme'})`,
  };
}
