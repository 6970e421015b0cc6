import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client, type ClientConfig, Pool, type PoolConfig } from 'pg';
import { isConnectionError } from './database-unavailable';

/**
 * Where a read may go. `primary`: always the primary. `replica`: the replica while it answers,
 * else the primary (lists, cursor walks, CSV exports, histories, the per-tenant view).
 * `summary`: the primary, or with SUMMARY_READ_FROM_REPLICA the replica while its lag is within
 * REPLICA_MAX_LAG_MS.
 */
export type ReadRoute = 'primary' | 'replica' | 'summary';

/**
 * The replica as the last measurement found it: `ok` (answers, lag within REPLICA_MAX_LAG_MS),
 * `lagging` (answers, lag above it), `unavailable` (down, unreachable, failing, or not a
 * standby), `off` (no DATABASE_READ_URL).
 */
export type ReplicaState = 'ok' | 'lagging' | 'unavailable' | 'off';

/**
 * Why a read meant for the replica went to the primary: `lag` (the summary, past
 * REPLICA_MAX_LAG_MS), `unavailable` (the replica is down, or a read on it met a connection
 * error), `conflict` (the standby cancelled the read to replay WAL that conflicted with it).
 */
export type FallbackReason = 'lag' | 'unavailable' | 'conflict';

export interface ReplicaStatus {
  readonly state: ReplicaState;
  /** The replay lag the last measurement found, in ms; absent when off or unavailable. */
  readonly lagMs?: number;
}

export interface ReadReplicaOptions {
  /** The pool of the reads sent to the replica. */
  readonly pool: PoolConfig;
  /** The connections of the measurement, one on each server. */
  readonly check: { readonly primary: ClientConfig; readonly replica: ClientConfig };
  readonly summaryFromReplica: boolean;
  readonly maxLagMs: number;
  readonly checkIntervalMs: number;
}

/** The injection token of the {@link ReadReplicaOptions} (none: no replica). */
export const READ_REPLICA_OPTIONS = Symbol('READ_REPLICA_OPTIONS');

/**
 * One statement on the replica, given the primary's WAL position read just before: whether it is
 * a standby at all; whether it has replayed up to that position (then everything committed on the
 * primary before the position was read is visible there); and otherwise how old the last
 * transaction it replayed is (its commit time on the primary; since the standby started when it
 * replayed none), an upper bound of how far behind it is. The primary's clock and the replica's
 * are taken to agree (a skew adds to or hides lag).
 */
const LAG_SQL = `SELECT pg_is_in_recovery() AS standby,
       coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up,
       greatest(0, extract(epoch FROM clock_timestamp() -
         coalesce(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())) * 1000)::float8 AS lag_ms`;

/**
 * The read replica (DATABASE_READ_URL): its pool, and whether a read may go there now.
 *
 * The lag is measured in the background, never per request: every REPLICA_LAG_CHECK_MS one query
 * on the primary (its WAL position) and one on the replica (LAG_SQL), each on a connection of its
 * own, so a busy pool neither delays the measurement nor is counted in it. The result is kept as
 * a time: everything committed on the primary before it is visible on the replica. A read of the
 * summary goes to the replica only while that time is at most REPLICA_MAX_LAG_MS ago, so the bound
 * holds between measurements too (a replica that stops replaying, or a measurement that does not
 * come back, makes the summary fall back by itself).
 *
 * A measurement that fails, or a read on the replica that meets a connection error, makes the
 * replica unavailable: reads go to the primary until a measurement succeeds again. Each change of
 * state is logged once.
 */
@Injectable()
export class ReadReplica implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplica');
  private readonly pool?: Pool;
  private state: ReplicaState;
  /** Everything committed on the primary before this time (Date.now()) is visible on the replica. */
  private freshAsOf = -Infinity;
  private measuredLagMs?: number;
  /** Whether a measurement has said anything yet (the first one is logged whatever it finds). */
  private measured = false;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private stopped = false;
  private readonly clients: { primary?: Client; replica?: Client } = {};
  private readonly fallbackObservers: Array<(reason: FallbackReason) => void> = [];

  constructor(private readonly options?: ReadReplicaOptions) {
    this.state = options === undefined ? 'off' : 'unavailable';
    if (options !== undefined) {
      this.pool = new Pool(options.pool);
      // A connection the replica drops while idle (a restart) must not crash the process.
      this.pool.on('error', (error) => this.logger.debug(`A connection to the replica was lost: ${error.message}`));
    }
  }

  /** No replica: every read on the primary. */
  static off(): ReadReplica {
    return new ReadReplica();
  }

  get configured(): boolean {
    return this.pool !== undefined;
  }

  /** Measures once before the service serves, so the first requests are routed by a measurement. */
  async onModuleInit(): Promise<void> {
    if (this.options === undefined) return;
    await this.checkNow();
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.checking;
    for (const key of ['primary', 'replica'] as const) await this.dropClient(key);
    await this.pool?.end();
  }

  /**
   * The replica's pool when a read of `route` goes there now; undefined when it goes to the
   * primary (counted as a fallback when it was meant for the replica).
   */
  poolFor(route: ReadRoute): Pool | undefined {
    if (this.pool === undefined || route === 'primary') return undefined;
    if (route === 'summary' && !this.options?.summaryFromReplica) return undefined;
    if (this.state === 'unavailable') {
      this.fellBack('unavailable');
      return undefined;
    }
    if (route === 'summary' && Date.now() - this.freshAsOf > (this.options?.maxLagMs ?? 0)) {
      this.fellBack('lag');
      return undefined;
    }
    return this.pool;
  }

  /**
   * A read sent to the replica failed: whether it is to run once more on the primary. Yes for a
   * connection error (the replica is then unavailable until a measurement succeeds) and for a
   * read the standby cancelled to replay WAL; no for anything else, which the primary would
   * answer the same way.
   */
  failed(error: unknown): boolean {
    if (isConnectionError(error)) {
      this.become('unavailable', `a read failed: ${messageOf(error)}`);
      this.fellBack('unavailable');
      return true;
    }
    if (isRecoveryConflict(error)) {
      this.fellBack('conflict');
      return true;
    }
    return false;
  }

  status(): ReplicaStatus {
    if (this.state === 'off' || this.state === 'unavailable') return { state: this.state };
    return { state: this.state, lagMs: this.measuredLagMs };
  }

  /** Calls `observer` for each read meant for the replica that went to the primary. */
  observeFallbacks(observer: (reason: FallbackReason) => void): void {
    this.fallbackObservers.push(observer);
  }

  /** Measures now (one measurement at a time: a caller during one waits for it). */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private schedule(): void {
    if (this.stopped || this.options === undefined) return;
    this.timer = setTimeout(() => {
      void this.checkNow().finally(() => this.schedule());
    }, this.options.checkIntervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const options = this.options;
    if (options === undefined) return;
    const started = Date.now();
    // Without the primary's position (the primary is down), only the replay time tells.
    let position: string | null = null;
    try {
      const primary = await this.client('primary');
      position = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
    } catch {
      await this.dropClient('primary');
    }
    let row: { standby: boolean; caught_up: boolean; lag_ms: number };
    try {
      const replica = await this.client('replica');
      row = (await replica.query<typeof row>(LAG_SQL, [position])).rows[0];
    } catch (error) {
      await this.dropClient('replica');
      if (!this.stopped) this.become('unavailable', messageOf(error));
      return;
    }
    if (!row.standby) {
      this.become('unavailable', 'the server of DATABASE_READ_URL is not a standby (not in recovery)');
      return;
    }
    const fresh = row.caught_up ? started : started - Number(row.lag_ms);
    // A replica that caught up at an earlier measurement still holds all it held then.
    this.freshAsOf = this.state === 'unavailable' ? fresh : Math.max(this.freshAsOf, fresh);
    this.measuredLagMs = row.caught_up ? 0 : Math.max(0, Math.round(Date.now() - this.freshAsOf));
    this.become(
      this.measuredLagMs <= options.maxLagMs ? 'ok' : 'lagging',
      `replay lag ${this.measuredLagMs} ms, limit ${options.maxLagMs} ms`,
    );
  }

  private become(state: ReplicaState, reason: string): void {
    const before = this.measured ? this.state : undefined;
    this.measured = true;
    this.state = state;
    if (state === 'unavailable') this.measuredLagMs = undefined;
    if (state === before) return;
    if (state === 'ok') this.logger.log(`The read replica is used${before ? ' again' : ''} (${reason})`);
    else if (state === 'lagging') {
      this.logger.warn(`The read replica lags: ${reason}; the summary reads the primary while it does`);
    } else this.logger.warn(`The read replica is unavailable: ${reason}; its reads go to the primary`);
  }

  private fellBack(reason: FallbackReason): void {
    for (const observer of this.fallbackObservers) observer(reason);
  }

  private async client(which: 'primary' | 'replica'): Promise<Client> {
    const existing = this.clients[which];
    if (existing !== undefined) return existing;
    const client = new Client(this.options?.check[which]);
    // A connection lost while idle is dropped; the next measurement opens another.
    client.on('error', () => {
      if (this.clients[which] === client) this.clients[which] = undefined;
    });
    this.clients[which] = client;
    try {
      await client.connect();
    } catch (error) {
      if (this.clients[which] === client) this.clients[which] = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private async dropClient(which: 'primary' | 'replica'): Promise<void> {
    const client = this.clients[which];
    this.clients[which] = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * A standby cancelled the statement because WAL it had to replay conflicted with it
 * (`canceling statement due to conflict with recovery`, SQLSTATE 40001, or 40P01 when it waited on
 * a lock); the primary has no such conflict.
 */
function isRecoveryConflict(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === '40001' || code === '40P01') && typeof message === 'string' && /conflict with recovery/.test(message)
  );
}

/** An error's message, one line, without a stack. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || (error as { code?: string })?.code || 'unknown error';
}
