import { eventually, expectProblem } from '@oc-numbers/testing';
import { Client } from 'pg';
import { useApp } from './app-harness';
import { DEADLINE_MARGIN_MS } from '../src/numbers/numbers.service';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const STATEMENT_TIMEOUT_MS = 4000;
/** Each request's deadline: from its arrival, the statement timeout and the margin. */
const DEADLINE_MS = STATEMENT_TIMEOUT_MS + DEADLINE_MARGIN_MS;
/** Room for a loaded machine; far below the second statement timeout a request used to wait for. */
const SLACK_MS = 1500;
// The service's sessions on this test's database waiting for the lock this test holds.
const WAITING_FOR_LOCK =
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'oc-numbers' " +
  "AND datname = current_database() AND wait_event_type = 'Lock'";

const LOOK = { withinMs: 5000, everyMs: 25 };

/** A request, its answer and how long it took from being sent. */
async function timed(url: string) {
  const sent = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = await response.json();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - sent };
}

describe('a summary query stuck on a lock (PostgreSQL)', () => {
  // No compaction: it takes the counter tables' locks for a moment, as a session of the service.
  const running = useApp('postgres', {
    databaseStatementTimeoutMs: STATEMENT_TIMEOUT_MS,
    counterCompactionIntervalMs: 0,
  });
  let locker: Client;
  /**
   * Reads pg_stat_activity outside the locker's transaction: a transaction sees the activity as
   * it was at its first look, to its end.
   */
  let watcher: Client;

  beforeAll(async () => {
    locker = new Client({ connectionString: running().database.url });
    watcher = new Client({ connectionString: running().database.url });
    for (const client of [locker, watcher]) {
      client.on('error', () => undefined);
      await client.connect();
    }
  });
  afterAll(() => Promise.all([locker?.end(), watcher?.end()]));

  it('answers each request that arrived while it was stuck with a 503 by its own deadline, not after a second query', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE oc_numbers_removal_totals IN ACCESS EXCLUSIVE MODE');
    try {
      const first = timed(`${running().baseUrl}${SUMMARY}`);
      await eventually('the query waits', async () => (await watcher.query(WAITING_FOR_LOCK)).rows[0].n === 1, LOOK);
      // These arrive while the first query is stuck: they wait for it, then share the next one.
      const later = await Promise.all(Array.from({ length: 5 }, () => timed(`${running().baseUrl}${SUMMARY}`)));
      for (const answer of [await first, ...later]) {
        expectProblem(answer, 503, 'DATABASE_UNAVAILABLE');
        expect(answer.headers.get('retry-after')).toBe('5');
        expect(answer.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      }
    } finally {
      await locker.query('ROLLBACK');
    }

    // The lock is gone: the next request is served, and the shared reads were counted.
    const after = await timed(`${running().baseUrl}${SUMMARY}`);
    expect(after.status).toBe(200);
    const metrics = await (await fetch(`${running().baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^oc_numbers_summary_coalesced_total ([4-9]|\d\d+)$/m);
  }, 30_000);

  it('reads the tenants asked for while a tenant read is stuck in one next query, never one query each', async () => {
    const tenants = [
      '6f9619ff-8b86-d011-b42d-00cf4fc964ff',
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    ];
    const ofTenant = (tenant: string) => `${running().baseUrl}${SUMMARY}?msTenantId=${tenant}`;
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE oc_numbers_removal_counts IN ACCESS EXCLUSIVE MODE');
    let answers: Array<Awaited<ReturnType<typeof timed>>>;
    try {
      const first = timed(ofTenant(tenants[0]));
      await eventually('the query waits', async () => (await watcher.query(WAITING_FOR_LOCK)).rows[0].n === 1, LOOK);
      const later = tenants.flatMap((tenant) => [timed(ofTenant(tenant)), timed(ofTenant(tenant))]);
      // Give the later requests time to arrive: still only the first query waits on the lock.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await watcher.query(WAITING_FOR_LOCK)).rows[0].n).toBe(1);
      answers = await Promise.all([first, ...later]);
    } finally {
      await locker.query('ROLLBACK');
    }
    for (const answer of answers) {
      expectProblem(answer, 503, 'DATABASE_UNAVAILABLE');
      expect(answer.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
    }
    const served = await Promise.all(tenants.map((tenant) => timed(ofTenant(tenant))));
    expect(served.map(({ status }) => status)).toEqual([200, 200, 200]);
  }, 30_000);
});
