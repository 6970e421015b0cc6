import { STATUS_CODES } from 'node:http';
import type { ProblemFields } from './problem';

/** What every occurrence of one kind of problem shares. */
export interface ProblemKind {
  /** The HTTP status of the response. */
  readonly status: number;
  /** A URI that names the kind of problem; `about:blank` when the HTTP status says it all. */
  readonly type: string;
  readonly title: string;
  /** What went wrong; `{name}` stands for a parameter of the occurrence. */
  readonly detail: string;
}

/**
 * Every problem the service answers, by `errorCode`. The error filter, the rate limit, the
 * validation pipe, the answers to requests Node.js refuses and the database-unavailable path all
 * build their problems from this table; a test holds it to the codes the contract documents.
 */
export const PROBLEMS = {
  INVALID_MS_TENANT_ID: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-ms-tenant-id',
    title: 'Invalid msTenantId',
    detail: 'msTenantId {rule}',
  },
  INVALID_PARAMETER: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-parameter',
    title: 'Invalid parameter',
    detail: '{rule}',
  },
  INVALID_ACQUIRED_NUMBERS: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-acquired-numbers',
    title: 'Invalid acquired numbers',
    detail: '{count} {what} cannot be used (the first {named} named): {entries}.',
  },
  MASS_REMOVAL_GUARD: {
    status: 409,
    type: 'urn:oc-numbers:problem:mass-removal-guard',
    title: 'Mass removal refused',
    detail: '{reason}; nothing changed. Send confirmMassRemoval=true if this is meant.',
  },
  TOO_MANY_NUMBERS: {
    status: 413,
    type: 'urn:oc-numbers:problem:too-many-numbers',
    title: 'Too many numbers',
    detail: 'The list holds {count} numbers; a reconciliation takes at most {max}.',
  },
  INVALID_ACQUIRED_NUMBER_STATUS: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-acquired-number-status',
    title: 'Invalid acquiredNumberStatus',
    detail: 'acquiredNumberStatus {rule}',
  },
  INVALID_TELEPHONE_NUMBER_PREFIX: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-telephone-number-prefix',
    title: 'Invalid telephoneNumberPrefix',
    detail: 'telephoneNumberPrefix {rule}',
  },
  INVALID_TELEPHONE_NUMBER: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-telephone-number',
    title: 'Invalid telephoneNumber',
    detail: 'telephoneNumber {rule}',
  },
  INVALID_PAGE: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-page',
    title: 'Invalid page',
    detail: 'page {rule}',
  },
  INVALID_PAGE_SIZE: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-page-size',
    title: 'Invalid pageSize',
    detail: 'pageSize {rule}',
  },
  INVALID_CURSOR: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-cursor',
    title: 'Invalid cursor',
    detail: 'cursor {rule}',
  },
  INVALID_REQUEST_BODY: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-request-body',
    title: 'Invalid request body',
    detail: '{message}',
  },
  INVALID_TELEPHONE_NUMBERS: {
    status: 400,
    type: 'urn:oc-numbers:problem:invalid-telephone-numbers',
    title: 'Invalid telephoneNumbers',
    detail: '{count} {entries} of telephoneNumbers cannot be used: {named}.',
  },
  UNAUTHENTICATED: {
    status: 401,
    type: 'urn:oc-numbers:problem:unauthenticated',
    title: 'Unauthenticated',
    detail: 'This operation needs a bearer token in the Authorization header: {reason}.',
  },
  INVALID_TOKEN: {
    status: 401,
    type: 'urn:oc-numbers:problem:invalid-token',
    title: 'Invalid token',
    detail: 'The bearer token is not accepted: {reason}.',
  },
  INSUFFICIENT_ROLE: {
    status: 403,
    type: 'urn:oc-numbers:problem:insufficient-role',
    title: 'Insufficient role',
    detail: 'This operation needs one of the roles {roles}; the token has none of them.',
  },
  TENANT_FORBIDDEN: {
    status: 403,
    type: 'urn:oc-numbers:problem:tenant-forbidden',
    title: 'Tenant forbidden',
    detail: 'The token does not reach this tenant.',
  },
  BAD_REQUEST: { status: 400, type: 'about:blank', title: 'Bad Request', detail: '{message}' },
  NOT_FOUND: { status: 404, type: 'about:blank', title: 'Not Found', detail: 'No operation answers {method} {path}.' },
  METHOD_NOT_ALLOWED: { status: 405, type: 'about:blank', title: 'Method Not Allowed', detail: '{message}' },
  NOT_ACCEPTABLE: { status: 406, type: 'about:blank', title: 'Not Acceptable', detail: '{message}' },
  REQUEST_TIMEOUT: {
    status: 408,
    type: 'about:blank',
    title: 'Request Timeout',
    detail: 'The request did not arrive whole within {seconds} seconds.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'about:blank', title: 'Payload Too Large', detail: '{message}' },
  URI_TOO_LONG: { status: 414, type: 'about:blank', title: 'URI Too Long', detail: '{message}' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'about:blank', title: 'Unsupported Media Type', detail: '{message}' },
  EXPECTATION_FAILED: {
    status: 417,
    type: 'about:blank',
    title: 'Expectation Failed',
    detail: 'The service meets no expectation but 100-continue; send the request without this Expect header.',
  },
  TOO_MANY_REQUESTS: {
    status: 429,
    type: 'about:blank',
    title: 'Too Many Requests',
    detail: 'More than {max} requests in {seconds} seconds from this {scope}. Retry after {retryAfter} seconds.',
  },
  REQUEST_HEADER_FIELDS_TOO_LARGE: {
    status: 431,
    type: 'about:blank',
    title: 'Request Header Fields Too Large',
    detail: 'The request line and headers are larger than the service accepts (16 KiB).',
  },
  INTERNAL_ERROR: {
    status: 500,
    type: 'about:blank',
    title: 'Internal Server Error',
    detail: 'The request could not be completed. Quote the errorTicket when reporting this failure.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    type: 'about:blank',
    title: 'Service Unavailable',
    detail: 'The service cannot answer now. Retry after {retryAfter} seconds.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    type: 'about:blank',
    title: 'Service Unavailable',
    detail: 'The database is not available. Retry after {retryAfter} seconds.',
  },
  COUNTS_INCONSISTENT: {
    status: 503,
    type: 'urn:oc-numbers:problem:counts-inconsistent',
    title: 'Counts Inconsistent',
    detail:
      'The counts of numbers in removal are inconsistent and are not served until they are repaired. Retry after {retryAfter} seconds.',
  },
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEMS;

/** A problem as a handler or the filter describes it; the filter adds instance, errorTicket and traceId. */
export type Problem = Pick<ProblemFields, 'type' | 'title' | 'status' | 'detail' | 'errorCode'>;

/** The names of the `{placeholders}` of a detail template. */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** The parameters a code's detail needs: none, or one value per placeholder. */
export type DetailParameters<C extends ProblemCode> = [Placeholders<(typeof PROBLEMS)[C]['detail']>] extends [never]
  ? []
  : [Readonly<Record<Placeholders<(typeof PROBLEMS)[C]['detail']>, string | number>>];

/** The catalogue's problem for `code`, its detail filled in. */
export function problem<C extends ProblemCode>(code: C, ...[parameters]: DetailParameters<C>): Problem {
  const { status, type, title, detail } = PROBLEMS[code];
  const values: Readonly<Record<string, string | number>> = parameters ?? {};
  return {
    type,
    title,
    status,
    detail: detail.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name])),
    errorCode: code,
  };
}

export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === 'string' && Object.hasOwn(PROBLEMS, code);
}

/** The codes of an invalid request parameter: their detail names the parameter and the rule it broke. */
export type InvalidParameterCode = {
  [C in ProblemCode]: [Placeholders<(typeof PROBLEMS)[C]['detail']>] extends ['rule'] ? C : never;
}[ProblemCode];

export function isInvalidParameterCode(code: unknown): code is InvalidParameterCode {
  return isProblemCode(code) && PROBLEMS[code].detail.includes('{rule}');
}

/**
 * The codes of the HTTP errors the framework raises (Fastify for a body too large or of the
 * wrong type, Nest's router…), by status. Such an error describes itself: its message is the
 * detail. 404 and 503 are not here: the filter words them itself.
 */
const FRAMEWORK_CODES: ReadonlyMap<number, ProblemCode> = new Map(
  (
    [
      'BAD_REQUEST',
      'METHOD_NOT_ALLOWED',
      'NOT_ACCEPTABLE',
      'PAYLOAD_TOO_LARGE',
      'URI_TOO_LONG',
      'UNSUPPORTED_MEDIA_TYPE',
      'TOO_MANY_REQUESTS',
      'REQUEST_HEADER_FIELDS_TOO_LARGE',
    ] as const
  ).map((code) => [PROBLEMS[code].status, code]),
);

/**
 * The problem of a client error (4xx) the framework raised, in its own words. A status the
 * catalogue has no code for keeps its status and standard title under `BAD_REQUEST`: a client
 * error of a kind the service does not name (none that the framework raises today).
 */
export function frameworkProblem(status: number, message: string | undefined): Problem {
  const code = FRAMEWORK_CODES.get(status);
  if (code === undefined) {
    const title = STATUS_CODES[status] ?? PROBLEMS.BAD_REQUEST.title;
    return { type: 'about:blank', title, status, detail: message || title, errorCode: 'BAD_REQUEST' };
  }
  const { type, title } = PROBLEMS[code];
  return { type, title, status, detail: message || title, errorCode: code };
}
