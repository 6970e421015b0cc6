import { UsageError } from './args';
import { BENCH_OPTIONS, main, parseBenchArgs } from './bench-cli';
import type { BenchFile, RunRecord, ScenarioName } from './bench';
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
  });

  it('sets the summary with a bearer token beside the summary without, and the cost of one verification', () => {
    const measured = run(10_000, 6);
    const file: BenchFile = {
      seeding: {},
      runs: {
        'postgres:10k': {
          ...measured,
          scenarios: {
            ...measured.scenarios,
            summaryAllJwt: result(6080, 7.5, 15),
            summaryTenantJwt: result(5600, 8, 20),
          },
          token: { alg: 'RS256', role: 'OcNumbers.Read.All' },
        },
      },
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
    expect(renderReport({ seeding: {}, runs: { 'postgres:10k': measured } })).not.toContain('Bearer tokens');
  });

  it('sets every row against the ceilings of its run and says which goals hold, with the max latency', () => {
    const measured = run(10_000, 6);
    const file: BenchFile = {
      seeding: {},
      runs: {
        'postgres:10k': {
          ...measured,
          env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DATABASE_URL: 'postgres://x/y' },
          scenarios: {
            ...measured.scenarios,
            live: { ...result(20_000, 2, 4), median: { ...result(20_000, 2, 4).median, max: 41.5 } },
            summaryAll: { ...result(7600, 6, 12), median: { ...result(7600, 6, 12).median, max: 250 } },
            bare: result(25_000, 1.5, 5),
            raw: result(8000, 5, 9),
            liveSilent: result(25_000, 1.8, 3),
            liveNoRateLimit: result(20_000, 2, 4),
          },
        },
      },
    };
    const report = renderReport(file);
    expect(report).toContain("The service's settings: `NODE_ENV=production LOG_LEVEL=info`, request log to /dev/null.");
    expect(report).toContain('### Against the ceilings');
    expect(report).toContain(
      '| 10k | trivial endpoint, no I/O (ceiling) | 20,000 | 0.80 | 2.50 | 4.00 | 0.80 | 41.50 |',
    );
    expect(report).toContain('| 10k | summary, all tenants | 7,600 | 0.30 | 0.95 | 12.00 | 2.40 | 250.00 |');
    expect(report).toContain('| 10k | summary, random tenant | 7,000 | 0.28 | 0.88 | 16.00 | 3.20 | – |');
    expect(report).toContain('| 10k | `/health/live` ≥ 0.6× bare req/s | 0.80 | yes |');
    expect(report).toContain('| 10k | summary, all tenants ≥ 0.5× bare req/s | 0.30 | **no** |');
    expect(report).toContain('| 10k | summary, random tenant ≥ 0.8× raw req/s | 0.88 | yes |');
    expect(report).toContain('| 10k | summary, all tenants p99 ≤ 2× bare p99 | 2.40 | **no** |');
    expect(report).toContain('| 10k | summary, all tenants: max latency (reported) | 250.00 ms | – |');
    // 10⁶ / 20,000 = 50 µs with the log line, 40 µs without it.
    expect(report).toContain('| 10k | the request log line at `info` (against `LOG_LEVEL=silent`) | 50 | 40 | 10 |');
    expect(report).toContain('| 10k | the rate limit (against `RATE_LIMIT_ENABLED=false`) | 50 | 50 | 0 |');
    expect(report).not.toContain('with a bearer token ≥');
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
});
