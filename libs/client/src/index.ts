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

export type OcNumbersClientOptions = ClientOptions & {
  /** Where the service is, e.g. `http://localhost:3000`. */
  readonly baseUrl: string;
};

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
   * including numbers that belong to no tenant.
   *
   * `GET /api/v3/oc/numbers/removal-status/summary` (operation `getNumberRemovalStatusSummary`).
   * Resolves to the parsed body of the 200 answer; rejects with {@link OcNumbersApiError} on an
   * error answer (documented: 400, 405, 408, 429, 431, 500, 503).
   *
   * @param query - the query parameters: `msTenantId`
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getNumberRemovalStatusSummary(
    query?: operations['getNumberRemovalStatusSummary']['parameters']['query'],
    options?: OcNumbersCallOptions,
  ): Promise<operations['getNumberRemovalStatusSummary']['responses'][200]['content']['application/json']>;

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
   * data); errors and timeouts are. The checks together wait at most `READINESS_TIMEOUT_MS`
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
   * The service's metrics in the Prometheus text exposition format: requests by route
   * template, method and status (`http_requests_total`, `http_request_duration_seconds`),
   * every database query's duration and failures by query name (`db_query_duration_seconds`,
   * `db_query_errors_total`, label `query`: a prepared statement's name such as
   * `oc_numbers_summary_all`, or a TypeORM query's kind and table such as
   * `select_oc_numbers`, `ping`, `transaction`, `migration`), database connection pool usage
   * (`db_pool_connections`) and the Node.js process metrics. Route labels are the operation's
   * path template, or `unmatched` for a request no operation answers, and query labels never
   * hold SQL or parameters, so the number of series stays bounded whatever callers send.
   *
   * `GET /metrics` (operation `getMetrics`). Resolves to the body as text of the 200 answer; rejects
   * with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getMetrics(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * API documentation
   *
   * An interactive page (Swagger UI) that renders this contract, served from `/api/openapi.json`.
   *
   * `GET /api/docs` (operation `getApiDocs`). Resolves to the body as text of the 200 answer;
   * rejects with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getApiDocs(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * This contract, as YAML
   *
   * The contract the service was built from, byte for byte as it is kept in the project.
   *
   * `GET /api/openapi.yaml` (operation `getOpenApiYaml`). Resolves to the body as text of the 200
   * answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429).
   *
   * @param options - for this call: an `AbortSignal`, headers to send
   */
  getOpenApiYaml(options?: OcNumbersCallOptions): Promise<string>;

  /**
   * This contract, as JSON
   *
   * The same contract as `/api/openapi.yaml`, converted to JSON.
   *
   * `GET /api/openapi.json` (operation `getOpenApiJson`). Resolves to the parsed body of the 200
   * answer; rejects with {@link OcNumbersApiError} on an error answer (documented: 405, 408, 429).
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
  const fetchClient = createClient<paths>(clientOptions);
  const getNumberRemovalStatusSummary: OcNumbersClient['getNumberRemovalStatusSummary'] = async (query, options) =>
    settle(
      await fetchClient.GET('/api/v3/oc/numbers/removal-status/summary', {
        params: { query },
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
    getLiveness,
    getReadiness,
    getMetrics,
    getApiDocs,
    getOpenApiYaml,
    getOpenApiJson,
    getRemovalStatusSummary: getNumberRemovalStatusSummary,
  };
}
