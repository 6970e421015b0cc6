import { type Output, parseArgs, parseCount, runCommand, UsageError } from './args';
import { type BenchOptions, type DatabaseKind, runBench } from './bench';

/** The committed reports, which only `--write-report` rewrites. */
export const COMMITTED_REPORT = { markdown: 'BENCHMARKS.md', json: 'benchmarks.json' } as const;

export const BENCH_USAGE = `Usage: npm run bench -- [options]

Seeds a database per size (once: later runs reuse it), boots the built service on it and drives
it with autocannon: the summary over all tenants, the summary of random tenants, and as
ceilings a trivial endpoint and the readiness check. Records the service's CPU time per request
(from /proc) for each row. On PostgreSQL it also measures, in the same rounds, a second instance
through PgBouncer in transaction mode (Debian's pgbouncer; the report says so when there is
none) and, with --replica, an instance reading from a streaming replica. Writes a Markdown report and the JSON
results under tmp/bench (results of earlier runs there for other databases or sizes are kept,
and so are those of npm run bench:writes);
only --write-report rewrites the committed BENCHMARKS.md and benchmarks.json.

  --quick                     a look in a few seconds: SQLite, 10k numbers, 1 round of 1 s
                              per endpoint after 1 s of warm-up (options given win)
  --db sqlite|postgres|both   which databases                              default both
  --sizes LIST                numbers per size, e.g. 10k,1m,10m            default 10k,1m,10m
  --duration S                seconds per round per endpoint                default 10
  --warmup S                  seconds of warm-up per endpoint               default 5
  --rounds N                  rounds (medians are reported)                 default 3
  --connections N             concurrent connections                        default 50
  --seed N                    the inventory's seed                          default 1
  --port N                    the port the service listens on               default a free port
  --postgres-url URL          the PostgreSQL server; databases oc_bench_<size> are made on it
                              default BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres
  --sqlite-dir DIR            where the SQLite files go                     default tmp/bench
  --live-path PATH            the trivial endpoint (ceiling)                default /health/live
  --ready-path PATH           the one-round-trip endpoint (ceiling)         default /health/ready
  --out FILE                  the Markdown report
                              default tmp/bench/BENCHMARKS.md
  --json FILE                 the JSON results (earlier results are read from it and kept)
                              default tmp/bench/benchmarks.json
  --write-report              write the committed ${COMMITTED_REPORT.markdown} and ${COMMITTED_REPORT.json} instead
                              (not with --quick, --out or --json)
  --no-pgbouncer              measure no instance through PgBouncer (a quicker run)
  --replica                   run the PostgreSQL part on a server the benchmark starts itself
                              from the machine's programs (initdb's defaults but autovacuum off),
                              seeded the same way, with a hot standby made by pg_basebackup, and
                              measure an instance reading from that standby; the direct rows, the
                              rows through PgBouncer and those from the replica are then all of
                              that server (a replica of the shared --postgres-url server cannot
                              be made); both are deleted at the end. Not with --postgres-url or
                              --seed-only
  --postgres-bin DIR          the PostgreSQL programs for --replica
                              default the newest /usr/lib/postgresql/<major>/bin
  --reseed                    seed again even where an earlier run did
  --seed-only                 seed, measure nothing
  --report-only               write the Markdown report again from the JSON results, run nothing
  --help                      this text
`;

export const BENCH_OPTIONS = {
  quick: 'flag',
  db: 'value',
  sizes: 'value',
  duration: 'value',
  warmup: 'value',
  rounds: 'value',
  connections: 'value',
  seed: 'value',
  port: 'value',
  'postgres-url': 'value',
  'sqlite-dir': 'value',
  'live-path': 'value',
  'ready-path': 'value',
  out: 'value',
  json: 'value',
  'write-report': 'flag',
  'no-pgbouncer': 'flag',
  replica: 'flag',
  'postgres-bin': 'value',
  reseed: 'flag',
  'seed-only': 'flag',
  'report-only': 'flag',
  help: 'flag',
} as const;

type ValueOption = Exclude<
  {
    [K in keyof typeof BENCH_OPTIONS]: (typeof BENCH_OPTIONS)[K] extends 'value' ? K : never;
  }[keyof typeof BENCH_OPTIONS],
  'postgres-bin'
>;

/** The defaults, and those of --quick where it has its own. */
const DEFAULTS: Record<ValueOption, string> = {
  db: 'both',
  sizes: '10k,1m,10m',
  duration: '10',
  warmup: '5',
  rounds: '3',
  connections: '50',
  seed: '1',
  port: '0',
  'postgres-url': 'postgres://postgres@127.0.0.1:5432/postgres',
  'sqlite-dir': 'tmp/bench',
  'live-path': '/health/live',
  'ready-path': '/health/ready',
  out: 'tmp/bench/BENCHMARKS.md',
  json: 'tmp/bench/benchmarks.json',
};
const QUICK: Partial<Record<ValueOption, string>> = {
  db: 'sqlite',
  sizes: '10k',
  duration: '1',
  warmup: '1',
  rounds: '1',
};

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const args = parseArgs(argv, BENCH_OPTIONS);
  if (args.has('help')) return 'help';
  const quick = args.has('quick');
  const text = (name: ValueOption) => {
    const value = args.get(name);
    if (typeof value === 'string') return value;
    if (name === 'postgres-url' && env.BENCH_POSTGRES_URL) return env.BENCH_POSTGRES_URL;
    return (quick ? QUICK[name] : undefined) ?? DEFAULTS[name];
  };
  if (args.has('write-report')) {
    const clash = (['quick', 'out', 'json'] as const).find((name) => args.has(name));
    if (clash) throw new UsageError(`--write-report writes the committed reports: it takes no --${clash}`);
  }
  if (args.has('replica')) {
    if (args.has('postgres-url')) {
      throw new UsageError('--replica runs its own PostgreSQL server: it takes no --postgres-url');
    }
    if (args.has('seed-only')) {
      throw new UsageError('--replica seeds a server of its own that the run deletes: it takes no --seed-only');
    }
  } else if (args.has('postgres-bin')) {
    throw new UsageError('--postgres-bin is the programs of the server of --replica: give --replica too');
  }
  const db = text('db');
  const databases: DatabaseKind[] =
    db === 'both' ? ['sqlite', 'postgres'] : db === 'sqlite' || db === 'postgres' ? [db] : [];
  if (databases.length === 0) throw new UsageError(`--db must be sqlite, postgres or both (got "${db}")`);
  if (args.has('replica') && !databases.includes('postgres')) {
    throw new UsageError('--replica is of PostgreSQL: give --db postgres or both');
  }
  const postgresBin = args.get('postgres-bin');
  const sizes = text('sizes')
    .split(',')
    .map((size) => parseCount('sizes', size.trim(), { max: 100_000_000 }));
  const path = (name: 'live-path' | 'ready-path') => {
    const value = text(name);
    if (!value.startsWith('/')) throw new UsageError(`--${name} must start with / (got "${value}")`);
    return value;
  };
  const postgresUrl = text('postgres-url');
  if (!/^postgres(ql)?:\/\//.test(postgresUrl) || !URL.canParse(postgresUrl)) {
    throw new UsageError('--postgres-url must be a postgres:// URL');
  }
  const port = parseCount('port', text('port'), { min: 0, max: 65_535 });
  const report = args.has('write-report') ? COMMITTED_REPORT : { markdown: text('out'), json: text('json') };
  return {
    databases,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    seconds: parseCount('duration', text('duration'), { max: 3600 }),
    warmupSeconds: parseCount('warmup', text('warmup'), { min: 0, max: 3600 }),
    rounds: parseCount('rounds', text('rounds'), { max: 100 }),
    connections: parseCount('connections', text('connections'), { max: 10_000 }),
    seed: parseCount('seed', text('seed'), { min: 0, max: 2 ** 32 - 1 }),
    port: port === 0 ? undefined : port,
    postgresUrl,
    sqliteDir: text('sqlite-dir'),
    livePath: path('live-path'),
    readyPath: path('ready-path'),
    markdownPath: report.markdown,
    jsonPath: report.json,
    reseed: args.has('reseed'),
    seedOnly: args.has('seed-only'),
    reportOnly: args.has('report-only'),
    pgbouncer: !args.has('no-pgbouncer'),
    replica: args.has('replica'),
    ...(typeof postgresBin === 'string' && { postgresBin }),
  };
}

/** Runs the benchmark; resolves with the exit status (2: bad arguments, 1: failure). */
export function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const started = Date.now();
  return runCommand(
    {
      name: 'bench',
      usage: BENCH_USAGE,
      parse: () => parseBenchArgs(argv, env),
      run: async (options) => {
        await runBench(options, (line) =>
          output.out.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`),
        );
      },
    },
    output,
  );
}
