import type { ProblemDetailsFields } from '@oc-numbers/contracts';
import { HEADER, headerKey } from '../common/http-headers';
import { type Problem, problem } from './problem-catalogue';

/** The fields every problem body carries, typed against the contract's ProblemDetails. */
export type ProblemFields = Required<ProblemDetailsFields>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An error a handler throws to answer with a specific problem (built from the catalogue). The
 * global filter adds `instance`, `errorTicket` and `traceId`.
 */
export class ProblemException extends Error {
  constructor(
    readonly problem: Problem,
    /** Further string properties of the body (the contract allows them). */
    readonly extensions: Readonly<Record<string, string>> = {},
    /** Response headers that go with the problem, such as `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
    /** The error behind the problem, for the log only. */
    cause?: unknown,
  ) {
    super(problem.detail, cause === undefined ? undefined : { cause });
    this.name = 'ProblemException';
  }
}

/** Lays out the body: the contract's fields first, then any extensions that do not clash. */
export function problemBody(fields: ProblemFields, extensions: Readonly<Record<string, string>> = {}): string {
  return JSON.stringify({ ...extensions, ...fields });
}

/** Seconds a caller should wait after a 503 before it tries again. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/** Seconds a caller should wait after a 503 for counts that need an operator's repair. */
export const RETRY_AFTER_COUNTS_INCONSISTENT_SECONDS = 60;

/** A 503 with Retry-After: the service, or the database behind it, cannot answer now. */
export function serviceUnavailable(
  code: 'SERVICE_UNAVAILABLE' | 'DATABASE_UNAVAILABLE' | 'COUNTS_INCONSISTENT',
  cause?: unknown,
  extensions: Readonly<Record<string, string>> = {},
): ProblemException {
  const retryAfter =
    code === 'COUNTS_INCONSISTENT' ? RETRY_AFTER_COUNTS_INCONSISTENT_SECONDS : RETRY_AFTER_UNAVAILABLE_SECONDS;
  return new ProblemException(
    problem(code, { retryAfter }),
    extensions,
    { [headerKey(HEADER.retryAfter)]: String(retryAfter) },
    cause,
  );
}

/**
 * The problem of a request the database could not answer (down, unreachable or too slow);
 * `reason`, when given, says why in the body (the readiness probe's answer).
 */
export function databaseUnavailable(cause?: unknown, reason?: string): ProblemException {
  return serviceUnavailable('DATABASE_UNAVAILABLE', cause, reason === undefined ? {} : { reason });
}
