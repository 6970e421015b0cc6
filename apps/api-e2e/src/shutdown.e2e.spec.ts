import {
  createTestDatabase,
  eventually,
  type ServerProcess,
  startServer,
  type TestDatabase,
} from '@oc-numbers/testing';
import { Client } from 'pg';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
// Other tests' services share the server: count only the sessions on this test's database.
const SESSIONS =
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'oc-numbers' AND datname = current_database()";
const WAITING_FOR_LOCK = `${SESSIONS} AND wait_event_type = 'Lock'`;

describe('a graceful shutdown on SIGTERM', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let locker: Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    server = await startServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: '20000' });
    locker = new Client({ connectionString: database.url });
    await locker.connect();
  });

  afterAll(async () => {
    await locker?.end();
    if (server?.exitCode() === null) await server.stop();
    await database?.drop();
  });

  it('stops taking connections, finishes the request in flight, closes the database and exits 0', async () => {
    // A slow request: the summary waits for a lock that this test holds.
    await locker.query('BEGIN');
    await locker.query(
      'LOCK TABLE oc_numbers, oc_numbers_removal_counts, oc_numbers_removal_totals IN ACCESS EXCLUSIVE MODE',
    );
    // Settled into a value at once, so that a failure is this test's, never an unhandled rejection.
    const inFlight = fetch(`${server.baseUrl}${SUMMARY}`).then(
      (answer) => answer,
      (error: unknown) => error,
    );
    await eventually('the summary waits for the lock', async () => {
      const { rows } = await locker.query(WAITING_FOR_LOCK);
      return rows[0].n === 1;
    });

    const exited = server.stop();
    await eventually('the service logs the signal', async () => server.output().includes('SIGTERM received'));
    await eventually('the service refuses new connections', () =>
      fetch(`${server.baseUrl}/health/live`).then(
        () => false,
        () => true,
      ),
    );
    expect(server.exitCode()).toBeNull();

    await locker.query('COMMIT');
    const response = await inFlight;
    if (!(response instanceof Response)) throw response;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });

    expect(await exited).toBe(0);
    expect(server.output()).toContain('Shut down: every request answered, database closed');
    // The service closed its connections (the server drops a session a moment after its client).
    await eventually("the service's database sessions are gone", async () => {
      const { rows } = await locker.query(SESSIONS);
      return rows[0].n === 0;
    });
  });
});

describe('a shutdown that outlasts SHUTDOWN_TIMEOUT_MS', () => {
  let database: TestDatabase;
  let locker: Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    locker = new Client({ connectionString: database.url });
  });

  afterAll(async () => {
    await locker?.end();
    await database?.drop();
  });

  it('gives up on the request in flight and exits 1 instead of hanging', async () => {
    const server = await startServer({
      DATABASE_URL: database.url,
      SHUTDOWN_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '60000',
    });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(
      'LOCK TABLE oc_numbers, oc_numbers_removal_counts, oc_numbers_removal_totals IN ACCESS EXCLUSIVE MODE',
    );
    const inFlight = fetch(`${server.baseUrl}${SUMMARY}`).then(
      (r) => r.status,
      () => 'cut',
    );
    await eventually('the summary waits for the lock', async () => {
      const { rows } = await locker.query(WAITING_FOR_LOCK);
      return rows[0].n === 1;
    });
    const signalled = performance.now();
    expect(await server.stop()).toBe(1);
    // The stuck query does not hold the exit past the timeout (with room for a loaded machine).
    expect(performance.now() - signalled).toBeLessThan(500 + 3000);
    expect(server.output()).toContain('Requests were still in flight after 500 ms');
    expect(await inFlight).toBe('cut');
    await locker.query('ROLLBACK');
  });
});
