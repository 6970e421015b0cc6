import { Injectable, Logger } from '@nestjs/common';

/**
 * Network and server errors that mean the database cannot answer now, though it may again
 * soon: connections refused, reset or timed out, a server shutting down or starting up, a
 * statement cancelled by its timeout, a locked SQLite file. A request that meets one is a 503
 * with Retry-After, not a 500: nothing is wrong with the request or the service.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, query_canceled
  // (statement_timeout), too_many_connections, and a database that is gone (being restored).
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '53300',
  '3D000',
  // SQLite: another process holds the lock for longer than the busy timeout.
  'SQLITE_BUSY',
  // SQLite: the file was deleted or replaced while open, and no usable file is at its path.
  'SQLITE_FILE_CHANGED',
]);

const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Query read timeout$/,
  /Client has encountered a connection error and is not queryable/,
  // PostgreSQL: the database is closed to connections (ALLOW_CONNECTIONS false, during maintenance).
  /is not currently accepting connections/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  return hasErrorCode(error, UNAVAILABLE_CODES);
}

/**
 * Whether the error, or one it wraps (TypeORM's `driverError`, a `cause`, an AggregateError's
 * `errors`), has one of `codes`, a PostgreSQL connection exception (class 08) or a message of
 * {@link UNAVAILABLE_MESSAGES}.
 */
function hasErrorCode(error: unknown, codes: ReadonlySet<string>, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (codes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const inner = [driverError, cause, ...(Array.isArray(errors) ? errors : [])];
  return inner.some((e) => hasErrorCode(e, codes, depth + 1));
}

/**
 * The errors of a server that cannot be reached or talked to at all (a subset of
 * {@link isDatabaseUnavailable}): refused, reset, timed-out or lost connections, a server shutting
 * down, starting up, full, or without the database. Not a statement timeout: the server answered.
 * A read on the replica that meets one is run again on the primary.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '3D000',
]);

export function isConnectionError(error: unknown): boolean {
  return hasErrorCode(error, CONNECTION_CODES);
}

/**
 * One outage of the database, told once: the first request that finds the database unavailable
 * logs the cause (with its stack) at error level; the others of the same episode are counted and
 * logged at debug level; the first query that succeeds after it ends the episode with one line
 * that says how long it lasted and how many requests failed. A dashboard polling through an
 * outage no longer writes a stack trace per request.
 */
@Injectable()
export class DatabaseOutage {
  private readonly logger = new Logger('Database');
  private episode?: { readonly since: number; failures: number };

  /** A request failed because the database is unavailable; `context` is the error line's fields. */
  failed(context: Readonly<Record<string, unknown>>, cause: unknown, message: string): void {
    if (this.episode === undefined) {
      this.episode = { since: Date.now(), failures: 1 };
      this.logger.error(
        { ...context, err: cause },
        `The database is not available: ${message}. later failures are counted until it recovers`,
      );
      return;
    }
    this.episode.failures++;
    this.logger.debug({ ...context }, `The database is still not available: ${message}`);
  }

  /** A query succeeded: ends the episode, if one is open. */
  succeeded(): void {
    const { episode } = this;
    if (episode === undefined) return;
    this.episode = undefined;
    this.logger.log(
      `The database answers again after ${Date.now() - episode.since} ms; ${episode.failures} request(s) failed meanwhile`,
    );
  }
}
