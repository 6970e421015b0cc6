import { Contract, TEST_DATABASE_KINDS, withSql } from '@oc-numbers/testing';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { REMOVAL_COUNT_TABLES } from '../src/numbers/numbers.repository';
import { type RunningApp, useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

async function readMetrics(running: RunningApp): Promise<string> {
  const response = await request(running.server).get('/metrics');
  expect(contract.check('get', '/metrics', { ...response, body: response.text })).toEqual([]);
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text;
}

/** The value of one series in the exposition text, 0 when it is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Every value of the `query` label in the text. */
function queryLabels(text: string): string[] {
  return [...new Set([...text.matchAll(/[{,]query="([^"]*)"/g)].map((m) => m[1]))];
}

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const SUMMARY_ALL = 'oc_numbers_summary_all';
/** One tenant's summary: its own statement on SQLite; on PostgreSQL read with the other tenants asked together. */
const SUMMARY_TENANT = { sqlite: 'oc_numbers_summary_tenant', postgres: 'oc_numbers_summary_each_tenant' } as const;

describe.each(TEST_DATABASE_KINDS)('GET /metrics on %s', (kind) => {
  const running = useApp(kind);
  const metrics = () => readMetrics(running());

  it('counts requests by route template, method and status, with their durations', async () => {
    await request(running().server).get(SUMMARY).expect(200);
    await request(running().server).get(`${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff`).expect(200);
    await request(running().server).get(`${SUMMARY}?msTenantId=nope`).expect(400);
    const text = await metrics();
    expect(text).toContain(`http_requests_total{route="${SUMMARY}",method="GET",status="200"} 2`);
    expect(text).toContain(`http_requests_total{route="${SUMMARY}",method="GET",status="400"} 1`);
    expect(text).toMatch(
      new RegExp(`http_request_duration_seconds_count\\{route="${SUMMARY}",method="GET",status="200"\\} 2`),
    );
    expect(text).not.toContain('msTenantId');
  });

  it('labels a request no operation answers "unmatched", never with its URL', async () => {
    const segment = randomBytes(8).toString('hex');
    await request(running().server).get(`/${segment}/x/${segment}`).expect(404);
    await request(running().server).get(`/api/v3/oc/numbers/${segment}`).expect(404);
    const text = await metrics();
    expect(text).not.toContain(segment);
    expect(text).toMatch(/http_requests_total\{route="unmatched",method="GET",status="404"\} [2-9]/);
  });

  it('measures the summary queries by their names, a series each', async () => {
    const SUMMARY_ONE = SUMMARY_TENANT[kind];
    const before = await metrics();
    for (let i = 0; i < 3; i++) await request(running().server).get(SUMMARY).expect(200);
    for (let i = 0; i < 2; i++) await request(running().server).get(`${SUMMARY}?msTenantId=${TENANT}`).expect(200);
    const after = await metrics();
    const count = (text: string, query: string) => sample(text, `db_query_duration_seconds_count{query="${query}"}`);
    expect(count(after, SUMMARY_ALL) - count(before, SUMMARY_ALL)).toBe(3);
    expect(count(after, SUMMARY_ONE) - count(before, SUMMARY_ONE)).toBe(2);
    expect(sample(after, `db_query_duration_seconds_sum{query="${SUMMARY_ALL}"}`)).toBeGreaterThan(0);
    expect(after).toContain(`db_query_duration_seconds_bucket{le="+Inf",query="${SUMMARY_ONE}"}`);
    expect(after).not.toContain(TENANT);
  });

  it('reports database query durations, pool usage and process metrics', async () => {
    await request(running().server).get('/health/ready').expect(200);
    const text = await metrics();
    // The readiness probe's round trip, through TypeORM, and the summary's queries it runs.
    expect(text).toMatch(/db_query_duration_seconds_count\{query="ping"\} [1-9]/);
    expect(sample(text, `db_query_duration_seconds_count{query="${SUMMARY_ALL}"}`)).toBeGreaterThan(0);
    // Query names are short identifiers, never SQL text or parameters.
    expect(queryLabels(text).length).toBeGreaterThan(0);
    for (const label of queryLabels(text)) expect(label).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
    expect(text).toMatch(/db_pool_connections\{state="total"\} [1-9]/);
    if (kind === 'postgres') {
      expect(text).toMatch(/db_pool_connections\{state="idle"\} \d/);
      expect(text).toMatch(/db_pool_connections\{state="waiting"\} \d/);
      expect(text).toMatch(/db_pool_max_connections 10\n/);
    } else {
      expect(text).toMatch(/db_pool_connections\{state="total"\} 1\n/);
      expect(text).not.toMatch(/db_pool_connections\{state="idle"\}/);
      expect(text).toMatch(/db_pool_max_connections 1\n/);
    }
    expect(text).toMatch(/process_resident_memory_bytes [1-9]/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds /);
  });
});

describe.each(TEST_DATABASE_KINDS)('database query errors on %s', (kind) => {
  const running = useApp(kind);

  it('counts the summary queries that fail, by name', async () => {
    await request(running().server).get(SUMMARY).expect(200);
    const before = await readMetrics(running());
    const errors = (text: string) => sample(text, `db_query_errors_total{query="${SUMMARY_ALL}"}`);
    const table = REMOVAL_COUNT_TABLES.allTenants;
    await withSql(running().database, (query) => query(`DROP TABLE ${table}${kind === 'postgres' ? ' CASCADE' : ''}`));

    for (let i = 0; i < 2; i++) {
      const response = await request(running().server).get(SUMMARY);
      expect(response.status).toBeGreaterThanOrEqual(500);
    }
    const after = await readMetrics(running());
    expect(errors(after) - errors(before)).toBe(2);
    // A failed query is not a duration sample.
    const count = (text: string) => sample(text, `db_query_duration_seconds_count{query="${SUMMARY_ALL}"}`);
    expect(count(after)).toBe(count(before));
    expect(after).not.toContain(table);
  });
});
