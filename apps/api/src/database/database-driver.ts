import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import Sqlite from './sqlite';
import { Pool } from 'pg';
import { DataSource, type EntitySubscriberInterface } from 'typeorm';
import type { DatabasePooler } from '../config/settings';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { DatabaseOutage } from './database-unavailable';
import { type Dialect, dialectOf, isPostgres } from './dialect';
import { MIGRATIONS } from './migrations';
import { ReadReplica, type ReadRoute } from './read-replica';
import { checkSqliteFile, checkSqliteMigrated, type FileIdentity, fileIdentity, sameFile } from './sqlite-file-check';

/**
 * How often, at most, the summary path asks whether the SQLite file is still the one open (one
 * `stat`, a few microseconds): requests notice a deleted or replaced file within this time even
 * when no probe checks readiness, and a busy service does not make a system call per request.
 */
const SQLITE_FILE_CHECK_INTERVAL_MS = 1000;

/** The error of a query that the SQLite file, deleted or replaced, can no longer answer. */
export class SqliteFileChangedError extends Error {
  /** Known to `isDatabaseUnavailable`: a 503 with Retry-After. */
  readonly code = 'SQLITE_FILE_CHANGED';

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SqliteFileChangedError';
  }
}

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

/** What is known about a query once it has run: TypeORM's, or one of the prepared statements. */
export interface QueryOutcome {
  readonly query: string;
  /** A prepared statement's name; undefined for TypeORM's queries, which only have their text. */
  readonly name?: string;
  readonly success: boolean;
  readonly executionTimeMs?: number;
  /** Answered by the read replica (DATABASE_READ_URL), not the primary. */
  readonly replica?: boolean;
}

/** How the service reaches PostgreSQL: straight, or through a transaction pooler (DATABASE_POOLER). */
export interface DatabasePooling {
  readonly pooler: DatabasePooler;
  /** The bound each transaction is given with `SET LOCAL` behind a transaction pooler. */
  readonly statementTimeoutMs: number;
}

/** The injection token of the application's {@link DatabasePooling}. */
export const DATABASE_POOLING = Symbol('DATABASE_POOLING');

/** PostgreSQL itself, or a pooler in session mode: sessions are the service's own. */
export const NO_POOLER: DatabasePooling = { pooler: 'none', statementTimeoutMs: 0 };

/** pg's default pool size, when the options do not name one. */
const PG_DEFAULT_POOL_MAX = 10;

/**
 * The seam between the service and the database driver TypeORM opened. Most code uses TypeORM;
 * the few paths that must not pay for its per-query machinery (the summary dashboards poll) or
 * that report on the driver itself (metrics) come here, and nowhere else reaches into the driver.
 */
@Injectable()
export class DatabaseDriver {
  private readonly logger = new Logger('Database');
  /** SQLite: the path of the file, and which file it named when it was opened (undefined once closed). */
  private readonly sqlitePath?: string;
  private opened?: FileIdentity;
  /** Why the file at the path is not served, while it is not; the same file is not checked twice. */
  private refused?: { readonly file: string; readonly reason: string };
  private lastCheck = 0;
  private reopening?: Promise<void>;
  /** Grows each time SQLite's connection is closed: statements prepared on an older one are dropped. */
  private generation = 0;
  /** Told about every query, TypeORM's and the prepared statements'. */
  private readonly observers: Array<(outcome: QueryOutcome) => void> = [];
  /** Hears TypeORM's queries; registered again after each open, which replaces the subscribers. */
  private readonly subscriber: EntitySubscriberInterface;
  /** Whether statements may be prepared under a name: not behind a transaction pooler. */
  private readonly named: boolean;

  constructor(
    private readonly dataSource: DataSource,
    /** Nest gives the application's; a driver built outside Nest (tests, tools) has its own. */
    private readonly outage: DatabaseOutage = new DatabaseOutage(),
    @Optional() @Inject(DATABASE_POOLING) pooling: DatabasePooling = NO_POOLER,
    /** Where the reads of the statements prepared for the replica go; none outside Nest. */
    @Optional() private readonly replica: ReadReplica = ReadReplica.off(),
  ) {
    const pooled = pooling.pooler === 'transaction' && isPostgres(dataSource);
    this.named = !pooled;
    this.subscriber = {
      afterQuery: (event) =>
        this.observed({ query: event.query, success: event.success, executionTimeMs: event.executionTime }),
      // Behind a transaction pooler a session is not the service's: no connection can carry a
      // statement_timeout, so each of TypeORM's transactions sets its own as it starts (a
      // statement of the transaction may set another, `SET LOCAL` again).
      ...(pooled && {
        afterTransactionStart: async (event) => {
          await event.queryRunner.query(`SET LOCAL statement_timeout = ${Math.trunc(pooling.statementTimeoutMs)}`);
        },
      }),
    };
    // Any query of the primary that succeeds (TypeORM's, the readiness probe's, the summary's)
    // ends an outage; the replica's answers say nothing of the primary.
    this.observeQueries(({ success, replica }) => success && !replica && outage.succeeded());
    dataSource.subscribers.push(this.subscriber);
    if (!isPostgres(dataSource)) {
      this.sqlitePath = String(dataSource.options.database);
      // better-sqlite3 does not expose the open file's descriptor: the path's identity right
      // after the open stands for it.
      this.opened = fileIdentity(this.sqlitePath);
      this.lastCheck = Date.now();
    }
  }

  /**
   * SQLite: whether the path still names the file that is open. When it does not (the file was
   * deleted, or replaced by a restore), the old file is closed and never answers again; a new
   * file is opened once it is a usable, migrated database of this service. Returns why the
   * database cannot serve, in words without its folder, or undefined when it can. PostgreSQL:
   * always undefined.
   */
  async checkSqliteFile(): Promise<string | undefined> {
    const path = this.sqlitePath;
    if (path === undefined) return undefined;
    this.lastCheck = Date.now();
    const current = fileIdentity(path);
    if (this.opened !== undefined && sameFile(this.opened, current)) return undefined;
    this.reopening ??= this.reopen(path).finally(() => (this.reopening = undefined));
    await this.reopening;
    return this.refused?.reason;
  }

  private async reopen(path: string): Promise<void> {
    if (this.opened !== undefined) {
      const current = fileIdentity(path);
      this.logger.warn(
        `The SQLite database ${path} was ${current ? 'replaced' : 'deleted'} while open: closing the old file`,
      );
      this.opened = undefined;
      this.generation++;
      // Closing the last connection checkpoints the old file's WAL into it and removes the WAL,
      // so the new file is never read with the old file's WAL.
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    }
    const current = fileIdentity(path);
    const file = current ? `${current.dev}:${current.ino}:${statSizeAndTime(path)}` : 'none';
    if (this.refused?.file === file) return;
    try {
      if (!current) throw new Error(`The SQLite database ${path} was deleted and nothing is at its path.`);
      checkSqliteFile(path, false);
      checkSqliteMigrated(
        path,
        MIGRATIONS.map((migration) => new migration().name ?? migration.name),
      );
      await this.dataSource.initialize();
      this.dataSource.subscribers.push(this.subscriber);
      this.opened = current;
      this.refused = undefined;
      this.logger.log(`Opened the SQLite database now at ${path}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.refused = { file, reason: message.split(path).join(basename(path)) };
      this.logger.error(`Not serving the SQLite database at ${path}: ${message}`);
      if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
    }
  }

  /** Runs `query` on the file open now; a file deleted or replaced is noticed within the check interval. */
  private async onCurrentSqliteFile<T>(query: () => T): Promise<T> {
    if (this.opened === undefined || Date.now() - this.lastCheck >= SQLITE_FILE_CHECK_INTERVAL_MS) {
      const reason = await this.checkSqliteFile();
      if (reason !== undefined) throw new SqliteFileChangedError(reason);
    }
    try {
      return query();
    } catch (error) {
      // A failure may be the first sign that the file changed: look again now.
      const reason = await this.checkSqliteFile();
      if (reason !== undefined) throw new SqliteFileChangedError(reason);
      throw error;
    }
  }

  get dialect(): Dialect {
    return dialectOf(this.dataSource);
  }

  /**
   * A read statement prepared once: a named statement on PostgreSQL (each pooled connection
   * prepares it on first use; behind a transaction pooler an unnamed one, parsed on each run), a
   * prepared statement on SQLite's connection. It is prepared on
   * its first run, not here. Errors are the driver's own, which the problem filter knows. Each
   * run is reported to the query observers under `name` (its time includes the wait for a
   * pooled connection); a run that fails before the statement is reached is reported failed.
   * `route` says which server may answer it (see ReadRoute): the primary unless told otherwise.
   */
  prepare<Row, Params extends unknown[] = []>(
    name: string,
    text: StatementText,
    route: ReadRoute = 'primary',
  ): PreparedQuery<Row, Params> {
    if (isPostgres(this.dataSource)) {
      const sql = text((position) => `$${position}`);
      const run = this.routed<Row>(route);
      return this.measured(name, sql, async (...values: Params) => {
        const { rows, replica } = await run(this.statement(name, sql, values));
        return { result: rows[0], replica };
      });
    }
    const sql = text(() => '?');
    let statement: BetterSqlite3.Statement<Params, Row> | undefined;
    let preparedIn = this.generation;
    return this.measured(name, sql, async (...values: Params) => ({
      result: await this.onCurrentSqliteFile(() => {
        if (preparedIn !== this.generation) statement = undefined;
        preparedIn = this.generation;
        statement ??= this.sqliteConnection().prepare<Params, Row>(sql);
        return statement.get(...values);
      }),
    }));
  }

  /**
   * Like `prepare`, for a statement that answers many rows (the list's pages): every row. `label`
   * names it in the metrics when `name` (unique per statement text, as PostgreSQL's prepared
   * statements must be) would be too many names.
   */
  prepareRows<Row, Params extends unknown[] = []>(
    name: string,
    text: StatementText,
    label = name,
    route: ReadRoute = 'primary',
  ): (...params: Params) => Promise<Row[]> {
    if (isPostgres(this.dataSource)) {
      const sql = text((position) => `$${position}`);
      const run = this.routed<Row>(route);
      return this.measured(label, sql, async (...values: Params) => {
        const { rows, replica } = await run(this.statement(name, sql, values));
        return { result: rows, replica };
      });
    }
    const sql = text(() => '?');
    let statement: BetterSqlite3.Statement<Params, Row> | undefined;
    let preparedIn = this.generation;
    return this.measured(label, sql, async (...values: Params) => ({
      result: await this.onCurrentSqliteFile(() => {
        if (preparedIn !== this.generation) statement = undefined;
        preparedIn = this.generation;
        statement ??= this.sqliteConnection().prepare<Params, Row>(sql);
        return statement.all(...values);
      }),
    }));
  }

  /**
   * A statement for pg: named (prepared once per connection) unless behind a transaction pooler,
   * where the next transaction of a connection may reach a server session that never saw the
   * name; unnamed, it is parsed and planned with its values on every run, in one round trip.
   */
  private statement(name: string, text: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
    return this.named ? { name, text, values } : { text, values };
  }

  /**
   * Runs statements on the server `route` names now (see ReadReplica.poolFor): the primary's pool,
   * or the replica's. A statement the replica fails with a connection error (or cancels for a
   * recovery conflict) runs once more on the primary, so a replica that goes away costs a retry,
   * never an error. Anything not prepared for the replica (TypeORM's queries, every write and
   * transaction) is the primary's.
   */
  private routed<Row>(
    route: ReadRoute,
  ): (statement: { name?: string; text: string; values: unknown[] }) => Promise<{ rows: Row[]; replica: boolean }> {
    let primary: Pool | undefined;
    return async (statement) => {
      const replica = this.replica.poolFor(route);
      if (replica !== undefined) {
        try {
          return { rows: (await replica.query<Row & object>(statement)).rows, replica: true };
        } catch (error) {
          if (!this.replica.failed(error)) throw error;
        }
      }
      primary ??= this.postgresPool();
      return { rows: (await primary.query<Row & object>(statement)).rows, replica: false };
    };
  }

  /** `run`, reporting each call's outcome to the observers (success on the primary also ends an outage). */
  private measured<Result, Params extends unknown[]>(
    name: string,
    query: string,
    run: (...params: Params) => Promise<{ result: Result; replica?: boolean }>,
  ): (...params: Params) => Promise<Result> {
    return async (...values) => {
      const started = performance.now();
      try {
        const { result, replica } = await run(...values);
        this.observed({ query, name, success: true, executionTimeMs: performance.now() - started, replica });
        return result;
      } catch (error) {
        this.observed({ query, name, success: false });
        throw error;
      }
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

  /** Calls `observer` after every query, TypeORM's and the prepared statements', successful or not. */
  observeQueries(observer: (outcome: QueryOutcome) => void): void {
    this.observers.push(observer);
  }

  private observed(outcome: QueryOutcome): void {
    for (const observer of this.observers) observer(outcome);
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

function statSizeAndTime(path: string): string {
  try {
    const { size, mtimeMs } = statSync(path);
    return `${size}:${mtimeMs}`;
  } catch {
    return '';
  }
}

/** The pg pool TypeORM's PostgreSQL driver opened, once it has. */
function postgresPoolOf(dataSource: DataSource): Pool | undefined {
  const { driver } = dataSource;
  const pool: unknown = driver instanceof PostgresDriver ? driver.master : undefined;
  return pool instanceof Pool ? pool : undefined;
}
