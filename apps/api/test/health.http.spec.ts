import {
  Contract,
  expectProblem,
  onPostgresServer,
  TEST_DATABASE_KINDS,
  withPostgres,
  withSql,
} from '@oc-numbers/testing';
import request from 'supertest';
import { DatabaseDriver } from '../src/database/database-driver';
import { REMOVAL_COUNT_TABLES } from '../src/numbers/numbers.repository';
import { useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

describe.each(TEST_DATABASE_KINDS)('health probes on %s', (kind) => {
  const running = useApp(kind);

  async function get(path: string) {
    const response = await request(running().server).get(path);
    expect(contract.check('get', path, response)).toEqual([]);
    return response;
  }

  describe('GET /health/live', () => {
    it('answers ok without checking anything', async () => {
      const response = await get('/health/live');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });
  });

  describe('GET /health/ready', () => {
    it('answers ok when the database answers and the summary can count', async () => {
      const response = await get('/health/ready');
      expect(response.status).toBe(200);
      const up = { status: 'up', responseTime: expect.any(Number) };
      const checks = {
        ...(kind === 'sqlite' ? { sqliteFile: up } : {}),
        database: up,
        removalCounts: up,
      };
      expect(response.body).toEqual({ status: 'ok', info: checks, error: {}, details: checks });
    });
  });
});

describe.each(TEST_DATABASE_KINDS)('when a table the summary reads is missing on %s', (kind) => {
  const running = useApp(kind);

  it('answers a 503 problem that names the removal counts, in words without SQL', async () => {
    expect((await request(running().server).get('/health/ready')).status).toBe(200);
    const table = REMOVAL_COUNT_TABLES.allTenants;
    await withSql(running().database, (query) => query(`DROP TABLE ${table}${kind === 'postgres' ? ' CASCADE' : ''}`));

    const ready = await request(running().server).get('/health/ready');
    expect(contract.check('get', '/health/ready', ready)).toEqual([]);
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(ready.body).toMatchObject({
      errorCode: 'DATABASE_UNAVAILABLE',
      check: 'removalCounts',
      reason: 'missing table: a table the summary reads does not exist',
    });
    expect(JSON.stringify(ready.body)).not.toMatch(new RegExp(`${table}|SELECT|FROM|relation|sqlite`, 'i'));
    // Liveness does not depend on it: restarting would not bring the table back.
    expect((await request(running().server).get('/health/live')).status).toBe(200);
  });
});

describe('when another session locks the counter tables on PostgreSQL', () => {
  const READINESS_TIMEOUT_MS = 2000;
  // Far longer than the probe's deadline: a probe that answers in time did not wait for it.
  const STATEMENT_TIMEOUT_MS = 30_000;
  const running = useApp('postgres', {
    readinessTimeoutMs: READINESS_TIMEOUT_MS,
    databaseStatementTimeoutMs: STATEMENT_TIMEOUT_MS,
    // The counters' compaction also meets the lock (for up to its 100 ms lock timeout, then it
    // skips): off here, so that every query waiting on the lock is a probe's.
    counterCompactionIntervalMs: 0,
  });

  /** Queries of this database waiting for a lock, other than the locker's own. */
  async function waitingForLocks(): Promise<number> {
    return withPostgres(running().database.url, async (client) => {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'oc-numbers'`,
      );
      return Number(rows[0].n);
    });
  }

  async function probe() {
    const started = Date.now();
    const response = await request(running().server).get('/health/ready');
    return { response, elapsed: Date.now() - started };
  }

  it('gives up at its deadline, shares one check between probes, and is ready again after the release', async () => {
    expect((await request(running().server).get('/health/ready')).status).toBe(200);

    await withPostgres(running().database.url, async (locker) => {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${REMOVAL_COUNT_TABLES.allTenants} IN ACCESS EXCLUSIVE MODE`);
      try {
        for (let round = 0; round < 2; round++) {
          const probes = await Promise.all([probe(), probe(), probe(), probe(), probe()]);
          for (const { response, elapsed } of probes) {
            expect(contract.check('get', '/health/ready', response)).toEqual([]);
            expect(response.status).toBe(503);
            expect(response.body).toMatchObject({
              errorCode: 'DATABASE_UNAVAILABLE',
              check: 'removalCounts',
              reason: `timed out: no answer within ${READINESS_TIMEOUT_MS} ms`,
            });
            // The deadline plus a margin for a busy machine, well short of the statement timeout.
            expect(elapsed).toBeLessThan(READINESS_TIMEOUT_MS + 10_000);
          }
          // Ten probes, one query waiting on the lock: they share the check that is still running.
          expect(await waitingForLocks()).toBe(1);
        }
      } finally {
        await locker.query('COMMIT');
      }
    });

    let ready = await request(running().server).get('/health/ready');
    for (let tries = 0; ready.status !== 200 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await request(running().server).get('/health/ready');
    }
    expect(ready.status).toBe(200);
    // No connection is left busy, and nothing waits for one.
    const counts = running().app.get(DatabaseDriver).connections();
    expect(counts).toMatchObject({ waiting: 0, idle: counts?.total });
  }, 60_000);
});

describe('when the PostgreSQL database goes away and comes back', () => {
  const running = useApp('postgres');

  it('answers 503 problems with Retry-After, then serves again without a restart', async () => {
    // The log lines of this test only (the apps of a test file share one log).
    const firstLine = running().logs.lines.length;
    await onPostgresServer(running().database.url, 'DROP DATABASE {database} WITH (FORCE)');

    const tickets: string[] = [];
    for (const path of ['/health/ready', SUMMARY, SUMMARY]) {
      const response = await request(running().server).get(path);
      expect(contract.check('get', path, response)).toEqual([]);
      const problem = expectProblem(response, 503, 'DATABASE_UNAVAILABLE', {
        type: 'about:blank',
        title: 'Service Unavailable',
        detail: 'The database is not available. Retry after 5 seconds.',
        instance: path,
        // Readiness names the part that failed.
        ...(path === '/health/ready' ? { check: 'database', reason: expect.stringMatching(/^not available: /) } : {}),
      });
      expect(response.headers['retry-after']).toBe('5');
      tickets.push(problem.errorTicket);
    }
    // The outage's cause is logged once, with its stack; the later failures are only counted.
    const [first, ...later] = tickets;
    expect(running().logs.mentioning(first)).toEqual([
      expect.objectContaining({ level: 50, errorCode: 'DATABASE_UNAVAILABLE', err: expect.anything() }),
    ]);
    for (const ticket of later) expect(running().logs.mentioning(ticket)).toEqual([]);
    const live = await request(running().server).get('/health/live');
    expect(live.status).toBe(200);

    await onPostgresServer(running().database.url, 'CREATE DATABASE {database}');
    await running().dataSource.runMigrations({ transaction: 'each' });
    expect((await request(running().server).get('/health/ready')).status).toBe(200);
    const summary = await request(running().server).get(SUMMARY);
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });
    // The recovery is one line.
    const lines = running().logs.lines.slice(firstLine);
    expect(lines.filter((line) => /answers again after/.test(String(line.msg)))).toEqual([
      expect.objectContaining({ level: 30, msg: expect.stringContaining('3 request(s) failed meanwhile') }),
    ]);
  });
});

describe('when the SQLite database cannot answer', () => {
  const running = useApp('sqlite');

  it('reports readiness down with a 503 problem while liveness stays up', async () => {
    await running().dataSource.destroy();
    const ready = await request(running().server).get('/health/ready');
    expect(contract.check('get', '/health/ready', ready)).toEqual([]);
    expectProblem(ready, 503, 'DATABASE_UNAVAILABLE', {
      instance: '/health/ready',
      check: 'database',
      reason: expect.stringMatching(/^not available: /),
    });
    expect(ready.headers['retry-after']).toBe('5');
    expect((await request(running().server).get('/health/live')).status).toBe(200);
    const [line] = running().logs.mentioning(ready.body.errorTicket);
    expect(line).toMatchObject({
      level: 50,
      errorCode: 'DATABASE_UNAVAILABLE',
      msg: expect.stringContaining('readiness check database failed'),
    });
  });
});
