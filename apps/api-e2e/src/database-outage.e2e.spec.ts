import {
  expectProblem,
  type OwnedPostgres,
  type ServerProcess,
  startOwnedPostgres,
  startServer,
} from '@oc-numbers/testing';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

/** Every request has a deadline far above the service's own timeouts: a hang fails the test. */
const get = (server: ServerProcess, path: string) =>
  fetch(`${server.baseUrl}${path}`, { signal: AbortSignal.timeout(15_000) });

describe('a PostgreSQL outage while the service runs', () => {
  let postgres: OwnedPostgres;
  let server: ServerProcess;

  beforeAll(async () => {
    postgres = await startOwnedPostgres();
    server = await startServer({
      DATABASE_URL: postgres.url,
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
    });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode() === null) expect(await server.stop()).toBe(0);
    await postgres?.dispose();
  }, 60_000);

  it('answers 503 problems with Retry-After while the database is down, and serves again once it is back', async () => {
    expect((await get(server, SUMMARY)).status).toBe(200);
    expect((await get(server, '/health/ready')).status).toBe(200);

    await postgres.stop();

    // Pooled connections were cut and new ones are refused: every request fails fast, none hangs.
    const paths = [SUMMARY, SUMMARY, SUMMARY, '/health/ready'];
    const during = await Promise.all(paths.map((path) => get(server, path)));
    for (const [i, response] of during.entries()) {
      const body = await response.json();
      expectProblem({ status: response.status, headers: response.headers, body }, 503, 'DATABASE_UNAVAILABLE', {
        detail: 'The database is not available. Retry after 5 seconds.',
        // Readiness names the part that failed, in its own words.
        ...(paths[i] === '/health/ready'
          ? { check: 'database', reason: expect.stringMatching(/^not available: /) }
          : {}),
      });
      expect(response.headers.get('retry-after')).toBe('5');
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|terminat|postgres/i);
    }
    const live = await get(server, '/health/live');
    expect(live.status).toBe(200);
    expect(server.exitCode()).toBeNull();

    await postgres.start();

    // No restart, no back-off: the first request after the database is back succeeds.
    const after = await get(server, SUMMARY);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });
    expect((await get(server, '/health/ready')).status).toBe(200);
    expect(server.exitCode()).toBeNull();

    // The outage is told once: its cause at error level, then one line when it is over.
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(lines.filter((line) => line.level >= 50)).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/^The database is not available/), err: expect.anything() }),
    ]);
    expect(lines.filter((line) => /answers again after/.test(line.msg))).toEqual([
      expect.objectContaining({ level: 30, msg: expect.stringContaining('4 request(s) failed meanwhile') }),
    ]);
  }, 60_000);
});
