import { Sqlite as Database } from '@oc-numbers/testing';
import { Client } from 'pg';
import type { DatabaseTarget } from './database';

/**
 * The summary's two queries, as the service's NumbersRepository sends them (on PostgreSQL a base
 * row plus the counter deltas not yet compacted), and the plain count through the partial index
 * that they replace, for comparison.
 */
const DELTAS = (where: string) =>
  ` UNION ALL SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_count_deltas${where}`;
const ALL_TENANTS = (pg: boolean) =>
  `SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
  FROM (SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_totals${pg ? DELTAS('') : ''}) AS c`;
const ONE_TENANT = (p: string, pg: boolean) =>
  `SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready
  FROM (SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_counts WHERE ms_tenant_id = ${p}${
    pg ? DELTAS(` WHERE ms_tenant_id = ${p}`) : ''
  }) AS c`;
const COUNT_ALL = `SELECT COUNT(CASE WHEN removal_status = 2 THEN 1 END) AS marked, COUNT(CASE WHEN removal_status = 3 THEN 1 END) AS ready
  FROM oc_numbers WHERE removal_status IN (2, 3)`;

export interface QueryTiming {
  /** Milliseconds, measured from this process (so one round trip on PostgreSQL). */
  readonly p50: number;
  readonly p99: number;
  readonly runs: number;
}

export interface QueryReport {
  readonly allTenants: QueryTiming;
  readonly oneTenant: QueryTiming;
  /** The plain COUNT the counts replace (through the partial index). */
  readonly plainCount: QueryTiming;
  readonly plans: Record<'allTenants' | 'oneTenant' | 'plainCount', string>;
}

function timing(samples: number[]): QueryTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), runs: sorted.length };
}

/** Times each query alone (no HTTP) and shows its plan; `tenant` picks a tenant per run. */
export async function measureQueries(target: DatabaseTarget, tenant: () => string, runs = 2000): Promise<QueryReport> {
  return target.kind === 'postgres'
    ? measurePostgres(target.url, tenant, runs)
    : measureSqlite(target.path, tenant, runs);
}

async function measurePostgres(url: string, tenant: () => string, runs: number): Promise<QueryReport> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const time = async (sql: string, values: () => unknown[], n: number) => {
      const samples: number[] = [];
      for (let i = 0; i < n + Math.ceil(n / 10); i++) {
        const start = performance.now();
        await client.query(sql, values());
        if (i >= Math.ceil(n / 10)) samples.push(performance.now() - start);
      }
      return timing(samples);
    };
    const plan = async (sql: string, values: unknown[]) =>
      (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    return {
      allTenants: await time(ALL_TENANTS(true), () => [], runs),
      oneTenant: await time(ONE_TENANT('$1', true), () => [tenant()], runs),
      plainCount: await time(COUNT_ALL, () => [], 10),
      plans: {
        allTenants: await plan(ALL_TENANTS(true), []),
        oneTenant: await plan(ONE_TENANT('$1', true), [tenant()]),
        plainCount: await plan(COUNT_ALL, []),
      },
    };
  } finally {
    await client.end();
  }
}

async function measureSqlite(path: string, tenant: () => string, runs: number): Promise<QueryReport> {
  const db = new Database(path, { readonly: true });
  try {
    const time = (sql: string, values: () => unknown[], n: number) => {
      const statement = db.prepare(sql);
      const samples: number[] = [];
      for (let i = 0; i < n + Math.ceil(n / 10); i++) {
        const start = performance.now();
        statement.get(...values());
        if (i >= Math.ceil(n / 10)) samples.push(performance.now() - start);
      }
      return timing(samples);
    };
    const plan = (sql: string, values: unknown[] = []) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('\n');
    return {
      allTenants: time(ALL_TENANTS(false), () => [], runs),
      oneTenant: time(ONE_TENANT('?', false), () => [tenant()], runs),
      plainCount: time(COUNT_ALL, () => [], 10),
      plans: {
        allTenants: plan(ALL_TENANTS(false)),
        oneTenant: plan(ONE_TENANT('?', false), [tenant()]),
        plainCount: plan(COUNT_ALL),
      },
    };
  } finally {
    db.close();
  }
}
