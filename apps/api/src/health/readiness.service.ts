import { Inject, Injectable, Optional } from '@nestjs/common';
import type { HealthStatus } from '@oc-numbers/contracts';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseDriver } from '../database/database-driver';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { ReadReplica } from '../database/read-replica';
import { NumbersRepository } from '../numbers/numbers.repository';
import { CountsInconsistentError } from '../numbers/removal-counters';

/** The parts of readiness, in the order they are checked; a 503 names the first that failed. */
export type ReadinessCheck = 'sqliteFile' | 'database' | 'removalCounts';

/** The tenant the probe counts for: any GUID runs the one-tenant query; this one has no numbers. */
export const NIL_TENANT = '00000000-0000-0000-0000-000000000000';

/** A part of readiness that failed; `reason` says why in words a caller may see (no SQL, paths or stack). */
export class ReadinessFailure extends Error {
  constructor(
    readonly check: ReadinessCheck,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`readiness check ${check} failed: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'ReadinessFailure';
  }
}

/** One run of the checks, shared by the probes that arrive while it runs. */
interface Run {
  readonly result: Promise<HealthStatus>;
  /** The check running now: the one a probe that gives up names. */
  current: ReadinessCheck;
}

/**
 * Whether this instance can serve the summary: it runs what the summary runs. On SQLite, the
 * file at the configured path is the one open (deleted or replaced files are noticed); the
 * database answers a round trip; the summary's own queries answer, for all tenants and for one
 * tenant, through the same repository the summary uses. Counts that look wrong are not a
 * failure (no restart or re-routing would fix data); errors and timeouts are.
 *
 * Each probe waits at most `READINESS_TIMEOUT_MS`. Probes that arrive while a run is still
 * going (a query stuck behind a lock, say) share it rather than start another, so a stuck
 * database holds one query of the probe's at a time, however often it is probed; that query
 * ends when its lock is released or the statement timeout cancels it.
 */
@Injectable()
export class ReadinessService {
  private running?: Run;

  constructor(
    private readonly driver: DatabaseDriver,
    private readonly dataSource: DataSource,
    private readonly numbers: NumbersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly replica: ReadReplica = ReadReplica.off(),
  ) {}

  /** The checks' answer, or a {@link ReadinessFailure} naming the part that failed or timed out. */
  async check(): Promise<HealthStatus> {
    const run = (this.running ??= this.start());
    const deadlineMs = this.config.readinessTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ReadinessFailure(run.current, `timed out: no answer within ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    try {
      return await Promise.race([run.result, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private start(): Run {
    const run: { result?: Promise<HealthStatus>; current: ReadinessCheck } = { current: 'database' };
    const result = this.runChecks(run);
    const done = () => {
      if (this.running?.result === result) this.running = undefined;
    };
    // Also the handler of a failure no probe waits for any more.
    result.then(done, done);
    run.result = result;
    return run as Run;
  }

  private async runChecks(run: { current: ReadinessCheck }): Promise<HealthStatus> {
    const details: Record<string, { status: 'up'; responseTime: number }> = {};
    const step = async (check: ReadinessCheck, work: () => Promise<void>) => {
      run.current = check;
      const started = performance.now();
      try {
        await work();
      } catch (error) {
        if (error instanceof ReadinessFailure) throw error;
        throw new ReadinessFailure(check, await this.reasonFor(error), error);
      }
      details[check] = { status: 'up', responseTime: Math.round(performance.now() - started) };
    };

    if (this.driver.dialect === 'sqlite') {
      await step('sqliteFile', async () => {
        const reason = await this.driver.checkSqliteFile();
        if (reason !== undefined) throw new ReadinessFailure('sqliteFile', reason);
      });
    }
    await step('database', async () => {
      if (!this.dataSource.isInitialized) {
        throw new ReadinessFailure('database', 'not available: the connection to the database is closed');
      }
      await this.dataSource.query('SELECT 1');
    });
    // Counters that answer but cannot be counts are a matter of the data, which neither routing
    // nor a restart repairs: the summary refuses them (503 COUNTS_INCONSISTENT), readiness does not.
    const counted = (counting: Promise<unknown>) =>
      counting.catch((error: unknown) => {
        if (!(error instanceof CountsInconsistentError)) throw error;
      });
    // On the primary even when the summary may read the replica: the summary falls back to the
    // primary, so the primary is what must serve it; the replica is reported, never failed on.
    await step('removalCounts', async () => {
      await counted(this.numbers.countInRemovalOnPrimary());
      await counted(this.numbers.countInRemovalOnPrimary(NIL_TENANT));
    });
    const replica = this.replica.configured ? this.replica.status() : undefined;
    // The generated indicator type also allows string extensions, which no number satisfies.
    return {
      status: 'ok',
      info: details,
      error: {},
      details,
      ...(replica !== undefined && replica.state !== 'off' && { replica: { ...replica, state: replica.state } }),
    } as HealthStatus;
  }

  /** Why a check failed, in safe words: the kind of failure, never the driver's text. */
  private async reasonFor(error: unknown): Promise<string> {
    const { code, message } = driverErrorOf(error);
    if (code === '57014') return 'timed out: the statement timeout cancelled the query';
    if (code === '42P01' || /\bno such table\b/.test(message)) {
      const pending = await this.pendingMigrations();
      if (pending !== undefined && pending.missing > 0) {
        return `not migrated: ${pending.missing} of ${pending.total} migrations have not run`;
      }
      return 'missing table: a table the summary reads does not exist';
    }
    if (code === '42703' || /\bno such column\b/.test(message)) {
      return 'schema mismatch: a column the summary reads does not exist';
    }
    if (code === 'SQLITE_BUSY') return "locked: another process holds the SQLite database's lock";
    if (code === '3D000') return 'not available: the database does not exist';
    if (isDatabaseUnavailable(error)) return 'not available: the database cannot be reached or refused the query';
    return 'failed: an unexpected error (the log line of this errorTicket has it)';
  }

  /** How many of the service's migrations the database lacks; undefined when that cannot be told. */
  private async pendingMigrations(): Promise<{ missing: number; total: number } | undefined> {
    const names = this.dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name);
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    let applied: Set<string>;
    try {
      const rows: Array<{ name: string }> = await this.dataSource.query(`SELECT name FROM ${table}`);
      applied = new Set(rows.map((row) => row.name));
    } catch (error) {
      const { code, message } = driverErrorOf(error);
      if (code !== '42P01' && !/\bno such table\b/.test(message)) return undefined;
      applied = new Set();
    }
    return { missing: names.filter((name) => !applied.has(name)).length, total: names.length };
  }
}

/** The code and message of the driver's error inside TypeORM's or ours. */
function driverErrorOf(error: unknown): { code?: string; message: string } {
  for (let current = error, depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, driverError, cause } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : '' };
    current = driverError ?? cause;
  }
  return { message: error instanceof Error ? error.message : '' };
}
