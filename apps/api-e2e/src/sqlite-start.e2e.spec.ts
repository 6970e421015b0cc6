import { type RunOptions, runToExit, startServer } from '@oc-numbers/testing';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Root passes every permission check: the service runs without that power here, to meet the
// file modes as a deployment's service user would.
const asServiceUser: RunOptions = { honourFileModes: true };

const NOT_A_DATABASE = 'this is not a database, only a text file that is long enough to have a header';

/**
 * Each case: what is at the path (nothing, a file with these contents and this mode, or a
 * folder), the settings, and what the service must say as it stops.
 */
const CASES: ReadonlyArray<{
  readonly name: string;
  readonly file?: { readonly contents: string; readonly mode: number };
  readonly isFolder?: boolean;
  readonly env?: Record<string, string>;
  readonly message: (path: string) => string;
}> = [
  {
    name: 'the file is missing and migrations are off',
    env: { MIGRATIONS_RUN: 'false' },
    message: (path) => `The SQLite database ${path} does not exist, and MIGRATIONS_RUN=false: nothing would create it.`,
  },
  {
    name: 'the file cannot be read',
    file: { contents: '', mode: 0o000 },
    message: (path) => `The SQLite database ${path} cannot be read by this process: check its owner and mode.`,
  },
  {
    name: 'the file is read-only',
    file: { contents: '', mode: 0o444 },
    message: (path) => `The SQLite database ${path} is read-only for this process`,
  },
  {
    name: 'the file is not a SQLite database',
    file: { contents: NOT_A_DATABASE, mode: 0o666 },
    message: (path) => `The file ${path} is not a usable SQLite database: file is not a database.`,
  },
  {
    name: 'the path is a folder',
    isFolder: true,
    message: (path) => `The SQLite database ${path} is a folder, not a file.`,
  },
];

describe('starting on a SQLite file the service cannot use', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh folder for one case, and the database path in it. */
  function databasePath(name: string): string {
    const folder = join(dir, name.replace(/\W+/g, '-'));
    mkdirSync(folder);
    return join(folder, 'oc.sqlite');
  }

  it('starts on a new file in a writable folder (the control case)', async () => {
    const path = databasePath('fresh');
    const server = await startServer({ DATABASE_URL: `sqlite:${path}` }, asServiceUser);
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('starts on an empty file with migrations off, and readiness says the database is not migrated', async () => {
    const path = databasePath('empty-not-migrated');
    writeFileSync(path, '');
    const server = await startServer({ DATABASE_URL: `sqlite:${path}`, MIGRATIONS_RUN: 'false' }, asServiceUser);
    try {
      const ready = await fetch(`${server.baseUrl}/health/ready`);
      const body = (await ready.json()) as Record<string, unknown>;
      expect({ status: ready.status, body }).toEqual({
        status: 503,
        body: expect.objectContaining({
          errorCode: 'DATABASE_UNAVAILABLE',
          check: 'removalCounts',
          reason: expect.stringMatching(/^not migrated: \d+ of \d+ migrations have not run$/),
        }),
      });
      expect(JSON.stringify(body)).not.toContain(path);
      // The summary it guards fails too: readiness told the truth.
      const summary = await fetch(`${server.baseUrl}/api/v3/oc/numbers/removal-status/summary`);
      expect(summary.status).toBeGreaterThanOrEqual(500);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it.each(CASES)('stops when $name', async ({ name, file, isFolder, env, message }) => {
    const path = isFolder ? join(databasePath(name), '..') : databasePath(name);
    if (file) {
      writeFileSync(path, file.contents);
      chmodSync(path, file.mode);
    }
    const { code, output } = await runToExit({ DATABASE_URL: `sqlite:${path}`, ...env }, asServiceUser);
    expect(output).toContain('OC Numbers could not start');
    expect(output).toContain(message(path));
    expect(code).toBe(1);
  });
});
