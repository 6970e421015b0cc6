import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DatabaseDriver } from '../database/database-driver';
import { CountsConsistency } from '../numbers/counts-consistency';

/** The route label of a request no operation answers: raw URLs never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The statement label: the query's first keyword, from a fixed set. */
const STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'BEGIN', 'COMMIT', 'ROLLBACK']);
export function statementOf(query: string): string {
  const keyword = /^\s*([a-z]+)/i.exec(query)?.[1]?.toUpperCase() ?? '';
  return STATEMENTS.has(keyword) ? keyword : 'OTHER';
}

const HTTP_LABELS = ['route', 'method', 'status'] as const;
const QUERY_LABELS = ['statement'] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that each application in a process keeps its own counts.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly requests = this.counter(
    'http_requests_total',
    'Requests answered, by route template, method and status.',
    HTTP_LABELS,
  );

  private readonly requestDuration = this.histogram(
    'http_request_duration_seconds',
    'Time from receiving a request to sending its response, by route template, method and status.',
    HTTP_LABELS,
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );

  private readonly queryDuration = this.histogram(
    'db_query_duration_seconds',
    'Duration of the database queries that succeeded, by statement.',
    QUERY_LABELS,
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );

  private readonly queryErrors = this.counter(
    'db_query_errors_total',
    'Database queries that failed (including those the database could not answer), by statement.',
    QUERY_LABELS,
  );

  constructor(
    private readonly database: DatabaseDriver,
    consistency: CountsConsistency,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(consistency.metric);
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

  onModuleInit(): void {
    this.database.observeQueries(({ query, success, executionTimeMs }) => {
      const statement = statementOf(query);
      if (success && executionTimeMs !== undefined) {
        this.queryDuration.observe({ statement }, executionTimeMs / 1000);
      } else if (!success) {
        this.queryErrors.inc({ statement });
      }
    });
  }

  /** Counts every response by the route template that answered it. */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      const labels = {
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        method: request.method,
        status: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.requestDuration.observe(labels, reply.elapsedTime / 1000);
    });
  }

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
