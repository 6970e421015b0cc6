import { UsageError } from './args';
import { BENCH_OPTIONS, main, parseBenchArgs } from './bench-cli';
import {
  type BenchFile,
  describeRouting,
  type PastOneInstanceRecord,
  PAST_ONE_INSTANCE_SCENARIOS,
  roundOrder,
  type RunRecord,
  SCENARIO_TITLES,
  type ScenarioName,
} from './bench';
import { renderReport, withSectionsOfOthers } from './report';

describe('the bench command line', () => {
  it('defaults to both databases at 10k, 1m and 10m with the health probes as ceilings', () => {
    expect(parseBenchArgs([], {})).toMatchObject({
      databases: ['sqlite', 'postgres'],
      sizes: [10_000, 1_000_000, 10_000_000],
      seconds: 10,
      rounds: 3,
      connections: 50,
      livePath: '/health/live',
      readyPath: '/health/ready',
      markdownPath: 'tmp/bench/BENCHMARKS.md',
      jsonPath: 'tmp/bench/benchmarks.json',
    });
  });

  it('rewrites the committed reports only with --write-report', () => {
    expect(parseBenchArgs(['--write-report'], {})).toMatchObject({
      markdownPath: 'BENCHMARKS.md',
      jsonPath: 'benchmarks.json',
    });
  });

  it('takes a quick look at one size on one database, unless told otherwise', () => {
    const quick = { databases: ['sqlite'], sizes: [10_000], seconds: 1, warmupSeconds: 1, rounds: 1 };
    expect(parseBenchArgs(['--quick'], {})).toMatchObject({ ...quick, markdownPath: 'tmp/bench/BENCHMARKS.md' });
    expect(parseBenchArgs(['--quick', '--db', 'postgres', '--duration', '3'], {})).toMatchObject({
      ...quick,
      databases: ['postgres'],
      seconds: 3,
    });
  });

  it('listens on the given port, or a free one', () => {
    expect(parseBenchArgs(['--port', '3100'], {})).toMatchObject({ port: 3100 });
    expect(parseBenchArgs([], {})).toMatchObject({ port: undefined });
  });

  it('selects databases and sizes', () => {
    expect(parseBenchArgs(['--db', 'postgres', '--sizes', '1m,10k', '--duration=5'], {})).toMatchObject({
      databases: ['postgres'],
      sizes: [10_000, 1_000_000],
      seconds: 5,
    });
  });

  it('measures through PgBouncer unless told not to, and from a replica only with --replica', () => {
    expect(parseBenchArgs([], {})).toMatchObject({ pgbouncer: true, replica: false });
    expect(parseBenchArgs([], {})).not.toHaveProperty('postgresBin');
    expect(parseBenchArgs(['--no-pgbouncer'], {})).toMatchObject({ pgbouncer: false });
    expect(
      parseBenchArgs(['--replica', '--db', 'postgres', '--postgres-bin', '/opt/pg/bin'], {
        BENCH_POSTGRES_URL: 'postgres://elsewhere/x',
      }),
    ).toMatchObject({ replica: true, pgbouncer: true, databases: ['postgres'], postgresBin: '/opt/pg/bin' });
  });

  it.each([
    [['--db', 'mysql'], /--db must be sqlite, postgres or both/],
    [['--sizes', '10k,lots'], /--sizes must be a whole number/],
    [['--duration', '0'], /--duration must be a whole number from 1/],
    [['--live-path', 'health'], /--live-path must start with \//],
    [['--postgres-url', 'sqlite:x'], /--postgres-url must be a postgres:\/\/ URL/],
    [['--fast'], /Unknown option --fast/],
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--write-report', '--quick'], /--write-report writes the committed reports: it takes no --quick/],
    [['--write-report', '--out', 'x.md'], /it takes no --out/],
    [['--replica', '--postgres-url', 'postgres://h/d'], /--replica runs its own PostgreSQL server/],
    [['--replica', '--seed-only'], /it takes no --seed-only/],
    [['--replica', '--db', 'sqlite'], /--replica is of PostgreSQL/],
    [['--postgres-bin', '/opt/pg/bin'], /give --replica too/],
    [['--no-pgbouncer=yes'], /--no-pgbouncer takes no value/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv, {})).toThrow(UsageError);
    expect(() => parseBenchArgs(argv, {})).toThrow(message);
  });

  it('documents every option in --help', async () => {
    let out = '';
    const code = await main(['--help'], {}, { out: { write: (t: string) => (out += t) }, err: { write: () => true } });
    expect(code).toBe(0);
    expect(Object.keys(BENCH_OPTIONS).filter((name) => !out.includes(`  --${name}`))).toEqual([]);
  });

  it('exits with status 2 and the usage on a bad argument', async () => {
    let err = '';
    const code = await main(
      ['--rounds', 'many'],
      {},
      { out: { write: () => true }, err: { write: (t: string) => (err += t) } },
    );
    expect(code).toBe(2);
    expect(err).toContain('Usage: npm run bench -- [options]');
  });
});

describe('the order of the rows in a round', () => {
  const every = Object.keys(SCENARIO_TITLES) as ScenarioName[];
  const distance = (order: ScenarioName[], a: ScenarioName, b: ScenarioName) =>
    Math.abs(order.indexOf(a) - order.indexOf(b));

  it("measures each goal's row beside the ceiling it is set against", () => {
    const order = roundOrder(every, 1);
    expect(distance(order, 'live', 'bare')).toBe(1);
    expect(distance(order, 'summaryAll', 'bare')).toBe(1);
    expect(distance(order, 'summaryAllJwt', 'bare')).toBe(2);
    expect(distance(order, 'summaryTenant', 'raw')).toBe(1);
    expect(distance(order, 'summaryTenantJwt', 'raw')).toBe(2);
    expect(distance(order, 'bareQuery', 'raw')).toBe(3);
    // The parts of the stack are priced against the trivial endpoint.
    expect(distance(order, 'liveNoRateLimit', 'live')).toBe(1);
    expect(distance(order, 'liveSilent', 'live')).toBe(2);
  });

  it('goes backwards every other round, every row once in each', () => {
    const first = roundOrder(every, 1);
    expect(roundOrder(every, 2)).toEqual([...first].reverse());
    expect(roundOrder(every, 3)).toEqual(first);
    expect([...first].sort()).toEqual([...every].sort());
    expect(first.indexOf('bare')).toBeLessThan(first.indexOf('summaryAll'));
    expect(roundOrder(every, 2).indexOf('summaryAll')).toBeLessThan(roundOrder(every, 2).indexOf('bare'));
  });

  it('keeps to the order whatever order the rows are given in, and leaves out the rows not measured', () => {
    const some: ScenarioName[] = ['tenants', 'raw', 'summaryTenant', 'live', 'bare', PAST_ONE_INSTANCE_SCENARIOS[0]];
    expect(roundOrder(some, 1)).toEqual([
      'live',
      'bare',
      'raw',
      'summaryTenant',
      'tenants',
      PAST_ONE_INSTANCE_SCENARIOS[0],
    ]);
    expect(roundOrder([...some].reverse(), 1)).toEqual(roundOrder(some, 1));
  });
});

describe('the report', () => {
  const result = (requestsPerSecond: number, p50: number, p99: number) => ({
    median: { requestsPerSecond, p50, p90: p99, p99, errors: 0, requests: requestsPerSecond * 30 },
    rounds: [],
  });
  const run = (numbers: number, summaryP50: number): RunRecord => ({
    database: 'postgres',
    numbers,
    tenants: 100,
    at: '2026-01-01T00:00:00.000Z',
    machine: {
      cores: 2,
      cpu: 'CPU',
      memoryGiB: 24,
      os: 'linux',
      node: 'v20',
      postgres: '15',
      sqlite: '3',
      autocannon: '9.0.0',
    },
    settings: { seconds: 10, warmupSeconds: 5, rounds: 3, connections: 50 },
    paths: { live: '/health/live', ready: '/health/ready', summaryAll: '/s', summaryTenant: '/s?t' },
    scenarios: {
      live: result(20_000, 2, 4),
      ready: result(8000, 6, 10),
      summaryAll: result(7600, summaryP50, 12),
      summaryTenant: result(7000, summaryP50, 16),
    } satisfies Partial<Record<ScenarioName, unknown>>,
    queries: {
      allTenants: { p50: 0.1, p99: 0.2, runs: 10 },
      oneTenant: { p50: 0.1, p99: 0.2, runs: 10 },
      plainCount: { p50: 15, p99: 20, runs: 10 },
      plans: { allTenants: 'Aggregate', oneTenant: 'Index Scan', plainCount: 'Index Only Scan' },
    },
  });

  /** A file with one run at 10k numbers: run()'s, these rows added or replaced, and these fields. */
  const fileWith = (scenarios: Partial<RunRecord['scenarios']>, fields: Partial<RunRecord> = {}): BenchFile => {
    const measured = run(10_000, 6);
    return {
      seeding: {},
      runs: { 'postgres:10k': { ...measured, ...fields, scenarios: { ...measured.scenarios, ...scenarios } } },
    };
  };

  it('gives the ratios to both ceilings and says which targets hold', () => {
    const file: BenchFile = {
      seeding: {},
      runs: { 'postgres:10k': run(10_000, 6), 'postgres:10m': run(10_000_000, 7) },
    };
    const report = renderReport(file);
    expect(report).toContain('| 10m | 100 | summary, all tenants | 7,600 | 7.00 | 12.00 | 0 | 0.38 | 0.95 | 1.20 |');
    expect(report).toContain('| summary, all tenants | yes (0.95) | yes (1.20) | yes (0) | yes (1.17) | yes (1.17) |');
    expect(report).toContain(
      '| summary, random tenant | **no** (0.88) | **no** (1.60) | yes (0) | yes (1.17) | yes (1.17) |',
    );
    expect(report).toContain('Index Only Scan');
    expect(report).toContain('50 connections, 5 s warm-up, 3 rounds of 10 s per endpoint.');
    expect(report).not.toContain('backwards');
  });

  it('says how each size went round, and that rows went beside their ceilings where they did', () => {
    const paired = run(10_000_000, 7);
    const file: BenchFile = {
      seeding: {},
      runs: {
        'postgres:10k': run(10_000, 6),
        'postgres:10m': { ...paired, settings: { ...paired.settings, rounds: 4, seconds: 4, pairedOrder: true } },
      },
    };
    const report = renderReport(file);
    expect(report).toContain(
      '10k: 50 connections, 5 s warm-up, 3 rounds of 10 s per endpoint; 10m: 50 connections, 5 s warm-up, 4 rounds of 4 s per endpoint.',
    );
    expect(report).toContain("In the 10m runs, each goal's row was measured beside the ceiling it is set against");
    expect(report).toContain('(the other runs went through the rows in one order, the same every round).');
    const both = renderReport({ seeding: {}, runs: { 'postgres:10m': file.runs['postgres:10m'] as RunRecord } });
    expect(both).toContain("In every run, each goal's row was measured beside");
    expect(both).toContain('neither side of a ratio was always measured first.');
  });

  it('sets the summary with a bearer token beside the summary without, and the cost of one verification', () => {
    const file: BenchFile = {
      ...fileWith(
        { summaryAllJwt: result(6080, 7.5, 15), summaryTenantJwt: result(5600, 8, 20) },
        { token: { alg: 'RS256', role: 'OcNumbers.Read.All' } },
      ),
      tokenVerification: [{ alg: 'RS256', microsPerVerify: 41.25, microsPerKnown: 0.125 }],
    };
    const report = renderReport(file);
    expect(report).toContain('## Bearer tokens');
    expect(report).toContain('(RS256, role `OcNumbers.Read.All`)');
    expect(report).toContain(
      '| PostgreSQL | 10k | summary, all tenants | 7,600 | 6,080 | 0.80 | 6.00 | 7.50 | 12.00 | 15.00 |',
    );
    expect(report).toContain(
      '| PostgreSQL | 10k | summary, random tenant | 7,000 | 5,600 | 0.80 | 6.00 | 8.00 | 16.00 | 20.00 |',
    );
    expect(report).toContain('| RS256 | 41.3 | 0.13 |');
    expect(renderReport({ seeding: {}, runs: { 'postgres:10k': run(10_000, 6) } })).not.toContain('Bearer tokens');
  });

  it('sets every row against the ceilings of its run and says which goals hold, with the max latency', () => {
    const file = fileWith(
      {
        // Two rounds each: the goal's ratio in each round is of the two rows of that round.
        live: {
          median: { ...result(20_000, 2, 4).median, max: 41.5 },
          rounds: [result(20_000, 2, 4).median, result(10_000, 2, 4).median],
        },
        summaryAll: { ...result(7600, 6, 12), median: { ...result(7600, 6, 12).median, max: 250 } },
        bare: { ...result(25_000, 1.5, 5), rounds: [result(25_000, 1.5, 5).median, result(25_000, 1.5, 5).median] },
        raw: result(8000, 5, 9),
        liveSilent: result(25_000, 1.8, 3),
        liveNoRateLimit: result(20_000, 2, 4),
      },
      { env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DATABASE_URL: 'postgres://x/y' } },
    );
    const report = renderReport(file);
    expect(report).toContain("The service's settings: `NODE_ENV=production LOG_LEVEL=info`, request log to /dev/null.");
    // A run that recorded no checkpoint says none.
    expect(report).not.toContain('CHECKPOINT');
    expect(report).toContain('### Against the ceilings');
    expect(report).toContain(
      '| 10k | trivial endpoint, no I/O (ceiling) | 20,000 | 0.80 | 2.50 | 4.00 | 0.80 | 41.50 |',
    );
    expect(report).toContain('| 10k | summary, all tenants | 7,600 | 0.30 | 0.95 | 12.00 | 2.40 | 250.00 |');
    expect(report).toContain('| 10k | summary, random tenant | 7,000 | 0.28 | 0.88 | 16.00 | 3.20 | – |');
    expect(report).toContain('| 10k | `/health/live` ≥ 0.6× bare req/s | 0.80 | yes | 0.80, 0.40 |');
    // Rounds on one side only: no round's ratio.
    expect(report).toContain('| 10k | summary, all tenants ≥ 0.5× bare req/s | 0.30 | **no** | – |');
    expect(report).toContain('| 10k | summary, random tenant ≥ 0.8× raw req/s | 0.88 | yes | – |');
    expect(report).toContain('| 10k | summary, all tenants p99 ≤ 2× bare p99 | 2.40 | **no** |');
    expect(report).toContain('| 10k | summary, all tenants: max latency (reported) | 250.00 ms | – | – |');
    // 10⁶ / 20,000 = 50 µs of the event loop with the log line, 40 µs without it; no CPU recorded.
    expect(report).toContain(
      '| 10k | trivial endpoint, LOG_LEVEL=silent | 25,000 | – | 40 | the request log line at `info` | – | 10 |',
    );
    expect(report).toContain(
      '| 10k | trivial endpoint, RATE_LIMIT_ENABLED=false | 20,000 | – | 50 | the rate limit | – | 0 |',
    );
    expect(report).not.toContain('with a bearer token ≥');
  });

  it('shows a third decimal where two would show a goal that does not hold as its bound', () => {
    const file = fileWith({
      // 0.5956 of the bare app: under 0.6, though it rounds to it; 0.4 is shown as it is.
      live: { ...result(18_335, 2, 4), rounds: [result(18_335, 2, 4).median, result(18_600, 2, 4).median] },
      summaryAll: result(12_000, 6, 12),
      bare: { ...result(30_785, 1.5, 5), rounds: [result(30_785, 1.5, 5).median, result(30_000, 1.5, 5).median] },
      raw: result(8000, 5, 9),
    });
    const report = renderReport(file);
    expect(report).toContain('| 10k | `/health/live` ≥ 0.6× bare req/s | 0.596 | **no** | 0.596, 0.62 |');
    expect(report).toContain('| 10k | summary, all tenants ≥ 0.5× bare req/s | 0.39 | **no** |');
  });

  it('shows no ceilings for runs that did not measure them, and says what those runs used', () => {
    const report = renderReport({ seeding: {}, runs: { 'postgres:10k': run(10_000, 6) } });
    expect(report).not.toContain('### Against the ceilings');
    expect(report).toContain('`NODE_ENV=production LOG_LEVEL=warn RATE_LIMIT_ENABLED=false` (recorded before');
  });

  it('keeps the sections other commands wrote when it renders the report again', () => {
    const before = ['# Benchmarks', '', 'old figures', '', '## Reconciliation', '', '| a | b |', ''].join('\n');
    const again = withSectionsOfOthers('# Benchmarks\n\nnew figures\n', before);
    expect(again).toBe('# Benchmarks\n\nnew figures\n\n## Reconciliation\n\n| a | b |\n');
    expect(withSectionsOfOthers('# Benchmarks\n', '# Benchmarks\n')).toBe('# Benchmarks\n');
  });
  /** A row's figures with the server's CPU time per request. */
  const withCpu = (m: ReturnType<typeof result>, cpu: number) => ({
    ...m,
    median: { ...m.median, serverCpuMicrosPerRequest: cpu },
  });

  it('prices each part of the stack in CPU µs and event loop µs per request, from rows of the same run', () => {
    const report = renderReport(
      fileWith({
        bare: withCpu(result(25_000, 1.5, 5), 30),
        raw: withCpu(result(8000, 5, 9), 90),
        live: withCpu(result(10_000, 2, 4), 110),
        liveSilent: withCpu(result(12_500, 1.8, 3), 75),
        liveNoRateLimit: withCpu(result(10_000, 2, 4), 104),
        summaryAll: withCpu(result(8000, 6, 12), 140),
        summaryAllJwt: withCpu(result(6250, 7, 14), 175),
      }),
    );
    expect(report).toContain('#### What each part of the stack costs per request (µs)');
    const row = (
      title: string,
      rps: string,
      cpu: number,
      loop: number,
      part: string,
      partCpu: number,
      partLoop: number,
    ) => `| 10k | ${title} | ${rps} | ${cpu} | ${loop} | ${part} | ${partCpu} | ${partLoop} |`;
    expect(report).toContain(
      row(
        SCENARIO_TITLES.bare,
        '25,000',
        30,
        40,
        'NestJS 12 + Fastify themselves (the bare app, whole request)',
        30,
        40,
      ),
    );
    expect(report).toContain(
      row(
        SCENARIO_TITLES.live,
        '10,000',
        110,
        100,
        'everything the service adds to the bare app on a request without I/O',
        80,
        60,
      ),
    );
    // Turned off: the part's cost is the row with it (the trivial endpoint) less this one.
    expect(report).toContain(
      row(SCENARIO_TITLES.liveSilent, '12,500', 75, 80, 'the request log line at `info`', 35, 20),
    );
    expect(report).toContain(row(SCENARIO_TITLES.liveNoRateLimit, '10,000', 104, 100, 'the rate limit', 6, 0));
    expect(report).toContain(
      row(
        SCENARIO_TITLES.summaryAll,
        '8,000',
        140,
        125,
        "the summary's own work (its queries and answer) over the trivial endpoint",
        30,
        25,
      ),
    );
    expect(report).toContain(
      row(
        SCENARIO_TITLES.summaryAllJwt,
        '6,250',
        175,
        160,
        'a bearer token checked on every request (`AUTH_MODE=jwt`)',
        35,
        35,
      ),
    );
  });

  describe('past one instance', () => {
    const measured = run(10_000, 6);
    const pastRun = (pastOneInstance: PastOneInstanceRecord, extra: Partial<RunRecord['scenarios']> = {}): BenchFile =>
      fileWith(
        {
          summaryAll: withCpu(result(8000, 6, 12), 140),
          listFirst: withCpu(result(1000, 40, 100), 800),
          poolerSummaryAll: withCpu(result(6000, 7, 24), 170),
          replicaListFirst: withCpu(result(900, 45, 150), 850),
          ...extra,
        },
        {
          postgresServer: {
            owned: true,
            binDirectory: '/usr/lib/postgresql/15/bin',
            settings: { autovacuum: 'off', shared_buffers: '128MB' },
            checkpointed: true,
          },
          pastOneInstance,
        },
      );
    const pgbouncer = {
      version: 'PgBouncer 1.18.0',
      poolMode: 'transaction',
      poolSize: 20,
      env: { DATABASE_URL: '<PgBouncer>', DATABASE_POOLER: 'transaction' },
    } as const;
    const replica = {
      madeBy: 'pg_basebackup',
      env: { DATABASE_READ_URL: '<the replica>', SUMMARY_READ_FROM_REPLICA: 'true' },
    };
    const reads = (replicaTx: number, primaryTx: number) => ({
      replica: { transactions: replicaTx, rowsRead: replicaTx * 100 },
      primary: { transactions: primaryTx, rowsRead: primaryTx * 100 },
      requests: 2000,
    });

    it('sets each row against the same requests to the direct instance, and says where the replica rows were read', () => {
      const report = renderReport(pastRun({ pgbouncer, replica, routing: { replicaListFirst: reads(1990, 10) } }));
      expect(report).toContain('### Past one instance');
      expect(report).toContain(
        'Through PgBouncer: PgBouncer 1.18.0, `pool_mode = transaction`, `default_pool_size = 20`',
      );
      expect(report).toContain('`DATABASE_READ_URL=<the replica>`, `SUMMARY_READ_FROM_REPLICA=true`');
      expect(report).toContain('one the benchmark started itself (`--replica`) from /usr/lib/postgresql/15/bin');
      expect(report).toContain("The PostgreSQL server's settings: `autovacuum=off`, `shared_buffers=128MB`.");
      expect(report).toContain('After the seeding, a `CHECKPOINT` (a restartpoint on the replica) wrote the pages');
      const shared = pastRun({ pgbouncer, replica });
      const sharedRun = shared.runs['postgres:10k'];
      shared.runs['postgres:10k'] = { ...sharedRun, postgresServer: { owned: false, checkpointed: true } };
      expect(renderReport(shared)).toContain('After the seeding, a `CHECKPOINT` wrote the pages');
      expect(report).toContain(
        `| 10k | ${SCENARIO_TITLES.poolerSummaryAll} | 6,000 | 0.75 | 7.00 | 24.00 | 2.00 | 0 | 170 | 140 | – |`,
      );
      expect(report).toContain(
        `| 10k | ${SCENARIO_TITLES.replicaListFirst} | 900 | 0.90 | 45.00 | 150.00 | 1.50 | 0 | 850 | 800 | ` +
          'the replica: 100% of transactions on the replica (replica 1,990, primary 10; ' +
          'rows read: replica 199,000, primary 1,000; 2,000 requests) |',
      );
    });

    it('marks replica rows whose reads went to the primary', () => {
      expect(describeRouting(reads(3, 1997))).toMatch(/^\*\*the primary\*\*: 0% of transactions on the replica/);
      expect(describeRouting(reads(0, 0))).toMatch(/^unknown: –/);
    });

    it('says why rows were not measured, never leaving them out silently', () => {
      const report = renderReport(
        pastRun(
          {
            pgbouncer: { skipped: 'PgBouncer is not installed (looked for /usr/sbin/pgbouncer)' },
            replica: { skipped: 'run with --replica to measure reads from a streaming replica' },
            unavailable: { poolerListDeep: 'GET /api/v3/oc/numbers answered 500: boom' },
          },
          { poolerSummaryAll: undefined, replicaListFirst: undefined },
        ),
      );
      expect(report).toContain(
        '**No rows through PgBouncer:** PgBouncer is not installed (looked for /usr/sbin/pgbouncer).',
      );
      expect(report).toContain(
        '**No rows from a read replica:** run with --replica to measure reads from a streaming replica.',
      );
      expect(report).toContain(
        `- 10k, ${SCENARIO_TITLES.poolerListDeep}: not measured: GET /api/v3/oc/numbers answered 500: boom`,
      );
      expect(report).not.toContain('| ÷ direct |');
    });

    it('says when the runs predate these rows, and leaves SQLite without them', () => {
      expect(renderReport({ seeding: {}, runs: { 'postgres:10k': measured } })).toContain(
        'Not measured by these runs (they predate the rows through PgBouncer and from a replica).',
      );
      const sqlite = renderReport({ seeding: {}, runs: { 'sqlite:10k': { ...measured, database: 'sqlite' } } });
      expect(sqlite).not.toContain('### Past one instance');
    });
  });
});
