import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestOutcomes } from '../common/request-outcomes';
import { DatabaseDriver, type QueryOutcome } from '../database/database-driver';
import { ReadReplica, type ReplicaState } from '../database/read-replica';
import { queryNameOf } from './query-name';
import { RequestSeries } from './request-series';

/** The route label of a request no operation answers: raw URLs never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The most distinct `query` labels kept; queries with a new name past it are counted as
 * `other`. The service's own queries have a few dozen names at most: this only guards the
 * metrics against a bug that would make every query's name different.
 */
const MAX_QUERY_NAMES = 100;

/** The route label of a request: its operation's path template, or {@link UNMATCHED_ROUTE}. */
function routeLabelOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

const REPLICA_STATES: readonly ReplicaState[] = ['ok', 'lagging', 'unavailable', 'off'];

/** The buckets of http_request_duration_seconds, in seconds. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const QUERY_LABELS = ['query'] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that each application in a process keeps its own counts.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  /** Requests answered and their durations (http_requests_total, http_request_duration_seconds). */
  private readonly requests = new RequestSeries(
    this.registry,
    { name: 'http_requests_total', help: 'Requests answered, by route template, method and status.' },
    {
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by route template, method and status.',
      buckets: REQUEST_DURATION_BUCKETS,
    },
  );

  /** Requests whose connection closed before their answer was sent in full: not in the two above. */
  private readonly requestsAborted = this.counter(
    'http_requests_aborted_total',
    'Requests whose connection closed before their answer was sent in full, by route template and method.',
    ['route', 'method'],
  );

  private readonly queryDuration = this.histogram(
    'db_query_duration_seconds',
    'Duration of the database queries that succeeded, by query name (a prepared statement, or the kind and table of a TypeORM query).',
    QUERY_LABELS,
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

  private readonly queryErrors = this.counter(
    'db_query_errors_total',
    'Database queries that failed (an error, a timeout, no connection), by query name.',
    QUERY_LABELS,
  );

  /** Summary requests that shared a read another request asked for, instead of starting one. */
  readonly summaryCoalesced = this.counter(
    'oc_numbers_summary_coalesced_total',
    'Summary requests that shared a database read with other requests instead of starting one.',
    [],
  );

  /** Summary reads refused because the removal counters were impossible. */
  readonly countsInconsistent = this.counter(
    'oc_numbers_counts_inconsistent_total',
    'Summary reads refused because the removal counters were impossible (negative, or not a safe integer): ' +
      'run npm run counts -- --verify, then --repair.',
    [],
  );

  /** Reads meant for the read replica that went to the primary, by why. */
  private readonly replicaFallbacks = this.counter(
    'oc_numbers_replica_fallbacks_total',
    'Reads meant for the read replica (DATABASE_READ_URL) that went to the primary: reason lag (the summary, ' +
      'past REPLICA_MAX_LAG_MS), unavailable (the replica down, unreachable or failing), conflict (the standby ' +
      'cancelled the read to replay WAL).',
    ['reason'],
  );

  constructor(
    private readonly database: DatabaseDriver,
    @Optional() private readonly replica: ReadReplica = ReadReplica.off(),
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const reason of ['lag', 'unavailable', 'conflict'] as const) this.replicaFallbacks.inc({ reason }, 0);
    this.gauge(
      'oc_numbers_replica_lag_seconds',
      "The read replica's replay lag at its last measurement; absent while it is unavailable or off.",
      [],
      (gauge) => {
        gauge.reset();
        const { lagMs } = replica.status();
        if (lagMs !== undefined) gauge.set(lagMs / 1000);
      },
    );
    this.gauge(
      'oc_numbers_replica_state',
      'The read replica by state: 1 for the state it is in (ok, lagging, unavailable, off), 0 for the others.',
      ['state'],
      (gauge) => {
        const { state } = replica.status();
        for (const each of REPLICA_STATES) gauge.set({ state: each }, each === state ? 1 : 0);
      },
    );
    this.gauge(
      'db_pool_connections',
      'Database connections by state: total open, idle, and requests waiting for one (SQLite: one connection).',
      ['state'],
      (gauge) => {
        const counts = database.connections();
        if (counts) gauge.set({ state: 'total' }, counts.total);
        if (counts?.idle !== undefined) gauge.set({ state: 'idle' }, counts.idle);
        if (counts?.waiting !== undefined) gauge.set({ state: 'waiting' }, counts.waiting);
      },
    );
    this.gauge('db_pool_max_connections', 'The most connections the pool opens.', [], (gauge) =>
      gauge.set(database.connections()?.max ?? 1),
    );
  }

  private readonly queryNames = new Set<string>();

  onModuleInit(): void {
    this.replica.observeFallbacks((reason) => this.replicaFallbacks.inc({ reason }));
    this.database.observeQueries((outcome) => {
      const query = this.queryLabel(outcome);
      if (outcome.success && outcome.executionTimeMs !== undefined) {
        this.queryDuration.observe({ query }, outcome.executionTimeMs / 1000);
      } else if (!outcome.success) {
        this.queryErrors.inc({ query });
      }
    });
  }

  private queryLabel({ name, query }: QueryOutcome): string {
    const label = name ?? queryNameOf(query);
    if (this.queryNames.has(label)) return label;
    if (this.queryNames.size >= MAX_QUERY_NAMES) return 'other';
    this.queryNames.add(label);
    return label;
  }

  /**
   * Counts every request by the route template that answered it: its response, or its connection
   * closing before the response was sent in full (http_requests_aborted_total).
   */
  readonly requestOutcomes: RequestOutcomes = {
    answered: (request, reply) => {
      this.requests.observe(routeLabelOf(request), request.method, reply.statusCode, reply.elapsedTime / 1000);
    },
    aborted: (request) => {
      this.requestsAborted.inc({ route: routeLabelOf(request), method: request.method });
    },
  };

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge whose value `collect` sets each time the metrics are read. */
  private gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        collect(this);
      },
    });
  }
}
