import { expectedSummary, type TestDatabaseKind } from '@oc-numbers/testing';
import type { Request } from './exchange';

export const TENANT_A = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
export const TENANT_B = '0f8fad5b-d9cb-469f-a165-70867728950e';

/**
 * What the suite writes into a database it owns before the scenarios run: every status, two
 * tenants, numbers without a tenant and a row without a status.
 */
export const FIXTURE = [
  { telephoneNumber: '+14255550001', msTenantId: TENANT_A, removalStatus: 2 },
  { telephoneNumber: '+14255550002', msTenantId: TENANT_A, removalStatus: 2 },
  { telephoneNumber: '+14255550003', msTenantId: TENANT_A, removalStatus: 3 },
  { telephoneNumber: '+14255550004', msTenantId: TENANT_A, removalStatus: 0 },
  { telephoneNumber: '+14255550005', msTenantId: TENANT_A, removalStatus: 1 },
  { telephoneNumber: '+14255550006', msTenantId: TENANT_B, removalStatus: 3 },
  { telephoneNumber: '+14255550007', msTenantId: TENANT_B, removalStatus: null },
  { telephoneNumber: '+14255550008', msTenantId: null, removalStatus: 2 },
  { telephoneNumber: '+14255550009', msTenantId: null, removalStatus: 1 },
] as const;

const ALL = expectedSummary(FIXTURE);
const ONLY_A = expectedSummary(FIXTURE, TENANT_A);
const ONLY_B = expectedSummary(FIXTURE, TENANT_B);
const NONE = { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 };

/** Something done to a database the suite owns around one scenario, and undone after it. */
export interface Fault {
  readonly description: string;
  /** SQL run before the request; statements of a list run (and commit) one after the other. */
  readonly before: string | readonly string[];
  readonly after: string | readonly string[];
  /**
   * Run the SQL on the server's `postgres` database rather than the target's, with `{database}`
   * standing for the target's database name (to shut the target's database itself).
   */
  readonly onServer?: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly operationId: string;
  readonly request: Omit<Request, 'method' | 'path'>;
  readonly status: number;
  /** The exact body on the fixture, where the suite owns the database. */
  readonly body?: unknown;
  /** Further fields the body must have, wherever the suite runs. */
  readonly bodyMatches?: Record<string, unknown>;
  /** Further fields the body must have where the suite owns the database (they depend on the fixture). */
  readonly bodyMatchesOwned?: Record<string, unknown>;
  /**
   * Why the scenario changes data it did not create (a reconciliation's record, say): it runs only
   * on a database the suite owns, never against --base-url.
   */
  readonly changesData?: string;
  /** Response headers that must have these values. */
  readonly headers?: Record<string, string>;
  /** Needs a database the suite owns (to break it); not run against --base-url. */
  readonly fault?: Fault;
  /** Not sent through Prism, whose own HTTP server refuses the request before validating it. */
  readonly bypassPrism?: string;
  /** Only on these database kinds (the fault exists only there). */
  readonly kinds?: readonly TestDatabaseKind[];
  /** Sent to an instance the suite boots with a rate limit of 1, so that it answers 429. */
  readonly rateLimited?: boolean;
  /** Sent with this method instead of the operation's, to the operation's path (a 405). */
  readonly method?: string;
  /**
   * Sent by a client that trickles its headers in, never finishing the request, to an instance
   * the suite boots with a short request timeout (a 408).
   */
  readonly slowClient?: boolean;
  /** The values of the operation's path parameters (percent-encoded when sent). */
  readonly pathParams?: Readonly<Record<string, string>>;
  /**
   * Sent to an instance the suite boots with `AUTH_MODE=jwt` (and `METRICS_ACCESS`, `DOCS_ACCESS`
   * at `token`), with these credentials instead of the suite's token.
   */
  readonly credentials?: Credentials;
}

/**
 * What a scenario sent to the instance with authentication carries: no token; a token signed by a
 * key the instance does not know; or a token of the suite's issuer with these app roles and, in
 * its tenant claim, these tenants.
 */
export type Credentials =
  'none' | 'unknownKey' | { readonly roles: readonly string[]; readonly tenants?: readonly string[] };

export const SUMMARY = 'getNumberRemovalStatusSummary';
export const RECONCILE = 'reconcileTenantNumbers';
export const LIST = 'listNumbers';
export const TENANTS = 'listTenantRemovalSummaries';
const invalidTenant = { title: 'Invalid msTenantId', errorCode: 'INVALID_MS_TENANT_ID', status: 400 };
const tooManyRequests = { status: 429, title: 'Too Many Requests', errorCode: 'TOO_MANY_REQUESTS' };
const requestTimeout = { status: 408, title: 'Request Timeout', errorCode: 'REQUEST_TIMEOUT', instance: '' };
const methodNotAllowed = { status: 405, title: 'Method Not Allowed', errorCode: 'METHOD_NOT_ALLOWED' };
const databaseUnavailable = { status: 503, title: 'Service Unavailable', errorCode: 'DATABASE_UNAVAILABLE' };
const countsInconsistent = { status: 503, title: 'Counts Inconsistent', errorCode: 'COUNTS_INCONSISTENT' };

/** The target's database refuses every connection, its sessions cut (PostgreSQL only). */
const DATABASE_SHUT: Fault = {
  description: "the target's database shut to connections under the running service",
  onServer: true,
  // The refusal commits before the sessions are ended, and each end is waited for (up to 10 s):
  // in one string both ran in one transaction, and a pool that reconnected between the two got in.
  before: [
    'ALTER DATABASE {database} ALLOW_CONNECTIONS false',
    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()",
  ],
  after: 'ALTER DATABASE {database} ALLOW_CONNECTIONS true',
};

const LIFECYCLE = {
  ready: 'markNumbersReadyForRemoval',
  clear: 'clearNumbersRemovalStatus',
  remove: 'removeNumbers',
  history: 'getNumberHistory',
};
const ACTIONS = [LIFECYCLE.ready, LIFECYCLE.clear, LIFECYCLE.remove];

/** A JSON body, as the scenario sends it. */
const json = (body: unknown) => ({ body: JSON.stringify(body) });

/** Numbers no fixture holds: the actions find nothing to change, so repeats change nothing. */
const UNKNOWN = ['+19995550100', '+19995550101'];
/** A tenant without numbers, for final removal by tenant (nothing of anyone's to remove). */
const EMPTY_TENANT = 'ffffffff-0000-4000-8000-00000000e0e0';
/** A number a scenario adds, moves and takes away again, so that the fixture's counts stay. */
const TRANSIENT = '+19995550200';

const invalidBody = { status: 400, title: 'Invalid request body', errorCode: 'INVALID_REQUEST_BODY' };
const invalidNumbers = { status: 400, title: 'Invalid telephoneNumbers', errorCode: 'INVALID_TELEPHONE_NUMBERS' };
const internalError = { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' };

/** `oc_numbers` renamed away under the running service: every action's statement fails. */
const NUMBERS_AWAY: Fault = {
  description: 'the numbers table renamed away under the running service',
  before: 'ALTER TABLE oc_numbers RENAME TO oc_numbers_away',
  after: 'ALTER TABLE oc_numbers_away RENAME TO oc_numbers',
};

/** The scenarios of the lifecycle's actions and history. */
const LIFECYCLE_SCENARIOS: readonly Scenario[] = [
  {
    name: 'a MarkedForRemoval number is made ready; the others are reported as they are',
    operationId: LIFECYCLE.ready,
    request: json({ telephoneNumbers: [TRANSIENT, '+14255550004', '+14255550003', UNKNOWN[0]] }),
    status: 200,
    body: {
      data: {
        processedCount: 4,
        successCount: 1,
        results: [
          { telephoneNumber: TRANSIENT, outcome: 'changed' },
          { telephoneNumber: '+14255550004', outcome: 'wrongStatus', currentStatus: 0 },
          { telephoneNumber: '+14255550003', outcome: 'wrongStatus', currentStatus: 3 },
          { telephoneNumber: UNKNOWN[0], outcome: 'notFound' },
        ],
      },
      status: 'success',
      succeeded: true,
      message: '1 of 4 numbers moved to ReadyForRemoval.',
    },
    fault: {
      description: 'a MarkedForRemoval number added for the scenario, and removed after it',
      before: `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('${TRANSIENT}', '${EMPTY_TENANT}', 2)`,
      after: `DELETE FROM oc_numbers WHERE telephone_number = '${TRANSIENT}'`,
    },
  },
  {
    name: 'numbers not MarkedForRemoval or unknown: nothing changes',
    operationId: LIFECYCLE.ready,
    request: json({ telephoneNumbers: ['+14255550005', UNKNOWN[1]] }),
    status: 200,
    bodyMatches: { status: 'success', succeeded: true, data: { processedCount: 2, successCount: 0 } },
  },
  {
    name: 'ReadyForRemoval cannot be cleared; unknown numbers are reported',
    operationId: LIFECYCLE.clear,
    request: json({ telephoneNumbers: ['+14255550003', UNKNOWN[0]] }),
    status: 200,
    body: {
      data: {
        processedCount: 2,
        successCount: 0,
        results: [
          { telephoneNumber: '+14255550003', outcome: 'wrongStatus', currentStatus: 3 },
          { telephoneNumber: UNKNOWN[0], outcome: 'notFound' },
        ],
      },
      status: 'success',
      succeeded: true,
      message: '0 of 2 numbers returned to Active.',
    },
  },
  {
    name: 'numbers not ReadyForRemoval are not removed',
    operationId: LIFECYCLE.remove,
    request: json({ telephoneNumbers: ['+14255550001', UNKNOWN[1]] }),
    status: 200,
    body: {
      data: {
        processedCount: 2,
        successCount: 0,
        results: [
          { telephoneNumber: '+14255550001', outcome: 'wrongStatus', currentStatus: 2 },
          { telephoneNumber: UNKNOWN[1], outcome: 'notFound' },
        ],
      },
      status: 'success',
      succeeded: true,
      message: '0 of 2 numbers removed.',
    },
  },
  {
    name: 'a tenant without numbers has nothing to remove',
    operationId: LIFECYCLE.remove,
    request: json({ msTenantId: EMPTY_TENANT }),
    status: 200,
    body: {
      data: { processedCount: 0, successCount: 0, results: [], omittedResultCount: 0 },
      status: 'success',
      succeeded: true,
      message: "0 of the tenant's 0 numbers removed (those ReadyForRemoval).",
    },
  },
  ...ACTIONS.flatMap((operationId): Scenario[] => [
    {
      name: 'not JSON',
      operationId,
      request: { body: '{"telephoneNumbers": [' },
      status: 400,
      bodyMatches: { ...invalidBody, detail: 'The body is not valid JSON.' },
      bypassPrism: 'Prism cannot read the body and answers it itself, with a body of its own',
    },
    {
      name: 'no telephoneNumbers array',
      operationId,
      request: json({ telephoneNumbers: '+14255550001' }),
      status: 400,
      bodyMatches: invalidBody,
    },
    {
      name: 'over 500 entries',
      operationId,
      request: json({ telephoneNumbers: Array.from({ length: 501 }, (_, i) => `+1999${String(i).padStart(7, '0')}`) }),
      status: 400,
      bodyMatches: { ...invalidBody, detail: 'telephoneNumbers must hold 1 to 500 numbers (got 501).' },
    },
    {
      name: 'entries that are not E.164, and a duplicate',
      operationId,
      request: json({ telephoneNumbers: [UNKNOWN[0], '4255550001', UNKNOWN[0]] }),
      status: 400,
      bodyMatches: {
        ...invalidNumbers,
        detail: `2 entries of telephoneNumbers cannot be used: [1] "4255550001" is not E.164; [2] "${UNKNOWN[0]}" is a duplicate.`,
        offendingCount: '2',
      },
    },
    {
      name: 'a body over 16 KiB',
      operationId,
      request: json({ telephoneNumbers: Array.from({ length: 1500 }, (_, i) => `+1999${String(i).padStart(7, '0')}`) }),
      status: 413,
      bodyMatches: { status: 413, errorCode: 'PAYLOAD_TOO_LARGE' },
      bypassPrism: 'Prism refuses the body (over maxItems) before forwarding it',
    },
    {
      name: 'a body that is not JSON by its type',
      operationId,
      request: { body: UNKNOWN[0], headers: { 'content-type': 'text/plain' } },
      status: 415,
      bodyMatches: { status: 415, errorCode: 'UNSUPPORTED_MEDIA_TYPE' },
      bypassPrism: 'Prism refuses a media type the operation does not declare before forwarding it',
    },
    {
      name: 'the numbers table is gone',
      operationId,
      request: json({ telephoneNumbers: [UNKNOWN[0]] }),
      status: 500,
      bodyMatches: internalError,
      fault: NUMBERS_AWAY,
    },
    {
      name: 'the database refuses connections',
      operationId,
      request: json({ telephoneNumbers: [UNKNOWN[0]] }),
      status: 503,
      bodyMatches: databaseUnavailable,
      headers: { 'retry-after': '5' },
      fault: DATABASE_SHUT,
      kinds: ['postgres'],
    },
    {
      name: 'a client over its rate limit',
      operationId,
      request: json({ telephoneNumbers: [UNKNOWN[0]] }),
      status: 429,
      bodyMatches: { ...tooManyRequests, limit: 'client' },
      rateLimited: true,
    },
  ]),
  {
    name: 'both forms of removal at once',
    operationId: LIFECYCLE.remove,
    request: json({ telephoneNumbers: [UNKNOWN[0]], msTenantId: EMPTY_TENANT }),
    status: 400,
    bodyMatches: { ...invalidBody, detail: 'The body must have telephoneNumbers or msTenantId, not both.' },
  },
  {
    name: 'a tenant that is not a GUID',
    operationId: LIFECYCLE.remove,
    request: json({ msTenantId: 'not-a-guid' }),
    status: 400,
    bodyMatches: invalidTenant,
  },
  {
    name: 'a number without history',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+19995550300' },
    request: {},
    status: 200,
    body: { currentPage: 1, pageSize: 50, totalPages: 0, totalRecords: 0, data: [] },
  },
  {
    name: 'a number of the fixture, a page of one',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+14255550001' },
    request: { query: { page: '1', pageSize: '1' } },
    status: 200,
    bodyMatches: { currentPage: 1, pageSize: 1 },
  },
  {
    name: 'a number that is not E.164',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '14255550001' },
    request: {},
    status: 400,
    bodyMatches: { status: 400, title: 'Invalid telephoneNumber', errorCode: 'INVALID_TELEPHONE_NUMBER' },
  },
  {
    name: 'a page size over the cap',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+14255550001' },
    request: { query: { pageSize: '201' } },
    status: 400,
    bodyMatches: { status: 400, title: 'Invalid pageSize', errorCode: 'INVALID_PAGE_SIZE' },
  },
  {
    name: 'the history table is gone',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+14255550001' },
    request: {},
    status: 500,
    bodyMatches: internalError,
    fault: {
      description: 'the history table renamed away under the running service',
      before: 'ALTER TABLE oc_numbers_status_history RENAME TO oc_numbers_status_history_away',
      after: 'ALTER TABLE oc_numbers_status_history_away RENAME TO oc_numbers_status_history',
    },
  },
  {
    name: 'the database refuses connections',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+14255550001' },
    request: {},
    status: 503,
    bodyMatches: databaseUnavailable,
    headers: { 'retry-after': '5' },
    fault: DATABASE_SHUT,
    kinds: ['postgres'],
  },
  {
    name: 'history over the rate limit',
    operationId: LIFECYCLE.history,
    pathParams: { telephoneNumber: '+14255550001' },
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  // Methods the paths have no operation for, and clients too slow to send their request.
  ...[...ACTIONS, LIFECYCLE.history].flatMap((operationId): Scenario[] => {
    const pathParams = operationId === LIFECYCLE.history ? { telephoneNumber: '+14255550001' } : undefined;
    return [
      {
        name: 'a method the path has no operation for',
        operationId,
        pathParams,
        method: 'DELETE',
        request: {},
        status: 405,
        bodyMatches: methodNotAllowed,
        headers: { allow: operationId === LIFECYCLE.history ? 'GET, HEAD' : 'POST' },
        bypassPrism: 'Prism answers a method the contract has no operation for itself',
      },
      {
        name: 'a client too slow to send its request',
        operationId,
        pathParams,
        slowClient: true,
        request: {},
        status: 408,
        bodyMatches: requestTimeout,
        headers: { connection: 'close' },
        bypassPrism: 'the request never completes, so there is nothing for Prism to forward',
      },
    ];
  }),
];

const OPERATIONS = {
  liveness: 'getLiveness',
  readiness: 'getReadiness',
  metrics: 'getMetrics',
  docs: 'getApiDocs',
  yaml: 'getOpenApiYaml',
  json: 'getOpenApiJson',
};

/** A tenant no fixture or other scenario has numbers of: reconciling it changes no number. */
const TENANT_EMPTY = 'ffffffff-0000-4000-8000-00000000000e';
const JSON_BODY = { 'content-type': 'application/json' };
const reconcile = (
  tenant: string,
  body: unknown,
  query: Record<string, string> = {},
  headers: Record<string, string> = JSON_BODY,
): Scenario['request'] => ({
  pathParams: { msTenantId: tenant },
  query,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const reconcileInstance = (tenant: string) => `/api/v3/oc/tenants/${tenant}/numbers/reconcile`;
const ownTenantOnly = 'records a reconciliation, which the suite may only do on a database of its own';

export const ROLE = {
  readAll: 'OcNumbers.Read.All',
  readWriteAll: 'OcNumbers.ReadWrite.All',
  read: 'OcNumbers.Read',
  readWrite: 'OcNumbers.ReadWrite',
} as const;

/** A request each operation the contract secures takes (valid, so that Prism forwards it). */
interface SecuredOperation {
  readonly operationId: string;
  readonly request: Scenario['request'];
  readonly pathParams?: Readonly<Record<string, string>>;
  /** Whether the operation changes numbers (a write role), or reads (a read role). */
  readonly writes: boolean;
  /** For an operation that names a tenant: the same request, naming `tenant`. */
  readonly naming?: (tenant: string) => Pick<Scenario, 'request' | 'pathParams'>;
}

const SECURED: readonly SecuredOperation[] = [
  {
    operationId: SUMMARY,
    request: {},
    writes: false,
    naming: (tenant) => ({ request: { query: { msTenantId: tenant } } }),
  },
  {
    operationId: RECONCILE,
    request: { query: { dryRun: 'true' }, ...json({ acquiredNumbers: [] }) },
    pathParams: { msTenantId: TENANT_EMPTY },
    writes: true,
    naming: (tenant) => ({
      request: { query: { dryRun: 'true' }, ...json({ acquiredNumbers: [] }) },
      pathParams: { msTenantId: tenant },
    }),
  },
  {
    operationId: LIST,
    request: {},
    writes: false,
    naming: (tenant) => ({ request: { query: { msTenantId: tenant } } }),
  },
  { operationId: TENANTS, request: {}, writes: false },
  { operationId: LIFECYCLE.ready, request: json({ telephoneNumbers: UNKNOWN }), writes: true },
  { operationId: LIFECYCLE.clear, request: json({ telephoneNumbers: UNKNOWN }), writes: true },
  {
    operationId: LIFECYCLE.remove,
    request: json({ telephoneNumbers: UNKNOWN }),
    writes: true,
    naming: (tenant) => ({ request: json({ msTenantId: tenant }) }),
  },
  { operationId: LIFECYCLE.history, request: {}, pathParams: { telephoneNumber: UNKNOWN[0] }, writes: false },
  { operationId: OPERATIONS.metrics, request: {}, writes: false },
  { operationId: OPERATIONS.docs, request: {}, writes: false },
  { operationId: OPERATIONS.yaml, request: {}, writes: false },
  { operationId: OPERATIONS.json, request: {}, writes: false },
];

const unauthenticated = { status: 401, title: 'Unauthenticated', errorCode: 'UNAUTHENTICATED' };
const invalidToken = { status: 401, title: 'Invalid token', errorCode: 'INVALID_TOKEN' };
const insufficientRole = { status: 403, title: 'Insufficient role', errorCode: 'INSUFFICIENT_ROLE' };
const tenantForbidden = {
  status: 403,
  title: 'Tenant forbidden',
  errorCode: 'TENANT_FORBIDDEN',
  detail: 'The token does not reach this tenant.',
};

/**
 * Every operation the contract secures, on the instance with authentication: refused without a
 * token, with a token it cannot verify, without the role; refused when a tenant-limited caller
 * names another tenant, alike whether that tenant has numbers or none; served with the role.
 */
const AUTHENTICATION_SCENARIOS: readonly Scenario[] = SECURED.flatMap(
  ({ operationId, request, pathParams, writes, naming }): Scenario[] => [
    {
      name: 'no bearer token',
      operationId,
      request,
      pathParams,
      credentials: 'none',
      status: 401,
      bodyMatches: unauthenticated,
      headers: { 'www-authenticate': 'Bearer realm="oc-numbers"' },
      bypassPrism: 'Prism answers a request without the credentials the contract asks for itself',
    },
    {
      name: 'a token signed by a key the service does not know',
      operationId,
      request,
      pathParams,
      credentials: 'unknownKey',
      status: 401,
      bodyMatches: invalidToken,
    },
    {
      name: writes ? 'a token with a read role only' : 'a token without a role',
      operationId,
      request,
      pathParams,
      credentials: { roles: writes ? [ROLE.readAll] : [] },
      status: 403,
      bodyMatches: insufficientRole,
      headers: { 'www-authenticate': 'Bearer realm="oc-numbers", error="insufficient_scope"' },
    },
    {
      name: 'a token with the role',
      operationId,
      request,
      pathParams,
      credentials: { roles: [writes ? ROLE.readWriteAll : ROLE.readAll] },
      status: 200,
    },
    ...(naming
      ? [TENANT_B, TENANT_EMPTY].map((tenant): Scenario => ({
          name: `a tenant-limited token naming another tenant (${tenant === TENANT_B ? 'with numbers' : 'without numbers'})`,
          operationId,
          ...naming(tenant),
          credentials: { roles: [ROLE.readWrite], tenants: [TENANT_A] },
          status: 403,
          bodyMatches: tenantForbidden,
        }))
      : []),
  ],
);

/** What tenant-limited callers see without naming a tenant: their own tenants' figures only. */
const TENANT_LIMITED_SCENARIOS: readonly Scenario[] = [
  {
    name: "a tenant-limited token without msTenantId: its own tenant's counts",
    operationId: SUMMARY,
    request: {},
    credentials: { roles: [ROLE.read], tenants: [TENANT_A] },
    status: 200,
    body: ONLY_A,
  },
  {
    name: 'a tenant-limited token of two tenants without msTenantId: the sum of theirs',
    operationId: SUMMARY,
    request: {},
    credentials: { roles: [ROLE.read], tenants: [TENANT_A, TENANT_B] },
    status: 200,
    body: {
      markedForRemovalCount: ONLY_A.markedForRemovalCount + ONLY_B.markedForRemovalCount,
      readyForRemovalCount: ONLY_A.readyForRemovalCount + ONLY_B.readyForRemovalCount,
      totalCount: ONLY_A.totalCount + ONLY_B.totalCount,
    },
  },
  {
    name: "a tenant-limited token without msTenantId: its own tenant's numbers",
    operationId: LIST,
    request: {},
    credentials: { roles: [ROLE.read], tenants: [TENANT_B] },
    status: 200,
    bodyMatchesOwned: {
      totalRecords: FIXTURE.filter((n) => n.msTenantId === TENANT_B).length,
      data: FIXTURE.filter((n) => n.msTenantId === TENANT_B).map((n) => ({ telephoneNumber: n.telephoneNumber })),
    },
  },
  {
    name: 'a number of another tenant has no history for a tenant-limited token',
    operationId: LIFECYCLE.history,
    request: {},
    pathParams: { telephoneNumber: '+14255550001' },
    credentials: { roles: [ROLE.read], tenants: [TENANT_B] },
    status: 200,
    bodyMatches: { totalRecords: 0, data: [] },
  },
  {
    name: 'a number of another tenant is notFound for a tenant-limited token',
    operationId: LIFECYCLE.ready,
    request: json({ telephoneNumbers: ['+14255550001'] }),
    credentials: { roles: [ROLE.readWrite], tenants: [TENANT_B] },
    status: 200,
    body: {
      data: {
        processedCount: 1,
        successCount: 0,
        results: [{ telephoneNumber: '+14255550001', outcome: 'notFound' }],
      },
      status: 'success',
      succeeded: true,
      message: '0 of 1 number moved to ReadyForRemoval.',
    },
  },
];

/** The scenarios of each operation; together they must reach every response the contract documents. */
export const SCENARIOS: readonly Scenario[] = [
  ...LIFECYCLE_SCENARIOS,
  ...AUTHENTICATION_SCENARIOS,
  ...TENANT_LIMITED_SCENARIOS,
  { name: 'all tenants', operationId: SUMMARY, request: {}, status: 200, body: ALL },
  { name: 'empty msTenantId', operationId: SUMMARY, request: { query: { msTenantId: '' } }, status: 200, body: ALL },
  {
    name: 'white space msTenantId',
    operationId: SUMMARY,
    request: { query: { msTenantId: ' \t ' } },
    status: 200,
    body: ALL,
  },
  { name: 'one tenant', operationId: SUMMARY, request: { query: { msTenantId: TENANT_A } }, status: 200, body: ONLY_A },
  {
    name: 'one tenant, upper case',
    operationId: SUMMARY,
    request: { query: { msTenantId: TENANT_B.toUpperCase() } },
    status: 200,
    body: ONLY_B,
  },
  {
    name: 'a tenant without numbers',
    operationId: SUMMARY,
    request: { query: { msTenantId: 'ffffffff-0000-0000-0000-000000000000' } },
    status: 200,
    body: NONE,
  },
  {
    name: 'unknown parameters are ignored',
    operationId: SUMMARY,
    request: { query: { msTenantId: TENANT_A, page: '2', filter: 'x' } },
    status: 200,
    body: ONLY_A,
  },
  {
    name: 'the caller’s trace id is echoed',
    operationId: SUMMARY,
    request: { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
    status: 200,
    headers: { 'x-trace-id': '4bf92f3577b34da6a3ce929d0e0e4736' },
  },
  {
    name: 'msTenantId not a GUID',
    operationId: SUMMARY,
    request: { query: { msTenantId: 'not-a-guid' } },
    status: 400,
    bodyMatches: { ...invalidTenant, instance: '/api/v3/oc/numbers/removal-status/summary' },
  },
  {
    name: 'msTenantId repeated',
    operationId: SUMMARY,
    request: { query: { msTenantId: [TENANT_A, TENANT_B] } },
    status: 400,
    bodyMatches: { ...invalidTenant, detail: 'msTenantId must be given at most once.' },
  },
  {
    name: 'msTenantId with a bad percent-encoding',
    operationId: SUMMARY,
    request: { rawQuery: 'msTenantId=%ZZ' },
    status: 400,
    bodyMatches: invalidTenant,
  },
  {
    name: 'a request head over 16 KiB',
    operationId: SUMMARY,
    request: { query: { msTenantId: 'f'.repeat(17_000) } },
    status: 431,
    bodyMatches: { errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE', instance: '' },
    bypassPrism: 'Prism’s own server has the same 16 KiB limit',
  },
  {
    name: 'a table the summary reads is gone',
    operationId: SUMMARY,
    request: {},
    status: 500,
    bodyMatches: { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' },
    fault: {
      description: 'the all-tenant count table renamed away under the running service',
      before: 'ALTER TABLE oc_numbers_removal_totals RENAME TO oc_numbers_removal_totals_away',
      after: 'ALTER TABLE oc_numbers_removal_totals_away RENAME TO oc_numbers_removal_totals',
    },
  },
  {
    name: 'a client over its rate limit',
    operationId: SUMMARY,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the database refuses connections',
    operationId: SUMMARY,
    request: {},
    status: 503,
    bodyMatches: databaseUnavailable,
    headers: { 'retry-after': '5' },
    fault: DATABASE_SHUT,
    kinds: ['postgres'],
  },
  {
    name: 'the counts are impossible',
    operationId: SUMMARY,
    request: {},
    status: 503,
    bodyMatches: countsInconsistent,
    headers: { 'retry-after': '60' },
    fault: {
      // What a program that writes the counters by hand, or rows without the triggers, leaves.
      description: "the totals' counter made negative behind the triggers' back, then repaired",
      before: 'UPDATE oc_numbers_removal_totals SET ready_for_removal = ready_for_removal - 5',
      after: 'UPDATE oc_numbers_removal_totals SET ready_for_removal = ready_for_removal + 5',
    },
  },
  {
    name: 'the first page of every number',
    operationId: LIST,
    request: { query: { pageSize: '3' } },
    status: 200,
    bodyMatches: { currentPage: 1, pageSize: 3 },
  },
  {
    name: 'numbers in removal of one tenant, by page',
    operationId: LIST,
    request: { query: { acquiredNumberStatus: ['2', '3'], msTenantId: TENANT_A.toUpperCase(), page: '1' } },
    status: 200,
    bodyMatches: { currentPage: 1, pageSize: 100 },
  },
  {
    name: 'numbers of a prefix',
    operationId: LIST,
    request: { query: { telephoneNumberPrefix: '+1425555000' } },
    status: 200,
    bodyMatches: { currentPage: 1 },
  },
  {
    name: 'the CSV export',
    operationId: LIST,
    request: { query: { acquiredNumberStatus: '2' }, headers: { accept: 'text/csv' } },
    status: 200,
    headers: { 'content-type': 'text/csv; charset=utf-8' },
  },
  {
    name: 'a status that does not exist',
    operationId: LIST,
    request: { query: { acquiredNumberStatus: '7' } },
    status: 400,
    bodyMatches: {
      status: 400,
      errorCode: 'INVALID_ACQUIRED_NUMBER_STATUS',
      detail: 'acquiredNumberStatus must be an integer from 0 to 3 (got "7").',
    },
  },
  {
    name: 'a made-up cursor',
    operationId: LIST,
    request: { query: { cursor: 'bm90LWEtY3Vyc29y' } },
    status: 400,
    bodyMatches: { status: 400, errorCode: 'INVALID_CURSOR', title: 'Invalid cursor' },
  },
  {
    name: 'a page size over the cap',
    operationId: LIST,
    request: { query: { pageSize: '5000' } },
    status: 400,
    bodyMatches: { status: 400, errorCode: 'INVALID_PAGE_SIZE' },
  },
  {
    name: 'an Accept that names neither JSON nor CSV',
    operationId: LIST,
    request: { headers: { accept: 'application/xml' } },
    status: 406,
    bodyMatches: { status: 406, errorCode: 'NOT_ACCEPTABLE', title: 'Not Acceptable' },
  },
  {
    name: 'a request head over 16 KiB',
    operationId: LIST,
    request: { query: { telephoneNumberPrefix: '1'.repeat(17_000) } },
    status: 431,
    bodyMatches: { errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE', instance: '' },
    bypassPrism: 'Prism’s own server has the same 16 KiB limit',
  },
  {
    name: 'a table the list reads is gone',
    operationId: LIST,
    request: {},
    status: 500,
    bodyMatches: { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' },
    fault: {
      description: 'the all-tenant count table renamed away under the running service',
      before: 'ALTER TABLE oc_numbers_removal_totals RENAME TO oc_numbers_removal_totals_away',
      after: 'ALTER TABLE oc_numbers_removal_totals_away RENAME TO oc_numbers_removal_totals',
    },
  },
  {
    name: 'a client over its rate limit',
    operationId: LIST,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the counts are impossible',
    operationId: LIST,
    request: {},
    status: 503,
    bodyMatches: countsInconsistent,
    headers: { 'retry-after': '60' },
    fault: {
      description: "the totals' Active counter made negative behind the triggers' back, then repaired",
      before: 'UPDATE oc_numbers_removal_totals SET active = active - 100',
      after: 'UPDATE oc_numbers_removal_totals SET active = active + 100',
    },
  },
  {
    name: 'the database refuses connections',
    operationId: LIST,
    request: {},
    status: 503,
    bodyMatches: databaseUnavailable,
    headers: { 'retry-after': '5' },
    fault: DATABASE_SHUT,
    kinds: ['postgres'],
  },
  {
    name: 'the tenants, most numbers in removal first',
    operationId: TENANTS,
    request: {},
    status: 200,
    bodyMatches: { currentPage: 1, pageSize: 100 },
  },
  {
    name: 'the second page of one tenant each',
    operationId: TENANTS,
    request: { query: { page: '2', pageSize: '1' } },
    status: 200,
    bodyMatches: { currentPage: 2, pageSize: 1 },
  },
  {
    name: 'a page that is not a number',
    operationId: TENANTS,
    request: { query: { page: 'first' } },
    status: 400,
    bodyMatches: {
      status: 400,
      errorCode: 'INVALID_PAGE',
      detail: 'page must be an integer from 1 to 100000 (got "first").',
    },
  },
  {
    name: 'a request head over 16 KiB',
    operationId: TENANTS,
    request: { query: { page: '1'.repeat(17_000) } },
    status: 431,
    bodyMatches: { errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE', instance: '' },
    bypassPrism: 'Prism’s own server has the same 16 KiB limit',
  },
  {
    name: 'a table the view reads is gone',
    operationId: TENANTS,
    request: {},
    status: 500,
    bodyMatches: { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' },
    fault: {
      description: 'the per-tenant count table renamed away under the running service',
      before: 'ALTER TABLE oc_numbers_removal_counts RENAME TO oc_numbers_removal_counts_away',
      after: 'ALTER TABLE oc_numbers_removal_counts_away RENAME TO oc_numbers_removal_counts',
    },
  },
  {
    name: 'a client over its rate limit',
    operationId: TENANTS,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the counts are impossible',
    operationId: TENANTS,
    request: {},
    status: 503,
    bodyMatches: countsInconsistent,
    headers: { 'retry-after': '60' },
    fault: {
      description: "a tenant's counter made negative behind the triggers' back, then repaired",
      // An upsert: on PostgreSQL the tenant's base row exists only once its deltas are compacted.
      before:
        `INSERT INTO oc_numbers_removal_counts (ms_tenant_id, ready_for_removal) VALUES ('${TENANT_B}', -50) ` +
        'ON CONFLICT (ms_tenant_id) DO UPDATE SET ready_for_removal = oc_numbers_removal_counts.ready_for_removal - 50',
      after: `UPDATE oc_numbers_removal_counts SET ready_for_removal = ready_for_removal + 50 WHERE ms_tenant_id = '${TENANT_B}'`,
    },
  },
  {
    name: 'the process is up',
    operationId: OPERATIONS.liveness,
    request: {},
    status: 200,
    body: { status: 'ok', info: {}, error: {}, details: {} },
  },
  {
    name: 'liveness over the rate limit',
    operationId: OPERATIONS.liveness,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the database answers',
    operationId: OPERATIONS.readiness,
    request: {},
    status: 200,
    bodyMatches: { status: 'ok', info: { database: { status: 'up' } } },
  },
  {
    name: 'readiness over the rate limit',
    operationId: OPERATIONS.readiness,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the database refuses connections',
    operationId: OPERATIONS.readiness,
    request: {},
    status: 503,
    bodyMatches: { ...databaseUnavailable, instance: '/health/ready' },
    headers: { 'retry-after': '5' },
    fault: DATABASE_SHUT,
    kinds: ['postgres'],
  },
  { name: 'the metrics', operationId: OPERATIONS.metrics, request: {}, status: 200 },
  {
    name: 'metrics over the rate limit',
    operationId: OPERATIONS.metrics,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  { name: 'the documentation page', operationId: OPERATIONS.docs, request: {}, status: 200 },
  {
    name: 'docs over the rate limit',
    operationId: OPERATIONS.docs,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  { name: 'the contract as YAML', operationId: OPERATIONS.yaml, request: {}, status: 200 },
  {
    name: 'YAML over the rate limit',
    operationId: OPERATIONS.yaml,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the contract as JSON',
    operationId: OPERATIONS.json,
    request: {},
    status: 200,
    bodyMatches: { openapi: '3.1.0' },
  },
  {
    name: 'JSON over the rate limit',
    operationId: OPERATIONS.json,
    request: {},
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'a dry run restores, keeps and reports unknown numbers, changing nothing',
    operationId: RECONCILE,
    request: reconcile(
      TENANT_A,
      { acquiredNumbers: ['+14255550001', '+14255550004', '+14255559999'] },
      {
        dryRun: 'true',
      },
    ),
    status: 200,
    bodyMatches: { msTenantId: TENANT_A, dryRun: true },
    bodyMatchesOwned: {
      massRemovalGuard: 'passed',
      acquiredCount: 3,
      activeCount: 1,
      markedCount: 0,
      restoredCount: 1,
      unchangedCount: 1,
      unknownCount: 1,
      restored: ['+14255550001'],
      unchanged: ['+14255550004'],
      unknown: ['+14255559999'],
    },
  },
  {
    name: 'a dry run of a CSV list with a header',
    operationId: RECONCILE,
    request: reconcile(
      TENANT_B.toUpperCase(),
      'telephoneNumber\r\n+14255550007\r\n',
      { dryRun: 'true' },
      {
        'content-type': 'text/csv',
      },
    ),
    status: 200,
    bodyMatches: { msTenantId: TENANT_B, dryRun: true },
    bodyMatchesOwned: { activeCount: 1, markedCount: 0, unchangedCount: 1, unchanged: ['+14255550007'] },
  },
  {
    name: 'a dry run of an empty list says the guard would refuse it',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: [] }, { dryRun: 'true' }),
    status: 200,
    bodyMatches: { dryRun: true, massRemovalGuard: 'wouldRefuse' },
  },
  {
    name: 'a tenant without numbers: every listed number unknown, none created',
    operationId: RECONCILE,
    request: reconcile(TENANT_EMPTY, { acquiredNumbers: ['+14255559998'] }),
    status: 200,
    bodyMatches: { dryRun: false, markedCount: 0, restoredCount: 0, unknownCount: 1, unknown: ['+14255559998'] },
    changesData: ownTenantOnly,
  },
  {
    name: 'the path’s tenant id is not a GUID',
    operationId: RECONCILE,
    request: reconcile('not-a-guid', { acquiredNumbers: [] }),
    status: 400,
    bodyMatches: { ...invalidTenant, instance: reconcileInstance('not-a-guid') },
  },
  {
    name: 'dryRun is not a flag',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: [] }, { dryRun: 'maybe' }),
    status: 400,
    bodyMatches: { errorCode: 'INVALID_PARAMETER', detail: 'dryRun must be true or false.' },
  },
  {
    name: 'the body is not JSON',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, '{"acquiredNumbers": ['),
    status: 400,
    bodyMatches: { errorCode: 'INVALID_REQUEST_BODY', detail: 'The body is not valid JSON.' },
    bypassPrism: 'Prism answers a body that is not JSON itself, with a 400 of its own',
  },
  {
    name: 'entries that are not E.164 or repeated',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: ['+14255550004', '4255550004', '+14255550004'] }),
    status: 400,
    bodyMatches: {
      errorCode: 'INVALID_ACQUIRED_NUMBERS',
      detail:
        '2 entries of acquiredNumbers cannot be used (the first 2 named): [1] "4255550004": not E.164; ' +
        '[2] "+14255550004": duplicate.',
    },
  },
  {
    name: 'an empty list is refused by the mass-removal guard, changing nothing',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: [] }),
    status: 409,
    bodyMatches: { errorCode: 'MASS_REMOVAL_GUARD', title: 'Mass removal refused' },
  },
  {
    name: 'more than 1,000,000 numbers',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, '1\n'.repeat(1_000_001), {}, { 'content-type': 'text/csv' }),
    status: 413,
    bodyMatches: { errorCode: 'TOO_MANY_NUMBERS' },
  },
  {
    name: 'a body that is neither JSON nor CSV',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, '+14255550004', {}, { 'content-type': 'text/plain' }),
    status: 415,
    bodyMatches: { errorCode: 'UNSUPPORTED_MEDIA_TYPE' },
    bypassPrism: 'Prism answers a media type the contract does not list itself',
  },
  {
    name: 'a client over its rate limit',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: [] }, { dryRun: 'true' }),
    status: 429,
    bodyMatches: tooManyRequests,
    rateLimited: true,
  },
  {
    name: 'the reconciliations table is gone',
    operationId: RECONCILE,
    request: reconcile(TENANT_EMPTY, { acquiredNumbers: ['+14255559997'] }),
    status: 500,
    bodyMatches: { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' },
    fault: {
      description: 'the reconciliations table renamed away under the running service',
      before: 'ALTER TABLE oc_numbers_reconciliations RENAME TO oc_numbers_reconciliations_away',
      after: 'ALTER TABLE oc_numbers_reconciliations_away RENAME TO oc_numbers_reconciliations',
    },
  },
  {
    name: 'the database refuses connections',
    operationId: RECONCILE,
    request: reconcile(TENANT_A, { acquiredNumbers: [] }, { dryRun: 'true' }),
    status: 503,
    bodyMatches: databaseUnavailable,
    headers: { 'retry-after': '5' },
    fault: DATABASE_SHUT,
    kinds: ['postgres'],
  },
  {
    name: 'a method the path has no operation for',
    operationId: RECONCILE,
    method: 'GET',
    request: { pathParams: { msTenantId: TENANT_A } },
    status: 405,
    bodyMatches: methodNotAllowed,
    headers: { allow: 'POST' },
    bypassPrism: 'Prism answers a method the contract has no operation for itself',
  },
  {
    name: 'a client too slow to send its request',
    operationId: RECONCILE,
    slowClient: true,
    request: { pathParams: { msTenantId: TENANT_A } },
    status: 408,
    bodyMatches: requestTimeout,
    headers: { connection: 'close' },
    bypassPrism: 'the request never completes, so there is nothing for Prism to forward',
  },
  // The other paths have GET operations only: any other method is refused with the methods they have.
  ...[SUMMARY, LIST, TENANTS, ...Object.values(OPERATIONS)].map((operationId): Scenario => ({
    name: 'a method the path has no operation for',
    operationId,
    method: 'DELETE',
    request: {},
    status: 405,
    bodyMatches: methodNotAllowed,
    headers: { allow: 'GET, HEAD' },
    bypassPrism: 'Prism answers a method the contract has no operation for itself',
  })),
  // A client that does not send its whole request within the request timeout, on every path.
  ...[SUMMARY, LIST, TENANTS, ...Object.values(OPERATIONS)].map((operationId): Scenario => ({
    name: 'a client too slow to send its request',
    operationId,
    slowClient: true,
    request: {},
    status: 408,
    bodyMatches: requestTimeout,
    headers: { connection: 'close' },
    bypassPrism: 'the request never completes, so there is nothing for Prism to forward',
  })),
];
