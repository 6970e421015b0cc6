import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DatabaseDriver } from '../database/database-driver';

/** The route label of a request no operation answers: raw URLs never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The statement label: the query's first keyword, from a fixed set. */
const STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'BEGIN', 'COMMIT', 'ROLLBACK']);
export function statementOf(query: string): string {
  const keyword = /^\s*([a-z]+)/i.exec(query)?.[1]?.toUpperCase() ?? '';
  return STATEMENTS.has(keyword) ? keyword : 'OTHER';
}

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that each application in a process keeps its own counts.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly queryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Duration of the database queries that succeeded, by statement.',
    labelNames: ['statement'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly queryErrors = new Counter({
    name: 'db_query_errors_total',
    help: 'Database queries that failed (including those the database could not answer), by statement.',
    labelNames: ['statement'] as const,
    registers: [this.registry],
  });

  constructor(private readonly database: DatabaseDriver) {
    collectDefaultMetrics({ register: this.registry });
    const connections = () => database.connections();
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database connections by state: total open, idle, and requests waiting for one (SQLite: one connection).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const counts = connections();
        if (counts) this.set({ state: 'total' }, counts.total);
        if (counts?.idle !== undefined) this.set({ state: 'idle' }, counts.idle);
        if (counts?.waiting !== undefined) this.set({ state: 'waiting' }, counts.waiting);
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'The most connections the pool opens.',
      registers: [this.registry],
      collect() {
        this.set(connections()?.max ?? 1);
      },
    });
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
}
