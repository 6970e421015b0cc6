import type { ProblemDetailsFields } from '@oc-numbers/contracts';

/** The fields every problem body carries, typed against the contract's ProblemDetails. */
export type ProblemFields = Required<ProblemDetailsFields>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An error a handler throws to answer with a specific problem. The global filter adds
 * `instance`, `errorTicket` and `traceId`.
 */
export class ProblemException extends Error {
  constructor(
    readonly problem: Pick<ProblemFields, 'type' | 'title' | 'status' | 'detail' | 'errorCode'>,
    /** Further string properties of the body (the contract allows them). */
    readonly extensions: Readonly<Record<string, string>> = {},
    /** Response headers that go with the problem, such as `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem.detail);
    this.name = 'ProblemException';
  }
}

/** Lays out the body: the contract's fields first, then any extensions that do not clash. */
export function problemBody(fields: ProblemFields, extensions: Readonly<Record<string, string>> = {}): string {
  return JSON.stringify({ ...extensions, ...fields });
}

/** Seconds a caller should wait after a 503 before it tries again. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/** The problem of a request the database could not answer (down, unreachable or too slow). */
export function databaseUnavailable(): ProblemException {
  return new ProblemException(
    {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: `The database is not available. Retry after ${RETRY_AFTER_UNAVAILABLE_SECONDS} seconds.`,
      errorCode: 'DATABASE_UNAVAILABLE',
    },
    {},
    { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
  );
}
