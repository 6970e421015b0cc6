import { type ServerProcess, Sqlite, startServer } from '@oc-numbers/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const SHUTDOWN_TIMEOUT_MS = 2000;
/** Far above the shutdown timeout: a read that waits this long must not hold the exit. */
const STATEMENT_TIMEOUT_MS = 20_000;
/** Room for a loaded machine to start the exit and reap the process. */
const SLACK_MS = 3000;

describe('a shutdown on SQLite while another process holds the write lock', () => {
  let dir: string;
  let server: ServerProcess | undefined;
  let locker: Sqlite | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-shutdown-'));
  });

  afterAll(async () => {
    locker?.close();
    if (server?.exitCode() === null) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // better-sqlite3 waits for a lock synchronously, holding the whole process (signals included)
  // for up to the statement timeout. In WAL mode (which the service sets) readers never wait for
  // a writer, so the summary is served and the shutdown is prompt while another process writes.
  it('serves the summary and exits 0 well within SHUTDOWN_TIMEOUT_MS, not when the lock is released', async () => {
    const path = join(dir, 'oc.sqlite');
    server = await startServer({
      DATABASE_URL: `sqlite:${path}`,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
    expect((await fetch(`${server.baseUrl}${SUMMARY}`)).status).toBe(200);

    // Another process (the operator's sync job, say) holds the write lock, its change not committed.
    locker = new Sqlite(path);
    locker.exec('BEGIN EXCLUSIVE');
    locker.exec("INSERT INTO oc_numbers (telephone_number, removal_status) VALUES ('+15550100001', 2)");

    const response = await fetch(`${server.baseUrl}${SUMMARY}`, { signal: AbortSignal.timeout(STATEMENT_TIMEOUT_MS) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });

    // Settled into a value at once: refused while the server stops, it must not reject unhandled.
    const inFlight = fetch(`${server.baseUrl}${SUMMARY}`, { signal: AbortSignal.timeout(STATEMENT_TIMEOUT_MS) }).then(
      (answer) => answer.status,
      () => 'refused' as const,
    );
    const signalled = performance.now();
    const code = await server.stop();
    const ms = performance.now() - signalled;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SLACK_MS);
    // Answered before the listener closed, or sent after it and refused: either is as good.
    expect([200, 'refused']).toContain(await inFlight);
  }, 60_000);
});
