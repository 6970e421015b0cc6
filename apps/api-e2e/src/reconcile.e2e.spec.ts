import {
  createTestDatabase,
  insertNumbers,
  type ServerProcess,
  startServer,
  TEST_DATABASE_KINDS,
  type TestDatabase,
  withSql,
  workspaceRoot,
} from '@oc-numbers/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = workspaceRoot();
const RECONCILE = join(ROOT, 'dist/apps/api/src/reconcile.js');
const MIGRATE = join(ROOT, 'dist/apps/api/src/migrate.js');

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const OTHER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;

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

/** The summary table's rows: label → value. */
function table(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => /^ {2}\S/.test(line) && !line.includes('first '))
      .map((line) => {
        const [label, value] = line.trim().split(/ {2,}/);
        return [label, value];
      }),
  );
}

describe.each(TEST_DATABASE_KINDS)('npm run reconcile on %s', (kind) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let folder: string;
  let service: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    env = { DATABASE_URL: database.url };
    expect((await run(MIGRATE, [], env)).code).toBe(0);
    // Ten Active numbers and one MarkedForRemoval of the tenant; one number of another tenant.
    await insertNumbers(database, [
      ...Array.from({ length: 10 }, (_, i) => ({ telephoneNumber: n(i), msTenantId: TENANT, removalStatus: 0 })),
      { telephoneNumber: n(10), msTenantId: TENANT, removalStatus: 2 },
      { telephoneNumber: n(20), msTenantId: OTHER, removalStatus: 0 },
    ]);
    folder = mkdtempSync(join(tmpdir(), 'oc-reconcile-'));
    service = await startServer({ ...env, LOG_FORMAT: 'json', RATE_LIMIT_ENABLED: 'false' });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  async function statuses(): Promise<number[]> {
    const rows = (await withSql(database, (query) =>
      query('SELECT removal_status AS status FROM oc_numbers ORDER BY telephone_number'),
    )) as Array<{ status: number | string }>;
    return rows.map((row) => Number(row.status));
  }

  function file(name: string, text: string): string {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  }

  describe.each([
    ['directly on DATABASE_URL', () => [] as string[]],
    ['through the service (--base-url)', () => ['--base-url', service.baseUrl]],
  ])('%s', (_mode, where) => {
    it('answers a dry run with a summary table, changing nothing, then reconciles', async () => {
      const before = await statuses();
      // All but the first number, the marked one present again, an unknown number.
      const list = file(
        'list.csv',
        `telephoneNumber\n${[...Array.from({ length: 9 }, (_, i) => n(i + 1)), n(10), n(99)].join('\n')}\n`,
      );
      const dry = await run(RECONCILE, ['--tenant', TENANT, '--file', list, '--dry-run', ...where()], env);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^Dry run: what the reconciliation would do/);
      expect(table(dry.stdout)).toMatchObject({
        tenant: TENANT,
        reconciliation: '(dry run: nothing changed)',
        'acquired (listed)': '11',
        'active before': '10',
        'would mark': '1',
        'would restore': '1',
        unchanged: '9',
        unknown: '1',
        'mass-removal guard': 'passed (share 0.2)',
      });
      expect(await statuses()).toEqual(before);

      const real = await run(RECONCILE, ['--tenant', TENANT.toUpperCase(), '--file', list, ...where()], env);
      expect({ code: real.code, stderr: real.stderr.includes('refused') }).toEqual({ code: 0, stderr: false });
      expect(real.stdout).toMatch(/^Reconciled/);
      expect(table(real.stdout)).toMatchObject({ marked: '1', restored: '1', unknown: '1' });
      expect(table(real.stdout).reconciliation).toMatch(/^[0-9a-f-]{36}$/);
      expect(await statuses()).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

      // Back as before: the first number is restored, the one restored above is marked again.
      const back = file('back.json', JSON.stringify({ acquiredNumbers: Array.from({ length: 10 }, (_, i) => n(i)) }));
      const restored = await run(RECONCILE, ['--tenant', TENANT, '--file', back, ...where()], env);
      expect(restored.code).toBe(0);
      expect(await statuses()).toEqual(before);
    });

    it('exits 1 on a mass removal unless confirmed, and on a list that cannot be used, changing nothing', async () => {
      const before = await statuses();
      const few = file('few.csv', `${n(0)}\n`);
      const refused = await run(RECONCILE, ['--tenant', TENANT, '--file', few, ...where()], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        "reconcile: refused: The list would mark 9 of the tenant's 10 Active numbers for removal, more than the 20% allowed at once",
      );
      expect(await statuses()).toEqual(before);

      const bad = file('bad.csv', `${n(0)}\nnot a number\n${n(0)}\n`);
      const invalid = await run(RECONCILE, ['--tenant', TENANT, '--file', bad, ...where()], env);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain(
        '2 lines of the CSV body cannot be used (the first 2 named): line 2 "not a number": not E.164; line 3 "+14255550000": duplicate.',
      );
      expect(await statuses()).toEqual(before);

      const confirmed = await run(
        RECONCILE,
        ['--tenant', TENANT, '--file', few, '--confirm-mass-removal', ...where()],
        env,
      );
      expect(confirmed.code).toBe(0);
      expect(table(confirmed.stdout)).toMatchObject({ marked: '9', 'mass-removal guard': 'confirmed (share 0.2)' });
      // Back as before.
      await withSql(database, (query) =>
        query(`UPDATE oc_numbers SET removal_status = 0 WHERE removal_status = 2 AND telephone_number <> '${n(10)}'`),
      );
      expect(await statuses()).toEqual(before);
    });
  });
});

describe('npm run reconcile', () => {
  it('prints the usage with --help, and exits 2 with it on a bad command line', async () => {
    const help = await run(RECONCILE, ['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run reconcile -- --tenant <GUID> --file/);
    for (const args of [
      [],
      ['--tenant', TENANT],
      ['--file', 'x.csv'],
      ['--tenant', 'not-a-guid', '--file', 'x.csv'],
      ['--tenant', TENANT, '--file', 'x.csv', '--bogus'],
      ['--tenant', TENANT, '--file', 'x.csv', '--base-url', 'ftp://x'],
    ]) {
      const bad = await run(RECONCILE, args, {});
      expect({ args, code: bad.code, usage: bad.stderr.includes('Usage: npm run reconcile') }).toEqual({
        args,
        code: 2,
        usage: true,
      });
    }
  });

  it('exits 3 when the file cannot be read or the service cannot be reached', async () => {
    const missing = await run(RECONCILE, ['--tenant', TENANT, '--file', '/nonexistent/list.csv'], {});
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('reconcile: Cannot read /nonexistent/list.csv');
    const folder = mkdtempSync(join(tmpdir(), 'oc-reconcile-'));
    try {
      writeFileSync(join(folder, 'list.csv'), `${n(0)}\n`);
      const unreachable = await run(
        RECONCILE,
        ['--tenant', TENANT, '--file', join(folder, 'list.csv'), '--base-url', 'http://127.0.0.1:9'],
        {},
      );
      expect(unreachable.code).toBe(3);
      expect(unreachable.stderr).toContain('reconcile: Cannot reach http://127.0.0.1:9');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
