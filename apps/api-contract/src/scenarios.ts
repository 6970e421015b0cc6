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

const ALL = { markedForRemovalCount: 3, readyForRemovalCount: 2, totalCount: 5 };
const ONLY_A = { markedForRemovalCount: 2, readyForRemovalCount: 1, totalCount: 3 };
const ONLY_B = { markedForRemovalCount: 0, readyForRemovalCount: 1, totalCount: 1 };
const NONE = { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 };

/** Something done to a database the suite owns around one scenario, and undone after it. */
export interface Fault {
  readonly description: string;
  readonly before: string;
  readonly after: string;
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
  /** Response headers that must have these values. */
  readonly headers?: Record<string, string>;
  /** Needs a database the suite owns (to break it); not run against --base-url. */
  readonly fault?: Fault;
  /** Not sent through Prism, whose own HTTP server refuses the request before validating it. */
  readonly bypassPrism?: string;
}

const SUMMARY = 'getNumberRemovalStatusSummary';
const invalidTenant = { title: 'Invalid msTenantId', errorCode: 'INVALID_MS_TENANT_ID', status: 400 };

/** The scenarios of each operation; together they must reach every response the contract documents. */
export const SCENARIOS: readonly Scenario[] = [
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
    name: 'the table is gone',
    operationId: SUMMARY,
    request: {},
    status: 500,
    bodyMatches: { errorCode: 'INTERNAL_ERROR', title: 'Internal Server Error' },
    fault: {
      description: 'oc_numbers renamed away under the running service',
      before: 'ALTER TABLE oc_numbers RENAME TO oc_numbers_away',
      after: 'ALTER TABLE oc_numbers_away RENAME TO oc_numbers',
    },
  },
];
