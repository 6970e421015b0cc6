/**
 * GENERATED FILE: do not edit. Written by tools/client-gen from openapi/oc-numbers.yaml;
 * regenerate it with `npm run generate`. `npm run check:generated` fails when it differs from what
 * the generator writes.
 *
 * A typed client of the OC Numbers API: one function per operation of the contract, over
 * openapi-fetch and the contract's generated types.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { operations, paths, ProblemDetails } from '@oc-numbers/contracts';

export type * from '@oc-numbers/contracts';

/** The openapi-fetch client over the contract's paths, for any operation. */
export type OcNumbersFetchClient = Client<paths>;

/** An error answer of the service: its HTTP status and, when it sent one, the problem details. */
export class OcNumbersApiError extends Error {
  constructor(
    readonly status: number,
    /** The parsed problem+json body; undefined when the answer was not one (a proxy's page, say). */
    readonly problem: ProblemDetails | undefined,
  ) {
    super(
      problem
        ? `${status} ${problem.title}: ${problem.detail} (errorTicket ${problem.errorTicket}, traceId ${problem.traceId})`
        : `The service answered ${status} without a problem details body`,
    );
    this.name = 'OcNumbersApiError';
  }
}

/** For one call: a signal that cancels it, and headers sent besides the client's (a `traceparent`, say). */
export interface OcNumbersCallOptions {
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A bearer token, or a function that gives one: called before every request (so it can hand out
 * a cached token and fetch a new one when it expires, as MSAL's `acquireTokenByClientCredential`
 * does).
 */
export type OcNumbersTokenProvider = string | (() => string | Promise<string>);

export type OcNumbersClientOptions = ClientOptions & {
  /** Where the service is, e.g. `http://localhost:3000`. */
  readonly baseUrl: string;
  /**
   * The bearer token every request sends in `Authorization: Bearer <token>` (a service with
   * `AUTH_MODE=jwt` answers 401 without one). A function is called for each request; when it
   * throws or rejects, the call rejects with its error and nothing is sent.
   */
  readonly token?: OcNumbersTokenProvider;
};

/** Sends the token of `provider` with every request of `fetchClient`. */
function authorize(fetchClient: OcNumbersFetchClient, provider: OcNumbersTokenProvider): void {
  fetchClient.use({
    async onRequest({ request }) {
      const token = typeof provider === 'function' ? await provider() : provider;
      if (typeof token !== 'string' || token === '') {
        throw new TypeError('The token provider of the OC Numbers client gave no token');
      }
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  });
}

function isProblem(value: unknown): value is ProblemDetails {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemDetails).status === 'number' &&
    typeof (value as ProblemDetails).title === 'string'
  );
}

/**
 * The body of a 2xx answer (undefined when it has none), or an OcNumbersApiError for any other.
 * The functions' declared types say which body it is; openapi-fetch read it as their media type.
 */
function settle<T>({ data, error, response }: { data?: unknown; error?: unknown; response: Response }): T {
  if (response.ok) return data as T;
  throw new OcNumbersApiError(response.status, isProblem(error) ? error : undefined);
}

/** The operations of the contract, one function each. */
export interface OcNumbersClient {
  /** The raw openapi-fetch client, typed by the contract, for what the functions do not cover. */
  readonly fetchClient: OcNumbersFetchClient;

  /**
   * Get the number removal status summary
   *
   * Counts the numbers that are marked for removal (status 2) and ready for removal
   * (status 3), for one customer tenant or across all tenants, for monitoring and reporting.
   *
   * - `markedForRemovalCount`: numbers missing from the Operator Connect acquired numbers list.
   * - `readyForRemovalCount`: numbers confirmed deleted and waiting for final removal.
   * - `totalCount`: the sum of the two. Active (0) and ReleaseRequested (1) numbers are
   *   never counted.
   *
   * Without `msTenantId` (or with an empty or blank value) the counts cover every tenant,
   * including numbers that belong to no tenant. For a caller with a tenant-limited role
   * (`OcNumbers.Read`, `OcNumbers.ReadWrite`) they cover only the tenants its token names
   * (no number without a tenant), and an `msTenantId` its token does not name is a 403
   * `TENANT_FORBIDDEN`.
   *
   * `GET /api/v3/oc/numbers/removal-status/summary` (operation `getNumberRemovalStatusSummary`).
   * Resolves to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an
   * error answer (documented: 400, 401, 403, 405, 408, 429, 431, 500, 503).
   *
   * @param query - the query parameters: `msTenantId`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getNumberRemovalStatusSummary(
    query?: operations['getNumberRemovalStatusSummary']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['getNumberRemovalStatusSummary']['responses'][200]['content']['application/json']>;

  /**
   * Reconcile a tenant's numbers with Microsoft's acquired numbers list
   *
   * Hands over the complete list of numbers Microsoft reports as acquired for one customer
   * tenant (the operator's sync job), and brings the tenant's numbers in line with it, in one
   * transaction:
   *
   * - an Active number of the tenant (status 0, or no status) missing from the list becomes
   *   MarkedForRemoval (2);
   * - a MarkedForRemoval number present in the list again becomes Active (0);
   * - numbers in other statuses (ReleaseRequested, ReadyForRemoval) are left as they are;
   * - numbers in the list that the inventory does not hold for this tenant are reported as
   *   unknown, never created.
   *
   * The answer counts the numbers of each kind (`unchangedCount`: numbers in the list that
   * the tenant holds and that keep their status) and lists the first 100 of each kind in
   * number order. A reconciliation that changes statuses has a `reconciliationId` that the
   * numbers' status history refers to.
   *
   * **Mass-removal guard.** A list that would mark more than `RECONCILE_MAX_REMOVAL_SHARE`
   * (default 0.2, that is 20 %) of the tenant's Active numbers, and any empty list, is
   * refused with a 409 (`errorCode` `MASS_REMOVAL_GUARD`) that says how many numbers would be
   * marked of how many Active, and nothing changes: a truncated download from Microsoft must
   * not start the removal of a whole tenant. Send `confirmMassRemoval=true` when the removal
   * is meant. Exactly the share is allowed.
   *
   * **Dry run.** With `dryRun=true` the answer says exactly what the same request would
   * change, and nothing changes (no `reconciliationId`); a list the guard would refuse is
   * answered 200 with `massRemovalGuard: wouldRefuse`.
   *
   * **Body.** `application/json` (`{"acquiredNumbers": ["+14255550101", …]}`) or `text/csv`
   * (one number a line; an optional header line that is not a number, such as
   * `telephoneNumber`; a blank last line is allowed), up to 1,000,000 numbers, each in E.164
   * form (`+`, then 2 to 15 digits, the first not 0), each once. This operation alone
   * accepts bodies up to 32 MiB (enough for 1,000,000 numbers in either form, indented JSON
   * included); every other operation accepts 16 KiB. A malformed body is refused with a
   * problem that names the first 20 offending entries (their position in the array, or
   * their line in the CSV) and how many there are in all; nothing changes.
   *
   * Reconciliations of one tenant run one after the other; those of other tenants, other
   * writers and the summary never wait for them.
   *
   * A caller with a tenant-limited role (`OcNumbers.ReadWrite`) reconciles only the tenants
   * its token names; any other tenant is a 403 `TENANT_FORBIDDEN`, whether it has numbers or
   * not.
   *
   * `POST /api/v3/oc/tenants/{msTenantId}/numbers/reconcile` (operation `reconcileTenantNumbers`).
   * Resolves to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an
   * error answer (documented: 400, 401, 403, 405, 408, 409, 413, 415, 429, 500, 503).
   *
   * @param path - the path parameters: `msTenantId`
   * @param body - the request body, sent as `application/json`
   * @param query - the query parameters: `dryRun`, `confirmMassRemoval`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  reconcileTenantNumbers(
    path: operations['reconcileTenantNumbers']['parameters']['path'],
    body: NonNullable<operations['reconcileTenantNumbers']['requestBody']>['content']['application/json'],
    query?: operations['reconcileTenantNumbers']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['reconcileTenantNumbers']['responses'][200]['content']['application/json']>;

  /**
   * Reconcile a tenant's numbers with Microsoft's acquired numbers list
   *
   * Hands over the complete list of numbers Microsoft reports as acquired for one customer
   * tenant (the operator's sync job), and brings the tenant's numbers in line with it, in one
   * transaction:
   *
   * - an Active number of the tenant (status 0, or no status) missing from the list becomes
   *   MarkedForRemoval (2);
   * - a MarkedForRemoval number present in the list again becomes Active (0);
   * - numbers in other statuses (ReleaseRequested, ReadyForRemoval) are left as they are;
   * - numbers in the list that the inventory does not hold for this tenant are reported as
   *   unknown, never created.
   *
   * The answer counts the numbers of each kind (`unchangedCount`: numbers in the list that
   * the tenant holds and that keep their status) and lists the first 100 of each kind in
   * number order. A reconciliation that changes statuses has a `reconciliationId` that the
   * numbers' status history refers to.
   *
   * **Mass-removal guard.** A list that would mark more than `RECONCILE_MAX_REMOVAL_SHARE`
   * (default 0.2, that is 20 %) of the tenant's Active numbers, and any empty list, is
   * refused with a 409 (`errorCode` `MASS_REMOVAL_GUARD`) that says how many numbers would be
   * marked of how many Active, and nothing changes: a truncated download from Microsoft must
   * not start the removal of a whole tenant. Send `confirmMassRemoval=true` when the removal
   * is meant. Exactly the share is allowed.
   *
   * **Dry run.** With `dryRun=true` the answer says exactly what the same request would
   * change, and nothing changes (no `reconciliationId`); a list the guard would refuse is
   * answered 200 with `massRemovalGuard: wouldRefuse`.
   *
   * **Body.** `application/json` (`{"acquiredNumbers": ["+14255550101", …]}`) or `text/csv`
   * (one number a line; an optional header line that is not a number, such as
   * `telephoneNumber`; a blank last line is allowed), up to 1,000,000 numbers, each in E.164
   * form (`+`, then 2 to 15 digits, the first not 0), each once. This operation alone
   * accepts bodies up to 32 MiB (enough for 1,000,000 numbers in either form, indented JSON
   * included); every other operation accepts 16 KiB. A malformed body is refused with a
   * problem that names the first 20 offending entries (their position in the array, or
   * their line in the CSV) and how many there are in all; nothing changes.
   *
   * Reconciliations of one tenant run one after the other; those of other tenants, other
   * writers and the summary never wait for them.
   *
   * A caller with a tenant-limited role (`OcNumbers.ReadWrite`) reconciles only the tenants
   * its token names; any other tenant is a 403 `TENANT_FORBIDDEN`, whether it has numbers or
   * not.
   *
   * `POST /api/v3/oc/tenants/{msTenantId}/numbers/reconcile` (operation `reconcileTenantNumbers`);
   * this form sends the body as `text/csv`. Resolves to the parsed body of the 200 answer; rejects
   * with {@link OcNumbersApiError} on an error answer (documented: 400, 401, 403, 405, 408, 409,
   * 413, 415, 429, 500, 503).
   *
   * @param path - the path parameters: `msTenantId`
   * @param body - the request body, sent as `text/csv`
   * @param query - the query parameters: `dryRun`, `confirmMassRemoval`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  reconcileTenantNumbersCsv(
    path: operations['reconcileTenantNumbers']['parameters']['path'],
    body: NonNullable<operations['reconcileTenantNumbers']['requestBody']>['content']['text/csv'],
    query?: operations['reconcileTenantNumbers']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['reconcileTenantNumbers']['responses'][200]['content']['application/json']>;

  /**
   * List numbers
   *
   * Lists the inventory's numbers, filtered by status, tenant and number prefix, in the
   * vendor's page shape, ordered by `telephoneNumber` (unique, so the order is stable).
   *
   * **Two ways to page.** `page` and `pageSize` give numbered pages (`currentPage`,
   * `totalPages`), for the first few thousand records: the page must start within the first
   * 100,000 matching records, since skipping rows costs in proportion to how many are
   * skipped. To walk further, or to walk everything, follow `nextCursor`: pass it as `cursor`
   * with the same filters to get the next page. A cursor names the last number of its page, so
   * a walk neither skips nor repeats a number that existed and matched the filters
   * throughout, however many rows are inserted, deleted or changed meanwhile; numbers that
   * appear, disappear or change status during the walk may or may not be in it. A cursor only
   * serves the filters it was made for; `cursor` with `page` is a 400. The last page has no
   * `nextCursor`.
   *
   * **totalRecords** is exact, at the time of the request, and cheap: for any combination of
   * status and tenant filters it is read from counters the database keeps (a few rows,
   * whatever the table's size). With `telephoneNumberPrefix` it is counted over the numbers of
   * that prefix (a range of the number index), which costs in proportion to how many numbers
   * share the prefix: narrow prefixes are cheap, `+1` over millions of numbers is not.
   *
   * **CSV.** With `Accept: text/csv` the answer is every number that matches the filters (not
   * one page: `page`, `pageSize` and `cursor` are refused), as `text/csv; charset=utf-8`, a
   * header line then one line per number, in number order, columns `telephoneNumber`,
   * `msTenantId` (empty when none), `acquiredNumberStatus` (0–3), `removalStatusChangedAt`
   * (ISO 8601 UTC, empty when never), `createdAt`. It is streamed as the database is read, in
   * batches of numbers walked as a cursor walks them (with the same guarantee), so an export
   * of millions of numbers holds neither the whole result in memory nor a database
   * connection between batches, and waits for a slow client. A failure after the first line
   * was sent cannot become a problem any more: the service cuts the transfer, and the client
   * sees an incomplete response (no final chunk) rather than a short file that looks whole.
   *
   * **Tenant-limited callers.** For a caller with a tenant-limited role (`OcNumbers.Read`,
   * `OcNumbers.ReadWrite`) the list and its `totalRecords`, in JSON and CSV, hold only the
   * numbers of the tenants its token names: without `msTenantId`, those tenants' numbers
   * (no number without a tenant); an `msTenantId` its token does not name is a 403
   * `TENANT_FORBIDDEN`.
   *
   * `GET /api/v3/oc/numbers` (operation `listNumbers`). Resolves to the parsed body of the 200
   * answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 400, 401, 403,
   * 405, 406, 408, 429, 431, 500, 503).
   *
   * @param query - the query parameters: `acquiredNumberStatus`, `msTenantId`, `telephoneNumberPrefix`, `page`, `pageSize`, `cursor`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  listNumbers(
    query?: operations['listNumbers']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['listNumbers']['responses'][200]['content']['application/json']>;

  /**
   * List numbers
   *
   * Lists the inventory's numbers, filtered by status, tenant and number prefix, in the
   * vendor's page shape, ordered by `telephoneNumber` (unique, so the order is stable).
   *
   * **Two ways to page.** `page` and `pageSize` give numbered pages (`currentPage`,
   * `totalPages`), for the first few thousand records: the page must start within the first
   * 100,000 matching records, since skipping rows costs in proportion to how many are
   * skipped. To walk further, or to walk everything, follow `nextCursor`: pass it as `cursor`
   * with the same filters to get the next page. A cursor names the last number of its page, so
   * a walk neither skips nor repeats a number that existed and matched the filters
   * throughout, however many rows are inserted, deleted or changed meanwhile; numbers that
   * appear, disappear or change status during the walk may or may not be in it. A cursor only
   * serves the filters it was made for; `cursor` with `page` is a 400. The last page has no
   * `nextCursor`.
   *
   * **totalRecords** is exact, at the time of the request, and cheap: for any combination of
   * status and tenant filters it is read from counters the database keeps (a few rows,
   * whatever the table's size). With `telephoneNumberPrefix` it is counted over the numbers of
   * that prefix (a range of the number index), which costs in proportion to how many numbers
   * share the prefix: narrow prefixes are cheap, `+1` over millions of numbers is not.
   *
   * **CSV.** With `Accept: text/csv` the answer is every number that matches the filters (not
   * one page: `page`, `pageSize` and `cursor` are refused), as `text/csv; charset=utf-8`, a
   * header line then one line per number, in number order, columns `telephoneNumber`,
   * `msTenantId` (empty when none), `acquiredNumberStatus` (0–3), `removalStatusChangedAt`
   * (ISO 8601 UTC, empty when never), `createdAt`. It is streamed as the database is read, in
   * batches of numbers walked as a cursor walks them (with the same guarantee), so an export
   * of millions of numbers holds neither the whole result in memory nor a database
   * connection between batches, and waits for a slow client. A failure after the first line
   * was sent cannot become a problem any more: the service cuts the transfer, and the client
   * sees an incomplete response (no final chunk) rather than a short file that looks whole.
   *
   * **Tenant-limited callers.** For a caller with a tenant-limited role (`OcNumbers.Read`,
   * `OcNumbers.ReadWrite`) the list and its `totalRecords`, in JSON and CSV, hold only the
   * numbers of the tenants its token names: without `msTenantId`, those tenants' numbers
   * (no number without a tenant); an `msTenantId` its token does not name is a 403
   * `TENANT_FORBIDDEN`.
   *
   * `GET /api/v3/oc/numbers` (operation `listNumbers`); this form asks for the answer as `text/csv`
   * (`Accept: text/csv`). Resolves to the body as a stream (`response.body`), read as it arrives of
   * the 200 answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 400, 401,
   * 403, 405, 406, 408, 429, 431, 500, 503).
   *
   * @param query - the query parameters: `acquiredNumberStatus`, `msTenantId`, `telephoneNumberPrefix`, `page`, `pageSize`, `cursor`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  listNumbersCsv(
    query?: operations['listNumbers']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<ReadableStream<Uint8Array>>;

  /**
   * List tenants by numbers in removal
   *
   * The removal status summary of every tenant that has numbers, most numbers in removal
   * (`totalCount`, marked plus ready) first; tenants with equal counts in `msTenantId` order,
   * so the order is stable. Paged in the vendor's page shape. Each tenant's counts are the
   * summary's, read from the same counters; `lastReconciledAt` is when its last
   * reconciliation with Microsoft's list finished (null if never). Tenants with numbers only
   * in Active or ReleaseRequested are listed too, last, with zero counts; numbers without a
   * tenant are in no entry (the summary over all tenants counts them). A caller with a
   * tenant-limited role (`OcNumbers.Read`, `OcNumbers.ReadWrite`) gets only the tenants its
   * token names, and `totalRecords` counts only those.
   *
   * `GET /api/v3/oc/numbers/removal-status/tenants` (operation `listTenantRemovalSummaries`).
   * Resolves to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an
   * error answer (documented: 400, 401, 403, 405, 408, 429, 431, 500, 503).
   *
   * @param query - the query parameters: `page`, `pageSize`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  listTenantRemovalSummaries(
    query?: operations['listTenantRemovalSummaries']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['listTenantRemovalSummaries']['responses'][200]['content']['application/json']>;

  /**
   * Transition numbers to ReadyForRemoval
   *
   * Moves the named numbers from MarkedForRemoval (2) to ReadyForRemoval (3), the vendor's
   * "transition to ready for removal": the numbers are confirmed deleted and wait for final
   * removal. Only MarkedForRemoval numbers move; every other number is reported in
   * `data.results` with the reason it did not (`notFound`, or `wrongStatus` and its current
   * status) and is left as it is.
   *
   * The request is one transaction: every number that can move moves, together, and the
   * status history records each change with operation `ready-for-removal` and the caller.
   * Repeating a request is harmless: the numbers it moved report `wrongStatus` with status 3,
   * and nothing changes. `data.processedCount` counts every number of the request,
   * `data.successCount` those that changed.
   *
   * A body that cannot be used (not JSON, no `telephoneNumbers` array, 0 or over 500
   * entries, an entry that is not an E.164 string or repeats an earlier one, a field other
   * than `telephoneNumbers`) is a 400 problem that names the offending entries and changes
   * nothing. This operation has its own rate limit besides the client's (see 429).
   *
   * A caller with a tenant-limited role (`OcNumbers.ReadWrite`) acts only on the numbers of
   * the tenants its token names: any other number, of another tenant or of none, reports
   * `notFound` exactly as a number the inventory does not hold, and is left as it is.
   *
   * `POST /api/v3/oc/numbers/action/ready-for-removal` (operation `markNumbersReadyForRemoval`).
   * Resolves to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an
   * error answer (documented: 400, 401, 403, 405, 408, 413, 415, 429, 500, 503).
   *
   * @param body - the request body, sent as `application/json`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  markNumbersReadyForRemoval(
    body: NonNullable<operations['markNumbersReadyForRemoval']['requestBody']>['content']['application/json'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['markNumbersReadyForRemoval']['responses'][200]['content']['application/json']>;

  /**
   * Clear the removal status of numbers
   *
   * Returns the named numbers from MarkedForRemoval (2) to Active (0), the vendor's "clear
   * removal status" (note the path: not under `/numbers`). ReadyForRemoval (3) numbers cannot
   * be cleared: they report `wrongStatus` with status 3, as does every other number that is
   * not MarkedForRemoval; unknown numbers report `notFound`.
   *
   * Body, answer, transaction, history (operation `clear-removal-status`), repeats, bad input
   * and rate limit as for `markNumbersReadyForRemoval`.
   *
   * `POST /api/v3/oc/action/clear-removal-status` (operation `clearNumbersRemovalStatus`). Resolves
   * to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an error answer
   * (documented: 400, 401, 403, 405, 408, 413, 415, 429, 500, 503).
   *
   * @param body - the request body, sent as `application/json`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  clearNumbersRemovalStatus(
    body: NonNullable<operations['clearNumbersRemovalStatus']['requestBody']>['content']['application/json'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['clearNumbersRemovalStatus']['responses'][200]['content']['application/json']>;

  /**
   * Remove numbers that are ready for removal
   *
   * Final removal: deletes ReadyForRemoval (3) numbers from the inventory. Their status
   * history stays (see `getNumberHistory`), its last entry with `newStatus` null.
   *
   * Two forms of body, exactly one of them:
   *
   * - `{"telephoneNumbers": [...]}`, as for the other actions: each named number that is
   *   ReadyForRemoval is removed; any other reports `wrongStatus` with its status, or
   *   `notFound`, and is left as it is.
   * - `{"msTenantId": "<GUID>"}`: every ReadyForRemoval number of that tenant is removed.
   *   `data.processedCount` is the number of the tenant's numbers (all statuses), and
   *   `data.successCount` those removed; `data.results` lists the removed numbers in
   *   telephone-number order, at most 1000 of them, and `data.omittedResultCount` says how
   *   many removed numbers it does not list. The tenant's other numbers are not listed.
   *
   * One transaction; the history records each removal with operation `remove`. Repeats, bad
   * input and rate limit as for `markNumbersReadyForRemoval`; an `msTenantId` that is not a
   * GUID is a 400 `INVALID_MS_TENANT_ID`. A caller with a tenant-limited role
   * (`OcNumbers.ReadWrite`) removes only numbers of the tenants its token names: a named
   * number of any other tenant reports `notFound`, and an `msTenantId` its token does not
   * name is a 403 `TENANT_FORBIDDEN`.
   *
   * `POST /api/v3/oc/numbers/action/remove` (operation `removeNumbers`). Resolves to the parsed body
   * of the 200 answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 400,
   * 401, 403, 405, 408, 413, 415, 429, 500, 503).
   *
   * @param body - the request body, sent as `application/json`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  removeNumbers(
    body: NonNullable<operations['removeNumbers']['requestBody']>['content']['application/json'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['removeNumbers']['responses'][200]['content']['application/json']>;

  /**
   * Get the status history of a number
   *
   * Every status change of one number, newest first: when, from which status to which, by
   * which operation and by whom. The database records it, so changes made by other systems
   * writing the inventory directly are there too (operation `sql`). A removed number keeps
   * its history; a number that never existed has none (a 200 with no entries).
   *
   * Recorded: the number's creation (`oldStatus` null), every change of its status (a
   * missing status counts as Active, 0) and its removal (`newStatus` null). Not recorded: a
   * whole inventory emptied by `TRUNCATE`.
   *
   * Paged: `page` (from 1) and `pageSize` (1 to 200, default 50).
   *
   * A caller with a tenant-limited role sees the history of the numbers of the tenants its
   * token names only: for a number of another tenant, or of none, the answer is the one for
   * a number that never existed (a 200 with no entries).
   *
   * `GET /api/v3/oc/numbers/{telephoneNumber}/history` (operation `getNumberHistory`). Resolves to
   * the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an error answer
   * (documented: 400, 401, 403, 405, 408, 429, 500, 503).
   *
   * @param path - the path parameters: `telephoneNumber`
   * @param query - the query parameters: `page`, `pageSize`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getNumberHistory(
    path: operations['getNumberHistory']['parameters']['path'],
    query?: operations['getNumberHistory']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['getNumberHistory']['responses'][200]['content']['application/json']>;

  /**
   * Liveness probe
   *
   * Answers 200 while the process runs and serves HTTP. It does no I/O: a load balancer or
   * orchestrator may call it often, and a failing database never makes it fail (restarting
   * the service would not bring the database back).
   *
   * `GET /health/live` (operation `getLiveness`). Resolves to the parsed body of the 200 answer;
   * rejects with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getLiveness(
    options?: OcNumbersCallOptions,
  ): Promise<operations['getLiveness']['responses'][200]['content']['application/json']>;

  /**
   * Readiness probe
   *
   * Answers 200 when the service can serve the summary: it runs what the summary needs, in
   * order, and each check is named in the answer:
   *
   * - `sqliteFile` (SQLite only): the file at the configured path is the one open, or a
   *   usable, migrated file that replaced it;
   * - `database`: one round trip (`SELECT 1`);
   * - `removalCounts`: the summary's own queries, for all tenants and for one tenant.
   *
   * Counts that look inconsistent are not a failure (no restart or re-routing would fix
   * data); errors and timeouts are. These checks run on the primary.
   *
   * With a read replica (`DATABASE_READ_URL`), `replica` says how its last measurement found
   * it (`ok`, `lagging` past `REPLICA_MAX_LAG_MS`, or `unavailable`) and its replay lag. A
   * replica that lags or is unavailable does not make the probe fail: its reads go to the
   * primary meanwhile. The checks together wait at most `READINESS_TIMEOUT_MS`
   * (default 2 s). Probes that arrive while a check is still running share it instead of
   * starting another, so a database that hangs holds one of the probe's queries at a time.
   *
   * When a check fails or times out it is a 503 problem with `errorCode`
   * `DATABASE_UNAVAILABLE`, `check` naming the part that failed and `reason` saying why
   * (`timed out: …`, `missing table: …`, `not migrated: …`, `not available: …`, never SQL, a
   * path or a stack); a load balancer should then send no traffic to this instance until it
   * answers 200 again.
   *
   * `GET /health/ready` (operation `getReadiness`). Resolves to the parsed body of the 200 answer;
   * rejects with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429, 503).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getReadiness(
    options?: OcNumbersCallOptions,
  ): Promise<operations['getReadiness']['responses'][200]['content']['application/json']>;

  /**
   * Prometheus metrics
   *
   * The service's metrics in the Prometheus text exposition format: requests answered by route
   * template, method and status (`http_requests_total`, `http_request_duration_seconds`),
   * requests whose connection closed before their answer was sent in full (the client went
   * away, or an answer already begun, such as a CSV export, was cut), by route template and
   * method (`http_requests_aborted_total`), every database query's duration and failures by query name (`db_query_duration_seconds`,
   * `db_query_errors_total`, label `query`: a prepared statement's name such as
   * `oc_numbers_summary_all`, or a TypeORM query's kind and table such as
   * `select_oc_numbers`, `ping`, `transaction`, `migration`), database connection pool usage
   * (`db_pool_connections`) and the Node.js process metrics. Route labels are the operation's
   * path template, or `unmatched` for a request no operation answers, and query labels never
   * hold SQL or parameters, so the number of series stays bounded whatever callers send.
   *
   * Open to anyone by default (`METRICS_ACCESS=open`). A deployment may close it:
   * `METRICS_ACCESS=token` asks for a bearer token with a read role (a 401 without one, a
   * 403 without the role), and `METRICS_ACCESS=off` does not serve it (a 404, as for any
   * path the service does not have).
   *
   * `GET /metrics` (operation `getMetrics`). Resolves to the body as text of the 200 answer; rejects
   * with {@link OcNumbersApiError} on an error answer (documented: 401, 403, 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getMetrics(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * API documentation
   *
   * An interactive page (Swagger UI) that renders this contract, served from `/api/openapi.json`.
   *
   * Open to anyone by default (`DOCS_ACCESS=open`). A deployment may close the
   * documentation (this page and `/api/openapi.yaml`, `/api/openapi.json`):
   * `DOCS_ACCESS=token` asks for a bearer token with a read role (a 401 without one, a 403
   * without the role), and `DOCS_ACCESS=off` does not serve it (a 404).
   *
   * `GET /api/docs` (operation `getApiDocs`). Resolves to the body as text of the 200 answer;
   * rejects with {@link OcNumbersApiError} on an error answer (documented: 401, 403, 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getApiDocs(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * This contract, as YAML
   *
   * The contract the service was built from, byte for byte as it is kept in the project.
   *
   * Open to anyone by default (`DOCS_ACCESS=open`). A deployment may close the
   * documentation (this page and `/api/openapi.yaml`, `/api/openapi.json`):
   * `DOCS_ACCESS=token` asks for a bearer token with a read role (a 401 without one, a 403
   * without the role), and `DOCS_ACCESS=off` does not serve it (a 404).
   *
   * `GET /api/openapi.yaml` (operation `getOpenApiYaml`). Resolves to the body as text of the 200
   * answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 401, 403, 405,
   * 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getOpenApiYaml(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * This contract, as JSON
   *
   * The same contract as `/api/openapi.yaml`, converted to JSON.
   *
   * Open to anyone by default (`DOCS_ACCESS=open`). A deployment may close the
   * documentation (this page and `/api/openapi.yaml`, `/api/openapi.json`):
   * `DOCS_ACCESS=token` asks for a bearer token with a read role (a 401 without one, a 403
   * without the role), and `DOCS_ACCESS=off` does not serve it (a 404).
   *
   * `GET /api/openapi.json` (operation `getOpenApiJson`). Resolves to the parsed body of the 200
   * answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 401, 403, 405,
   * 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getOpenApiJson(
    options?: OcNumbersCallOptions,
  ): Promise<operations['getOpenApiJson']['responses'][200]['content']['application/json']>;

  /**
   * Another name of {@link OcNumbersClient.getNumberRemovalStatusSummary |
   * getNumberRemovalStatusSummary}, the same function: code written against earlier versions of this
   * client keeps working.
   */
  getRemovalStatusSummary: OcNumbersClient['getNumberRemovalStatusSummary'];
}

/** A typed client of the OC Numbers API. */
export function createOcNumbersClient(clientOptions: OcNumbersClientOptions): OcNumbersClient {
  const { token, ...options } = clientOptions;
  const fetchClient = createClient<paths>(options);
  if (token !== undefined) authorize(fetchClient, token);
  const getNumberRemovalStatusSummary: OcNumbersClient['getNumberRemovalStatusSummary'] = async (query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers/removal-status/summary', {
        params: { query },
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const reconcileTenantNumbers: OcNumbersClient['reconcileTenantNumbers'] = async (path, body, query, options) =>
    settle(
      await fetchClient.POST('/api/v3/oc/tenants/{msTenantId}/numbers/reconcile', {
        params: { path, query },
        body,
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const reconcileTenantNumbersCsv: OcNumbersClient['reconcileTenantNumbersCsv'] = async (path, body, query, options) =>
    settle(
      await fetchClient.POST('/api/v3/oc/tenants/{msTenantId}/numbers/reconcile', {
        params: { path, query },
        body,
        bodySerializer: (raw: unknown) => raw,
        signal: options?.signal,
        headers: { ...options?.headers, 'Content-Type': 'text/csv' },
      }),
    );
  const listNumbers: OcNumbersClient['listNumbers'] = async (query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers', {
        params: { query },
        signal: options?.signal,
        headers: { ...options?.headers, Accept: 'application/json' },
      }),
    );
  const listNumbersCsv: OcNumbersClient['listNumbersCsv'] = async (query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers', {
        params: { query },
        signal: options?.signal,
        headers: { ...options?.headers, Accept: 'text/csv' },
        parseAs: 'stream',
      }),
    );
  const listTenantRemovalSummaries: OcNumbersClient['listTenantRemovalSummaries'] = async (query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers/removal-status/tenants', {
        params: { query },
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const markNumbersReadyForRemoval: OcNumbersClient['markNumbersReadyForRemoval'] = async (body, options) =>
    settle(
      await fetchClient.POST('/api/v3/oc/numbers/action/ready-for-removal', {
        body,
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const clearNumbersRemovalStatus: OcNumbersClient['clearNumbersRemovalStatus'] = async (body, options) =>
    settle(
      await fetchClient.POST('/api/v3/oc/action/clear-removal-status', {
        body,
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const removeNumbers: OcNumbersClient['removeNumbers'] = async (body, options) =>
    settle(
      await fetchClient.POST('/api/v3/oc/numbers/action/remove', {
        body,
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const getNumberHistory: OcNumbersClient['getNumberHistory'] = async (path, query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers/{telephoneNumber}/history', {
        params: { path, query },
        signal: options?.signal,
        headers: options?.headers,
      }),
    );
  const getLiveness: OcNumbersClient['getLiveness'] = async (options) =>
    settle(await fetchClient.GET('/health/live', { signal: options?.signal, headers: options?.headers }));
  const getReadiness: OcNumbersClient['getReadiness'] = async (options) =>
    settle(await fetchClient.GET('/health/ready', { signal: options?.signal, headers: options?.headers }));
  const getMetrics: OcNumbersClient['getMetrics'] = async (options) =>
    settle(await fetchClient.GET('/metrics', { signal: options?.signal, headers: options?.headers, parseAs: 'text' }));
  const getApiDocs: OcNumbersClient['getApiDocs'] = async (options) =>
    settle(await fetchClient.GET('/api/docs', { signal: options?.signal, headers: options?.headers, parseAs: 'text' }));
  const getOpenApiYaml: OcNumbersClient['getOpenApiYaml'] = async (options) =>
    settle(
      await fetchClient.GET('/api/openapi.yaml', {
        signal: options?.signal,
        headers: options?.headers,
        parseAs: 'text',
      }),
    );
  const getOpenApiJson: OcNumbersClient['getOpenApiJson'] = async (options) =>
    settle(await fetchClient.GET('/api/openapi.json', { signal: options?.signal, headers: options?.headers }));
  return {
    fetchClient,
    getNumberRemovalStatusSummary,
    reconcileTenantNumbers,
    reconcileTenantNumbersCsv,
    listNumbers,
    listNumbersCsv,
    listTenantRemovalSummaries,
    markNumbersReadyForRemoval,
    clearNumbersRemovalStatus,
    removeNumbers,
    getNumberHistory,
    getLiveness,
    getReadiness,
    getMetrics,
    getApiDocs,
    getOpenApiYaml,
    getOpenApiJson,
    getRemovalStatusSummary: getNumberRemovalStatusSummary,
  };
}
