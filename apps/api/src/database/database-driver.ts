import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import Sqlite from './sqlite';
import { Pool } from 'pg';
import { DataSource, type EntitySubscriberInterface } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { type Dialect, dialectOf, isPostgres } from './dialect';

/** One read statement, run straight on the driver: it answers the first row, if any. */
export type PreparedQuery<Row, Params extends unknown[]> = (...params: Params) => Promise<Row | undefined>;

/** Writes a statement's text for a dialect: `placeholder(1)` is `$1` on PostgreSQL, `?` on SQLite. */
export type StatementText = (placeholder: (position: number) => string) => string;

/** The connections the database is reached through: PostgreSQL's pool, or SQLite's one connection. */
export interface ConnectionCounts {
  readonly total: number;
  /** PostgreSQL only: open connections no query is using. */
  readonly idle?: number;
  /** PostgreSQL only: queries waiting for a connection. */
  readonly waiting?: number;
  /** The most connections the pool opens. */
  readonly max: number;
}

/** What TypeORM says about a query once it has run. */
export interface QueryOutcome {
  readonly query: string;
  readonly success: boolean;
  readonly executionTimeMs?: number;
}

/** pg's default pool size, when the options do not name one. */
const PG_DEFAULT_POOL_MAX = 10;

/**
 * The seam between the service and the database driver TypeORM opened. Most code uses TypeORM;
 * the few paths that must not pay for its per-query machinery (the summary dashboards poll) or
 * that report on the driver itself (metrics) come here, and nowhere else reaches into the driver.
 */
@Injectable()
export class DatabaseDriver {
  constructor(private readonly dataSource: DataSource) {}

  get dialect(): Dialect {
    return dialectOf(this.dataSource);
  }

  /**
   * A read statement prepared once: a named statement on PostgreSQL (each pooled connection
   * prepares it on first use), a prepared statement on SQLite's connection. It is prepared on
   * its first run, not here. Errors are the driver's own, which the problem filter knows.
   */
  prepare<Row, Params extends unknown[] = []>(name: string, text: StatementText): PreparedQuery<Row, Params> {
    if (isPostgres(this.dataSource)) {
      const sql = text((position) => `$${position}`);
      let pool: Pool | undefined;
      return async (...values) => {
        pool ??= this.postgresPool();
        return (await pool.query<Row & object>({ name, text: sql, values })).rows[0];
      };
    }
    const sql = text(() => '?');
    let statement: BetterSqlite3.Statement<Params, Row> | undefined;
    return async (...values) => {
      statement ??= this.sqliteConnection().prepare<Params, Row>(sql);
      return statement.get(...values);
    };
  }

  /** The pool's connections now; undefined while a PostgreSQL pool is not open. */
  connections(): ConnectionCounts | undefined {
    if (!isPostgres(this.dataSource)) return { total: 1, max: 1 };
    if (!this.dataSource.isInitialized) return undefined;
    const pool = postgresPoolOf(this.dataSource);
    if (!pool) return undefined;
    return {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max ?? PG_DEFAULT_POOL_MAX,
    };
  }

  /** Calls `observer` after every query TypeORM runs, successful or not. */
  observeQueries(observer: (outcome: QueryOutcome) => void): void {
    const subscriber: EntitySubscriberInterface = {
      afterQuery: (event) =>
        observer({ query: event.query, success: event.success, executionTimeMs: event.executionTime }),
    };
    this.dataSource.subscribers.push(subscriber);
  }

  private postgresPool(): Pool {
    const pool = postgresPoolOf(this.dataSource);
    if (!pool) throw new Error('The PostgreSQL connection pool is not open');
    return pool;
  }

  private sqliteConnection(): BetterSqlite3.Database {
    const { driver } = this.dataSource;
    const connection: unknown = driver instanceof BetterSqlite3Driver ? driver.databaseConnection : undefined;
    if (!(connection instanceof Sqlite)) throw new Error('The SQLite database is not open');
    return connection;
  }
}

/** The pg pool TypeORM's PostgreSQL driver opened, once it has. */
function postgresPoolOf(dataSource: DataSource): Pool | undefined {
  const { driver } = dataSource;
  const pool: unknown = driver instanceof PostgresDriver ? driver.master : undefined;
  return pool instanceof Pool ? pool : undefined;
}
