import { expectProblem, runToExit, type ServerProcess, Sqlite, startServer } from '@oc-numbers/testing';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const MARKED = 2;
const READY = 3;

const get = (server: ServerProcess, path: string) =>
  fetch(`${server.baseUrl}${path}`, { signal: AbortSignal.timeout(15_000) });

async function answer(server: ServerProcess, path: string) {
  const response = await get(server, path);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** A migrated database made by the service itself, then given `marked` and `ready` numbers. */
async function migratedDatabase(path: string, marked: number, ready: number): Promise<void> {
  const server = await startServer({ DATABASE_URL: `sqlite:${path}` });
  expect(await server.stop()).toBe(0);
  const db = new Sqlite(path);
  try {
    const insert = db.prepare(
      'INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)',
    );
    db.transaction(() => {
      for (let i = 0; i < marked + ready; i++) insert.run(`+4930${1000 + i}`, null, i < marked ? MARKED : READY);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Puts `source` at `path` the way a restore does: a new file (a new inode) renamed over the old one. */
function restore(source: string, path: string): void {
  const staged = `${path}.restoring`;
  copyFileSync(source, staged);
  renameSync(staged, path);
}

describe('a SQLite file deleted or replaced while the service runs', () => {
  let dir: string;
  let path: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-replaced-'));
    path = join(dir, 'oc.sqlite');
    await migratedDatabase(path, 1, 0);
    await migratedDatabase(join(dir, 'backup.sqlite'), 2, 3);
    server = await startServer({ DATABASE_URL: `sqlite:${path}` });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode() === null) expect(await server.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('stops serving a deleted file at the next readiness check', async () => {
    expect((await answer(server, SUMMARY)).body).toEqual({
      markedForRemovalCount: 1,
      readyForRemovalCount: 0,
      totalCount: 1,
    });
    expect((await get(server, '/health/ready')).status).toBe(200);

    unlinkSync(path);

    const ready = await answer(server, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      errorCode: 'DATABASE_UNAVAILABLE',
      check: 'sqliteFile',
      reason: expect.stringMatching(/deleted/),
    });
    expectProblem(await answer(server, SUMMARY), 503, 'DATABASE_UNAVAILABLE');
  });

  it('serves a valid, migrated file restored in its place', async () => {
    restore(join(dir, 'backup.sqlite'), path);

    expect((await get(server, '/health/ready')).status).toBe(200);
    expect((await answer(server, SUMMARY)).body).toEqual({
      markedForRemovalCount: 2,
      readyForRemovalCount: 3,
      totalCount: 5,
    });
    // The queries on the file opened now are still measured, TypeORM's included.
    const pings = async () => {
      const text = await (await get(server, '/metrics')).text();
      return Number(/^db_query_duration_seconds_count\{query="ping"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await pings();
    expect((await get(server, '/health/ready')).status).toBe(200);
    expect(await pings()).toBe(before + 1);
  });

  it('refuses a file that is not a database, and says why', async () => {
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, 'this is not a database, only a text file that is long enough to have a header');
    restore(garbage, path);

    const ready = await answer(server, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      errorCode: 'DATABASE_UNAVAILABLE',
      check: 'sqliteFile',
      reason: expect.stringContaining('is not a usable SQLite database'),
    });
    expect(JSON.stringify(ready.body)).not.toContain(dir);
    expectProblem(await answer(server, SUMMARY), 503, 'DATABASE_UNAVAILABLE');
    expect(server.output()).toContain('is not a usable SQLite database');
    expect(server.exitCode()).toBeNull();
  });
});

describe('a SQLite file shorter than its own page count', () => {
  it('is refused at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-truncated-'));
    try {
      const complete = join(dir, 'complete.sqlite');
      await migratedDatabase(complete, 1, 1);
      const path = join(dir, 'truncated.sqlite');
      writeFileSync(path, readFileSync(complete).subarray(0, 3000));
      const { code, output } = await runToExit({ DATABASE_URL: `sqlite:${path}` });
      expect(output).toContain('OC Numbers could not start');
      expect(output).toMatch(
        new RegExp(`The SQLite database ${path} is truncated: its header says \\d+ pages of \\d+ bytes`),
      );
      expect(code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
