import {
  createTestDatabase,
  insertNumbers,
  TEST_DATABASE_KINDS,
  type TestDatabase,
  withSql,
  workspaceRoot,
} from '@oc-numbers/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = workspaceRoot();
const COUNTS = join(ROOT, 'dist/apps/api/src/counts.js');
const MIGRATE = join(ROOT, 'dist/apps/api/src/migrate.js');
const MAIN = join(ROOT, 'dist/apps/api/src/main.js');

const TENANT_A = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const TENANT_B = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a built command as a deployment would, with only the given settings. */
function run(script: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  if (!existsSync(script)) throw new Error(`${script} is missing: build the api first (npx nx build api)`);
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const counts = (args: readonly string[], env: Record<string, string>) => run(COUNTS, args, env);

/** The service, started from the build on the database, until `stop`. */
async function startService(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_FORMAT: 'json', RATE_LIMIT_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The service did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`The service exited with ${code}:\n${output}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe.each(TEST_DATABASE_KINDS)('npm run counts on %s', (kind) => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    env = { DATABASE_URL: database.url };
    expect((await run(MIGRATE, [], env)).code).toBe(0);
    await insertNumbers(database, [
      { telephoneNumber: '+14255550001', msTenantId: TENANT_A, removalStatus: 2 },
      { telephoneNumber: '+14255550002', msTenantId: TENANT_A, removalStatus: 3 },
      { telephoneNumber: '+14255550003', msTenantId: TENANT_B, removalStatus: 3 },
      { telephoneNumber: '+14255550004', msTenantId: null, removalStatus: 2 },
    ]);
  });
  afterAll(() => database?.drop());

  it('verify: exit 0 when the counts are exact', async () => {
    const verify = await counts(['--verify'], env);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
    expect(verify.stdout).toContain('Counted 2 tenant(s) with numbers in removal');
    expect(verify.stdout).toContain('The counts are exact.');
  });

  it('finds drift made behind the triggers, repairs it while the service runs, and the summary is right again', async () => {
    const service = await startService(env);
    try {
      // Tenant A's number in status 3 leaves removal behind the triggers' back (its counter stays
      // at 1, one too many); a number of tenant B enters status 2 behind their back and is then
      // deleted in view of them (its counter goes to −1).
      await withSql(database, async (query) => {
        if (kind === 'postgres') {
          await query('BEGIN');
          await query('SET LOCAL session_replication_role = replica');
          await query(`UPDATE oc_numbers SET removal_status = 0 WHERE telephone_number = '+14255550002'`);
          await query(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
                       VALUES ('+14255550005', '${TENANT_B}', 2)`);
          await query('COMMIT');
        } else {
          // Another program's connection, without recursive_triggers: the replaced row's delete
          // is not counted. Then counters written by hand.
          await query('PRAGMA recursive_triggers = OFF');
          await query(`REPLACE INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
                       VALUES ('+14255550002', '${TENANT_A}', 0)`);
          await query(`UPDATE oc_numbers_removal_counts SET marked_for_removal = marked_for_removal - 1
                        WHERE ms_tenant_id = '${TENANT_B}'`);
          await query('UPDATE oc_numbers_removal_totals SET marked_for_removal = marked_for_removal - 1');
          await query(`INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
                       VALUES ('+14255550005', '${TENANT_B}', 2)`);
        }
        await query(`DELETE FROM oc_numbers WHERE telephone_number = '+14255550005'`);
      });
      const before = await fetch(`${service.url}${SUMMARY}?msTenantId=${TENANT_B}`);
      expect(before.status).toBe(503);
      expect(((await before.json()) as { errorCode: string }).errorCode).toBe('COUNTS_INCONSISTENT');

      const verify = await counts(['--verify'], env);
      expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 1, stderr: '' });
      const table = verify.stdout.split('\n').filter((line) => /^ {2}\S/.test(line));
      // PostgreSQL's hidden update left A's new Active number uncounted; SQLite's REPLACE counted
      // it (its insert trigger fired) but not the deleted row it replaced.
      const active = kind === 'postgres' ? '1/0' : '1/1';
      expect(table.map((line) => line.trim().split(/\s+/))).toEqual([
        [
          'scope',
          'active',
          'counted/kept',
          'release',
          'counted/kept',
          'marked',
          'counted/kept',
          'ready',
          'counted/kept',
        ],
        [TENANT_B, '0/0', '0/0', '0/-1', '1/1'],
        [TENANT_A, active, '0/0', '1/1', '0/1'],
        ['all', 'numbers', '(totals)', active, '0/0', '2/1', '1/2'],
      ]);
      expect(verify.stdout).toContain('npm run counts -- --repair');

      const repair = await counts(['--repair'], env);
      expect({ code: repair.code, stderr: repair.stderr }).toEqual({ code: 0, stderr: '' });
      expect(repair.stdout).toContain('Repaired: 3 count(s) corrected');

      const again = await counts(['--verify'], env);
      expect({ code: again.code, out: again.stdout }).toEqual({
        code: 0,
        out: expect.stringContaining('The counts are exact.'),
      });
      const after = await fetch(`${service.url}${SUMMARY}?msTenantId=${TENANT_B}`);
      expect({ status: after.status, body: await after.json() }).toEqual({
        status: 200,
        body: { markedForRemovalCount: 0, readyForRemovalCount: 1, totalCount: 1 },
      });
      const all = await fetch(`${service.url}${SUMMARY}`);
      expect(await all.json()).toEqual({ markedForRemovalCount: 2, readyForRemovalCount: 1, totalCount: 3 });
    } finally {
      await service.stop();
    }
  });

  it('compact: folds the deltas (PostgreSQL), nothing to do on SQLite', async () => {
    await withSql(database, (query) =>
      query(`UPDATE oc_numbers SET removal_status = 3 WHERE telephone_number = '+14255550004'`),
    );
    const compact = await counts(['--compact'], env);
    expect({ code: compact.code, stderr: compact.stderr }).toEqual({ code: 0, stderr: '' });
    expect(compact.stdout).toMatch(
      kind === 'postgres' ? /Folded [1-9]\d* delta rows into the base rows/ : /Nothing to compact/,
    );
    if (kind === 'postgres') {
      const [{ n }] = (await withSql(database, (query) =>
        query('SELECT COUNT(*) AS n FROM oc_numbers_removal_count_deltas'),
      )) as [{ n: string }];
      expect(Number(n)).toBe(0);
    }
    expect((await counts(['--verify'], env)).code).toBe(0);
  });
});

describe('npm run counts', () => {
  it('prints the usage with --help, and exits 2 with it on a bad command line', async () => {
    const help = await counts(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run counts -- --verify/);
    for (const args of [[], ['--bogus'], ['verify'], ['--verify', '--repair']]) {
      const bad = await counts(args, {});
      expect({ args, code: bad.code, usage: bad.stderr.includes('Usage: npm run counts') }).toEqual({
        args,
        code: 2,
        usage: true,
      });
    }
  });

  it('exits 3 when there is no SQLite database, and does not create one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'oc-numbers-counts-')), 'none.sqlite');
    const none = await counts(['--verify'], { DATABASE_URL: `sqlite:${path}` });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain(`There is no SQLite database at ${path}`);
    expect(existsSync(path)).toBe(false);
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('exits 3 on a database that is not migrated, saying so', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const bare = await counts(['--verify'], { DATABASE_URL: database.url });
      expect(bare.code).toBe(3);
      expect(bare.stderr).toContain('npm run migrate');
    } finally {
      await database.drop();
    }
  });
});
