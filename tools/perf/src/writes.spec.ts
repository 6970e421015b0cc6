import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedSummary, startServer, withDatabaseName, withPostgres } from '@oc-numbers/testing';
import { UsageError } from './args';
import { main as benchMain } from './bench-cli';
import { tenantsFor } from './bench';
import { DEFAULT_MIX, Inventory } from './inventory';
import { renderReport, writeRatios } from './report';
import { medianWindow, MODES, runWriteBench, type WindowResult, type WriteRunRecord } from './writes';
import { main, parseWritesArgs, WRITES_OPTIONS } from './writes-cli';

describe('the bench:writes command line', () => {
  it('defaults to 4 writers on 1m numbers, both workloads and both isolation levels, reports under tmp/bench', () => {
    expect(parseWritesArgs([], {})).toMatchObject({
      bench: {
        numbers: 1_000_000,
        writers: 4,
        seconds: 5,
        rounds: 5,
        workloads: ['single', 'bulk'],
        isolations: ['read committed', 'repeatable read'],
        database: 'oc_bench_writes',
        keep: false,
      },
      markdownPath: 'tmp/bench/BENCHMARKS.md',
      jsonPath: 'tmp/bench/benchmarks.json',
    });
  });

  it('rewrites the committed reports only with --write-report', () => {
    expect(parseWritesArgs(['--write-report'], {})).toMatchObject({
      markdownPath: 'BENCHMARKS.md',
      jsonPath: 'benchmarks.json',
    });
  });

  it('takes a quick look, unless told otherwise', () => {
    expect(parseWritesArgs(['--quick', '--isolation', 'repeatable-read'], {})).toMatchObject({
      bench: { numbers: 10_000, seconds: 1, rounds: 2, warmupSeconds: 0, isolations: ['repeatable read'] },
    });
  });

  it('selects workloads and isolation levels', () => {
    expect(
      parseWritesArgs(['--workloads', 'bulk', '--isolation', 'repeatable-read,read-committed', '--note', 'busy'], {}),
    ).toMatchObject({
      bench: { workloads: ['bulk'], isolations: ['read committed', 'repeatable read'] },
      note: 'busy',
    });
  });

  it('sets synchronous_commit on the writers only when told', () => {
    expect(parseWritesArgs(['--synchronous-commit', 'off'], {})).toMatchObject({ bench: { synchronousCommit: 'off' } });
    const command = parseWritesArgs([], {});
    expect(command !== 'help' && 'synchronousCommit' in command.bench).toBe(false);
  });

  it.each([
    [['--synchronous-commit', 'local'], /--synchronous-commit must be on or off/],
    [['--workloads', 'many'], /--workloads takes single, bulk or both/],
    [['--isolation', 'serializable'], /--isolation takes read-committed, repeatable-read or both/],
    [['--writers', '0'], /--writers must be a whole number from 1/],
    [['--database', 'Oc-Bench'], /--database must be a plain lower-case name/],
    [['--database', 'postgres'], /--database must not be the database of --postgres-url/],
    [['--postgres-url', 'sqlite:x'], /--postgres-url must be a postgres:\/\/ URL/],
    [['--write-report', '--json', 'x.json'], /it takes no --json/],
    [['--fast'], /Unknown option --fast/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseWritesArgs(argv, {})).toThrow(UsageError);
    expect(() => parseWritesArgs(argv, {})).toThrow(message);
  });

  it('documents every option in --help', async () => {
    let out = '';
    const code = await main(['--help'], {}, { out: { write: (t: string) => (out += t) }, err: { write: () => true } });
    expect(code).toBe(0);
    expect(Object.keys(WRITES_OPTIONS).filter((name) => !out.includes(`  --${name}`))).toEqual([]);
  });
});

describe('the writers benchmark on PostgreSQL', () => {
  const server = process.env.TEST_DATABASE_URL as string;
  const database = `oc_test_writes_${randomBytes(4).toString('hex')}`;
  const url = withDatabaseName(server, database);
  const numbers = 3000;
  let run: WriteRunRecord;
  let progress: string[];

  beforeAll(async () => {
    progress = [];
    run = await runWriteBench(
      {
        numbers,
        seed: 5,
        writers: 4,
        seconds: 0.15,
        warmupSeconds: 0,
        rounds: 2,
        workloads: ['single', 'bulk'],
        isolations: ['read committed', 'repeatable read'],
        poolPerWriter: 100,
        batchSize: 20,
        batchesPerWriter: 5,
        postgresUrl: server,
        database,
        keep: true,
        synchronousCommit: 'off',
      },
      (line) => progress.push(line),
    );
  }, 120_000);

  afterAll(() => withPostgres(server, (admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

  it('measures every workload and isolation level in both modes, each round', () => {
    expect(run.variants.map((v) => `${v.workload}, ${v.isolation}`)).toEqual([
      'single, read committed',
      'single, repeatable read',
      'bulk, read committed',
      'bulk, repeatable read',
    ]);
    expect(run.triggers.length).toBeGreaterThan(0);
    expect(run.server.synchronousCommit).toBe('off');
    for (const variant of run.variants) {
      for (const mode of MODES) {
        const { median, rounds, spread } = variant.modes[mode];
        expect(rounds).toHaveLength(2);
        for (const r of [...rounds, median]) {
          expect(r.transactions).toBeGreaterThan(0);
          expect(r.writesPerSecond).toBeGreaterThan(0);
          expect(r.misses).toBe(0);
          expect(r.statementP50).toBeGreaterThan(0);
          expect(r.statementP99).toBeGreaterThanOrEqual(r.statementP50);
          expect(r.transactionP50).toBeGreaterThanOrEqual(r.statementP50);
          expect(r.samples).toBeGreaterThan(0);
          // One number per transaction, or a slice of at most 20.
          const perTransaction = r.rowsPerSecond / r.writesPerSecond;
          expect(perTransaction).toBeGreaterThanOrEqual(variant.workload === 'single' ? 1 : 10);
          expect(perTransaction).toBeLessThanOrEqual(variant.workload === 'single' ? 1 : 20);
        }
        expect(spread.min).toBeLessThanOrEqual(median.writesPerSecond);
        expect(spread.max).toBeGreaterThanOrEqual(median.writesPerSecond);
      }
      expect(variant.ratio).toBeCloseTo(
        variant.modes.counted.median.writesPerSecond / variant.modes.bypassed.median.writesPerSecond,
      );
    }
    // Alternating: counted first in round 1, bypassed first in round 2.
    const order = progress
      .filter((line) => line.includes('single, read committed'))
      .map((l) => /(counted|bypassed)/.exec(l)?.[1]);
    expect(order).toEqual(['counted', 'bypassed', 'bypassed', 'counted']);
  });

  it('puts the rows back as seeded, and leaves counts that the summary reads right', async () => {
    const rows = await withPostgres(
      url,
      async (client) =>
        (
          await client.query<{ n: string; t: string | null; s: number | null }>(
            'SELECT telephone_number AS n, ms_tenant_id AS t, removal_status AS s FROM oc_numbers',
          )
        ).rows,
    );
    const seeded = new Map<string, number | null>();
    new Inventory({ numbers, tenants: tenantsFor(numbers), seed: 5, mix: DEFAULT_MIX, withoutTenant: 0.02 }).fill(
      { row: (number, _tenant, status) => seeded.set(number, status) },
      numbers,
    );
    expect(rows.filter((r) => seeded.get(r.n) !== r.s)).toEqual([]);

    const service = await startServer({ DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' });
    try {
      const counted = rows.map((r) => ({ msTenantId: r.t, removalStatus: r.s }));
      const tenant = rows.find((r) => r.t !== null && r.s === 2)?.t ?? '';
      expect(tenant).not.toBe('');
      for (const query of ['', `?msTenantId=${tenant}`]) {
        const response = await fetch(`${service.baseUrl}/api/v3/oc/numbers/removal-status/summary${query}`);
        expect(await response.json()).toEqual(expectedSummary(counted, query ? tenant : undefined));
      }
    } finally {
      await service.stop();
    }
  });

  it('reports both modes and their ratio', () => {
    const report = renderReport({ seeding: {}, runs: {}, writes: { 'postgres:3000': { ...run, note: 'busy' } } });
    expect(report).toContain('## Writers (PostgreSQL, 3k numbers)');
    expect(report).toContain('**Note:** busy');
    expect(report).toMatch(/\| one number per transaction \| read committed \| counted \| [\d,]+ \| [\d,]+–[\d,]+ \|/);
    expect(report).toMatch(/\| set-based UPDATE of a slice \| repeatable read \| bypassed \(ceiling\) \| [\d,]+ \|/);
    expect(report).toMatch(
      /\| one number per transaction \| read committed \| \d+\.\d\d \| \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\) \| \d+\.\d\d \|/,
    );
  });

  it('stays in the report when npm run bench writes it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-bench-'));
    try {
      const json = join(dir, 'benchmarks.json');
      const markdown = join(dir, 'BENCHMARKS.md');
      writeFileSync(json, JSON.stringify({ seeding: {}, runs: {}, writes: { 'postgres:3k': run } }));
      const quiet = { out: { write: () => true }, err: { write: () => true } };
      expect(await benchMain(['--report-only', '--json', json, '--out', markdown], {}, quiet)).toBe(0);
      expect(readFileSync(markdown, 'utf8')).toContain('## Writers (PostgreSQL, 3k numbers)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what to do when the user may not bypass triggers', async () => {
    const role = `oc_test_writer_${randomBytes(4).toString('hex')}`;
    // A password, for servers that ask one of every user (the embedded PostgreSQL does).
    const password = randomBytes(16).toString('hex');
    await withPostgres(server, (admin) => admin.query(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password}'`));
    try {
      const asRole = new URL(server);
      asRole.username = role;
      asRole.password = password;
      await expect(
        runWriteBench(
          {
            numbers: 1000,
            seed: 1,
            writers: 2,
            seconds: 0.1,
            warmupSeconds: 0,
            rounds: 1,
            workloads: ['single'],
            isolations: ['read committed'],
            poolPerWriter: 50,
            batchSize: 10,
            batchesPerWriter: 2,
            postgresUrl: asRole.toString(),
            database: `${database}_role`,
            keep: false,
          },
          () => undefined,
        ),
      ).rejects.toThrow(/GRANT SET ON PARAMETER session_replication_role/);
    } finally {
      await withPostgres(server, (admin) => admin.query(`DROP ROLE ${role}`));
    }
  });
});

describe('the ratios of the writers', () => {
  const window = (writesPerSecond: number, statementP50: number): WindowResult => ({
    seconds: 5,
    writesPerSecond,
    rowsPerSecond: writesPerSecond,
    transactions: writesPerSecond * 5,
    statementP50,
    statementP99: statementP50 * 4,
    transactionP50: statementP50 * 5,
    transactionP99: statementP50 * 20,
    failures: {},
    misses: 0,
    lockWaitSamples: 0,
    samples: 1000,
    lockWaits: {},
  });
  const mode = (rounds: WindowResult[]) => ({
    median: medianWindow(rounds),
    rounds,
    spread: { min: 0, max: 0 },
  });

  it('pairs the windows of each round, so a slow spell that spans rounds cancels out', () => {
    // The machine is twice as fast in rounds 2 and 3; counting costs 20% in every round.
    const counted = [window(800, 0.6), window(1600, 0.5), window(1600, 0.5)];
    const bypassed = [window(1000, 0.4), window(2000, 0.4), window(2000, 0.4)];
    const ratios = writeRatios({
      workload: 'single',
      isolation: 'read committed',
      modes: { counted: mode(counted), bypassed: mode(bypassed) },
      ratio: 0.8,
    });
    expect(ratios.paired).toEqual({ median: 0.8, min: 0.8, max: 0.8 });
    expect(ratios.writes).toBeCloseTo(0.8);
    expect(ratios.statementP50).toBeCloseTo(1.25);

    const drifting = writeRatios({
      workload: 'single',
      isolation: 'read committed',
      modes: {
        counted: mode([window(800, 0.6), window(800, 0.6), window(1600, 0.5)]),
        bypassed: mode([window(1000, 0.4), window(2000, 0.4), window(2000, 0.4)]),
      },
      ratio: 0.4,
    });
    expect(drifting.writes).toBeCloseTo(0.4);
    expect(drifting.paired.median).toBeCloseTo(0.8);
    expect(drifting.paired.min).toBeCloseTo(0.4);
  });
});
