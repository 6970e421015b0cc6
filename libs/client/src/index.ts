import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths, ProblemDetails, RemovalStatusSummary, RemovalStatusSummaryQuery } from '@oc-numbers/contracts';

export type { paths, ProblemDetails, RemovalStatusSummary, RemovalStatusSummaryQuery };

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

export interface OcNumbersClient {
  /** The raw openapi-fetch client, typed by the contract. */
  readonly fetchClient: OcNumbersFetchClient;
  /**
   * The removal status summary of one tenant (`msTenantId`, a GUID in any letter case) or, without
   * one, of all tenants. Rejects with {@link OcNumbersApiError} on an error answer.
   */
  getRemovalStatusSummary(query?: RemovalStatusSummaryQuery): Promise<RemovalStatusSummary>;
}

export type OcNumbersClientOptions = ClientOptions & {
  /** Where the service is, e.g. `http://localhost:3000`. */
  readonly baseUrl: string;
};

/** A typed client of the OC Numbers API. */
export function createOcNumbersClient(options: OcNumbersClientOptions): OcNumbersClient {
  const fetchClient = createClient<paths>(options);
  return {
    fetchClient,
    async getRemovalStatusSummary(query = {}) {
      const { data, error, response } = await fetchClient.GET('/api/v3/oc/numbers/removal-status/summary', {
        params: { query },
      });
      if (data !== undefined) return data;
      throw new OcNumbersApiError(response.status, isProblem(error) ? error : undefined);
    },
  };
}

function isProblem(value: unknown): value is ProblemDetails {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemDetails).status === 'number' &&
    typeof (value as ProblemDetails).title === 'string'
  );
}
