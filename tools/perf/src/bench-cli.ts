import { parseArgs, parseCount, UsageError } from './args';
import { type BenchOptions, type DatabaseKind, runBench } from './bench';
import type { Output } from './seed-cli';

export const BENCH_USAGE = `Usage: npm run bench -- [options]

Seeds a database per size (once: later runs reuse it), boots the built service on it and drives
it with autocannon: the summary over all tenants, the summary of random tenants, and as
ceilings a trivial endpoint and the readiness check. Writes BENCHMARKS.md and benchmarks.json
(results of earlier runs for other databases or sizes are kept).

  --db sqlite|postgres|both   which databases                              default both
  --sizes LIST                numbers per size, e.g. 10k,1m,10m            default 10k,1m,10m
  --duration S                seconds per round per endpoint                default 10
  --warmup S                  seconds of warm-up per endpoint               default 5
  --rounds N                  rounds (medians are reported)                 default 3
  --connections N             concurrent connections                        default 50
  --seed N                    the inventory's seed                          default 1
  --postgres-url URL          the PostgreSQL server; databases oc_bench_<size> are made on it
                              default BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres
  --sqlite-dir DIR            where the SQLite files go                     default tmp/bench
  --live-path PATH            the trivial endpoint (ceiling)                default /health/live
  --ready-path PATH           the one-round-trip endpoint (ceiling)         default /health/ready
  --out FILE                  the Markdown report                           default BENCHMARKS.md
  --json FILE                 the JSON results                              default benchmarks.json
  --reseed                    seed again even where an earlier run did
  --seed-only                 seed, measure nothing
  --report-only               write BENCHMARKS.md again from the JSON results, run nothing
  --help                      this text
`;

const OPTIONS = {
  db: 'value',
  sizes: 'value',
  duration: 'value',
  warmup: 'value',
  rounds: 'value',
  connections: 'value',
  seed: 'value',
  'postgres-url': 'value',
  'sqlite-dir': 'value',
  'live-path': 'value',
  'ready-path': 'value',
  out: 'value',
  json: 'value',
  reseed: 'flag',
  'seed-only': 'flag',
  'report-only': 'flag',
  help: 'flag',
} as const;

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const args = parseArgs(argv, OPTIONS);
  if (args.has('help')) return 'help';
  const text = (name: keyof typeof OPTIONS, fallback: string) => {
    const value = args.get(name);
    return typeof value === 'string' ? value : fallback;
  };
  const db = text('db', 'both');
  const databases: DatabaseKind[] =
    db === 'both' ? ['sqlite', 'postgres'] : db === 'sqlite' || db === 'postgres' ? [db] : [];
  if (databases.length === 0) throw new UsageError(`--db must be sqlite, postgres or both (got "${db}")`);
  const sizes = text('sizes', '10k,1m,10m')
    .split(',')
    .map((size) => parseCount('sizes', size.trim(), { max: 100_000_000 }));
  const path = (name: 'live-path' | 'ready-path', fallback: string) => {
    const value = text(name, fallback);
    if (!value.startsWith('/')) throw new UsageError(`--${name} must start with / (got "${value}")`);
    return value;
  };
  const postgresUrl = text('postgres-url', env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  if (!/^postgres(ql)?:\/\//.test(postgresUrl) || !URL.canParse(postgresUrl)) {
    throw new UsageError('--postgres-url must be a postgres:// URL');
  }
  return {
    databases,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    seconds: parseCount('duration', text('duration', '10'), { max: 3600 }),
    warmupSeconds: parseCount('warmup', text('warmup', '5'), { min: 0, max: 3600 }),
    rounds: parseCount('rounds', text('rounds', '3'), { max: 100 }),
    connections: parseCount('connections', text('connections', '50'), { max: 10_000 }),
    seed: parseCount('seed', text('seed', '1'), { min: 0, max: 2 ** 32 - 1 }),
    postgresUrl,
    sqliteDir: text('sqlite-dir', 'tmp/bench'),
    livePath: path('live-path', '/health/live'),
    readyPath: path('ready-path', '/health/ready'),
    markdownPath: text('out', 'BENCHMARKS.md'),
    jsonPath: text('json', 'benchmarks.json'),
    reseed: args.has('reseed'),
    seedOnly: args.has('seed-only'),
    reportOnly: args.has('report-only'),
  };
}

/** Runs the benchmark; resolves with the exit status (2: bad arguments, 1: failure). */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  { out, err }: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`bench: ${error.message}\n\n${BENCH_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out.write(BENCH_USAGE);
    return 0;
  }
  const started = Date.now();
  try {
    await runBench(options, (line) =>
      out.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`),
    );
    return 0;
  } catch (error) {
    err.write(`bench: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
