import autocannon from 'autocannon';

export interface LoadOptions {
  readonly baseUrl: string;
  readonly connections: number;
  readonly seconds: number;
  /**
   * The paths to request, in turn. With more than one, each connection starts at a different
   * place in the list, so they do not ask the same path at the same moment. The requests are
   * built once, so the load generator costs the same per request for any list.
   */
  readonly paths: readonly string[];
  /** Headers every request carries (a bearer token, say). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly requestsPerSecond: number;
  /** Latency of the successful responses, in milliseconds, to the microsecond. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** The slowest successful response, in milliseconds (absent from runs before it was recorded). */
  readonly max?: number;
  /** Connection errors and timeouts plus responses that were not 2xx. */
  readonly errors: number;
  readonly requests: number;
  /**
   * CPU time the server's process used while it was driven (user + system, all its threads),
   * in microseconds per request answered (absent from runs before it was recorded).
   */
  readonly serverCpuMicrosPerRequest?: number;
}

/**
 * Drives the server with autocannon for a while. Latencies are recorded here from each
 * response (autocannon's own histogram rounds to whole milliseconds, too coarse at ~1 ms).
 */
export function load(options: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let clients = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.seconds,
        timeout: 10,
        headers: { ...options.headers },
        requests: [{ method: 'GET', path: options.paths[0] }],
        setupClient:
          options.paths.length > 1
            ? (client) => {
                const start = (clients++ * 7919) % options.paths.length;
                const order = [...options.paths.slice(start), ...options.paths.slice(0, start)];
                client.setRequests(order.map((path) => ({ method: 'GET', path, headers: { ...options.headers } })));
              }
            : undefined,
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = latencies.subarray(0, count).sort();
        const at = (q: number) => (count === 0 ? NaN : sorted[Math.min(count - 1, Math.floor(q * count))]);
        resolve({
          requestsPerSecond: result['2xx'] / result.duration,
          p50: at(0.5),
          p90: at(0.9),
          p99: at(0.99),
          max: count === 0 ? NaN : sorted[count - 1],
          errors: result.errors + result.non2xx,
          requests: result.requests.total,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = responseTime;
    });
  });
}

/** The median of some numbers (NaN of none). */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** The median of each measure over rounds. */
export function median(results: readonly LoadResult[]): LoadResult {
  const mid = (pick: (r: LoadResult) => number) => medianOf(results.map(pick));
  return {
    requestsPerSecond: mid((r) => r.requestsPerSecond),
    p50: mid((r) => r.p50),
    p90: mid((r) => r.p90),
    p99: mid((r) => r.p99),
    // The slowest response of any round: a stall is not a median's business.
    ...(results.some((r) => r.max !== undefined) && { max: Math.max(...results.map((r) => r.max ?? 0)) }),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    ...(results.length > 0 &&
      results.every((r) => r.serverCpuMicrosPerRequest !== undefined) && {
        serverCpuMicrosPerRequest: mid((r) => r.serverCpuMicrosPerRequest ?? NaN),
      }),
  };
}
