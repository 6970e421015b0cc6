import {
  createTestDatabase,
  freePort,
  TEST_DATABASE_KINDS,
  type TestDatabase,
  withSql,
  workspaceRoot,
} from '@oc-numbers/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = workspaceRoot();
const MIGRATE = join(ROOT, 'dist/apps/api/src/migrate.js');

/** The migrations as their files are named, oldest first: what the command must list. */
const MIGRATIONS = readdirSync(join(ROOT, 'apps/api/src/database/migrations'))
  .filter((file) => /^\d{13}-.+\.ts$/.test(file) && !file.endsWith('.spec.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();
const [FIRST, ...LATER] = MIGRATIONS;
const LAST = MIGRATIONS[MIGRATIONS.length - 1];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built migration command as a deployment would, with only the given settings. */
function migrate(args: readonly string[], env: Record<string, string>): Promise<Run> {
  if (!existsSync(MIGRATE)) throw new Error(`${MIGRATE} is missing: build the api first (npx nx build api)`);
  const child = spawn(process.execPath, [MIGRATE, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `[X]`/`[ ]` lines of `show`, in order. */
const listed = (run: Run) => run.stdout.split('\n').filter((line) => /^\[[X ]\] /.test(line));

/** The tables of the database, to see what a migration really did. */
function tables(database: TestDatabase): Promise<string[]> {
  return withSql(database, async (query) => {
    const rows = (await query(
      database.kind === 'postgres'
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        : "SELECT name FROM sqlite_master WHERE type = 'table'",
    )) as { name: string }[];
    return rows.map((row) => row.name).filter((name) => name.startsWith('oc_numbers'));
  });
}

describe.each(TEST_DATABASE_KINDS)('the migration commands on %s', (kind) => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    env = { DATABASE_URL: database.url };
  });
  afterAll(() => database?.drop());

  it('show every migration as pending on a fresh database', async () => {
    const run = await migrate(['show'], env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed(run)).toEqual(MIGRATIONS.map((name) => `[ ] ${name}`));
    // Listing must not create the database (a SQLite file would be made by opening it).
    if (database.config.type === 'better-sqlite3') expect(existsSync(database.config.path)).toBe(false);
  });

  it('apply the pending migrations, oldest first, then show them applied', async () => {
    const run = await migrate([], env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout.split('\n').filter((line) => line.startsWith('Applied '))).toEqual(
      MIGRATIONS.map((name) => `Applied ${name}`),
    );
    expect(await tables(database)).toEqual(
      expect.arrayContaining(['oc_numbers', 'oc_numbers_removal_counts', 'oc_numbers_removal_totals']),
    );

    const show = await migrate(['show'], env);
    expect(show.code).toBe(0);
    expect(listed(show)).toEqual(MIGRATIONS.map((name) => `[X] ${name}`));
    expect(show.stdout).toContain(`${MIGRATIONS.length} applied, none pending.`);
  });

  it('apply nothing when nothing is pending', async () => {
    const run = await migrate(['run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Nothing to migrate: the \d+ migrations are applied/);
  });

  it('revert the last migration only, and apply it again', async () => {
    const revert = await migrate(['revert'], env);
    expect({ code: revert.code, stderr: revert.stderr }).toEqual({ code: 0, stderr: '' });
    expect(revert.stdout).toContain(`Reverted ${LAST}\n`);
    // The last migration added columns and indexes, no table: every table stays.
    expect((await tables(database)).sort()).toEqual(
      [
        'oc_numbers',
        ...(kind === 'sqlite' ? ['oc_numbers_change_context'] : []),
        'oc_numbers_reconciliations',
        'oc_numbers_status_history',
        ...(kind === 'postgres' ? ['oc_numbers_removal_count_deltas'] : []),
        'oc_numbers_removal_counts',
        'oc_numbers_removal_totals',
      ].sort(),
    );

    const show = await migrate(['show'], env);
    expect(listed(show)).toEqual(MIGRATIONS.map((name) => `${name === LAST ? '[ ]' : '[X]'} ${name}`));

    const again = await migrate([], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Applied ${LAST}\n`);
  });

  it('name the migration that fails, exit 1, and leave nothing of it applied', async () => {
    const other = await createTestDatabase(kind);
    try {
      // A table of that name is already there: the first migration cannot create it.
      await withSql(other, (query) => query('CREATE TABLE oc_numbers (id integer)'));
      const run = await migrate([], { DATABASE_URL: other.url });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`migrate: ${FIRST} failed and was rolled back:`);
      expect(run.stderr).toMatch(/already exists/);
      if (LATER.length > 0) expect(run.stderr).toContain(`Not run: ${LATER.join(', ')}`);
      expect(run.stdout).not.toContain('Applied');
      const show = await migrate(['show'], { DATABASE_URL: other.url });
      expect(listed(show)).toEqual(MIGRATIONS.map((name) => `[ ] ${name}`));
    } finally {
      await other.drop();
    }
  });
});

describe('the migration commands', () => {
  const PASSWORD = 'pa55-w0rd';

  it('exit 1 naming an unreachable PostgreSQL, never its password', async () => {
    const port = await freePort();
    const run = await migrate(['show'], { DATABASE_URL: `postgres://oc:${PASSWORD}@127.0.0.1:${port}/oc_numbers` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`migrate: Cannot open PostgreSQL at postgres://oc:***@127.0.0.1:${port}/oc_numbers:`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('exit 1 on a bad DATABASE_URL, naming the variable, never the password', async () => {
    const run = await migrate([], { DATABASE_URL: `mysql://oc:${PASSWORD}@db.example.com/oc_numbers` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL must be');
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('revert nothing on a database where nothing is applied', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const run = await migrate(['revert'], { DATABASE_URL: database.url });
      expect({ code: run.code, stdout: run.stdout }).toEqual({
        code: 0,
        stdout: expect.stringMatching(/^Nothing to revert: no migration is applied/),
      });
    } finally {
      await database.drop();
    }
  });

  it('exit 1 when there is no SQLite database to revert, and do not create one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'oc-numbers-migrate-')), 'none.sqlite');
    const run = await migrate(['revert'], { DATABASE_URL: `sqlite:${path}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`There is no SQLite database at ${path}`);
    expect(existsSync(path)).toBe(false);
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('print the usage with --help, and exit 2 with it on a bad command line', async () => {
    const help = await migrate(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run migrate/);
    for (const args of [['bogus'], ['--force'], ['run', 'show']]) {
      const run = await migrate(args, {});
      expect({ args, code: run.code, usage: run.stderr.includes('Usage: npm run migrate') }).toEqual({
        args,
        code: 2,
        usage: true,
      });
    }
  });
});
