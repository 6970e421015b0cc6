import { type Output, parseArgs, parseCount, runCommand, UsageError } from './args';
import { readBenchFile, saveBenchFile } from './bench';
import { COMMITTED_REPORT } from './bench-cli';
import { writesTable } from './report';
import {
  type Isolation,
  ISOLATIONS,
  runWriteBench,
  type WriteBenchOptions,
  type WriteWorkload,
  WORKLOADS,
  writeRunKey,
} from './writes';

export const WRITES_USAGE = `Usage: npm run bench:writes -- [options]

Measures what keeping the removal counts costs the writers of oc_numbers on PostgreSQL. Seeds a
fresh database (--database on the server of --postgres-url; dropped afterwards unless --keep),
then has concurrent writers, each on its own connection and its own numbers, change statuses
in short transactions: one number per transaction by telephone_number (single), and set-based
UPDATEs of a slice of the inventory (bulk). Every workload and isolation level is measured in
two modes, in alternating rounds: counted (the triggers of oc_numbers fire, as in production)
and bypassed (SET session_replication_role = replica on the writers' connections: the ceiling).
After each window the writers put their numbers back, in the same mode, so every window starts
from the same table and the counts still match the rows. Progress goes to standard error; the
results are added to the JSON results and the Markdown report under tmp/bench (the ones npm run
bench writes), and only --write-report adds them to the committed BENCHMARKS.md and
benchmarks.json. SQLite is left out: it has one writer at a time, and no per-connection way to
skip triggers.

  --quick                     a look in about 15 s: 10k numbers, 2 rounds of 1 s, no warm-up,
                              read committed only (options given win)
  --numbers N                 numbers in the seeded inventory               default 1m
  --writers N                 concurrent writers (connections)               default 4
  --duration S                seconds per window (workload, isolation, mode) default 5
  --warmup S                  seconds of warm-up per window kind            default 2
  --rounds N                  rounds (medians are reported)                 default 5
  --workloads LIST            single, bulk or both                          default single,bulk
  --isolation LIST            read-committed, repeatable-read or both       default both
  --pool N                    numbers per writer in the single workload     default 10k
  --batch N                   numbers per statement in the bulk workload    default 100
  --batches N                 slices per writer in the bulk workload        default 50
  --seed N                    the inventory's seed                          default 1
  --postgres-url URL          the PostgreSQL server
                              default BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres
  --database NAME             the database made for the run                 default oc_bench_writes
  --synchronous-commit on|off synchronous_commit on the writers' connections (off: no wait for
                              the WAL flush at commit)                      default the server's
  --keep                      leave the seeded database on the server
  --note TEXT                 a remark on the conditions, shown with the figures
  --out FILE                  the Markdown report                           default tmp/bench/BENCHMARKS.md
  --json FILE                 the JSON results (earlier results are read from it and kept)
                              default tmp/bench/benchmarks.json
  --write-report              write the committed ${COMMITTED_REPORT.markdown} and ${COMMITTED_REPORT.json} instead
                              (not with --quick, --out or --json)
  --help                      this text
`;

export const WRITES_OPTIONS = {
  quick: 'flag',
  numbers: 'value',
  writers: 'value',
  duration: 'value',
  warmup: 'value',
  rounds: 'value',
  workloads: 'value',
  isolation: 'value',
  pool: 'value',
  batch: 'value',
  batches: 'value',
  seed: 'value',
  'postgres-url': 'value',
  database: 'value',
  'synchronous-commit': 'value',
  keep: 'flag',
  note: 'value',
  out: 'value',
  json: 'value',
  'write-report': 'flag',
  help: 'flag',
} as const;

type ValueOption = {
  [K in keyof typeof WRITES_OPTIONS]: (typeof WRITES_OPTIONS)[K] extends 'value' ? K : never;
}[keyof typeof WRITES_OPTIONS];

type Defaulted = Exclude<ValueOption, 'note' | 'synchronous-commit'>;

const DEFAULTS: Record<Defaulted, string> = {
  numbers: '1m',
  writers: '4',
  duration: '5',
  warmup: '2',
  rounds: '5',
  workloads: 'single,bulk',
  isolation: 'both',
  pool: '10k',
  batch: '100',
  batches: '50',
  seed: '1',
  'postgres-url': 'postgres://postgres@127.0.0.1:5432/postgres',
  database: 'oc_bench_writes',
  out: 'tmp/bench/BENCHMARKS.md',
  json: 'tmp/bench/benchmarks.json',
};
const QUICK: Partial<Record<ValueOption, string>> = {
  numbers: '10k',
  duration: '1',
  warmup: '0',
  rounds: '2',
  isolation: 'read-committed',
  pool: '500',
  batches: '10',
};

export interface WritesCommand {
  readonly bench: WriteBenchOptions;
  readonly markdownPath: string;
  readonly jsonPath: string;
  readonly note?: string;
}

function list<T extends string>(name: string, raw: string, known: Record<string, T>, all: readonly T[]): T[] {
  if (raw === 'both') return [...all];
  const picked = raw.split(',').map((item) => {
    const value = known[item.trim()];
    if (!value) throw new UsageError(`--${name} takes ${Object.keys(known).join(', ')} or both (got "${item}")`);
    return value;
  });
  return all.filter((value) => picked.includes(value));
}

export function parseWritesArgs(argv: readonly string[], env: NodeJS.ProcessEnv): WritesCommand | 'help' {
  const args = parseArgs(argv, WRITES_OPTIONS);
  if (args.has('help')) return 'help';
  const quick = args.has('quick');
  const text = (name: Defaulted) => {
    const value = args.get(name);
    if (typeof value === 'string') return value;
    if (name === 'postgres-url' && env.BENCH_POSTGRES_URL) return env.BENCH_POSTGRES_URL;
    return (quick ? QUICK[name] : undefined) ?? DEFAULTS[name];
  };
  if (args.has('write-report')) {
    const clash = (['quick', 'out', 'json'] as const).find((name) => args.has(name));
    if (clash) throw new UsageError(`--write-report writes the committed reports: it takes no --${clash}`);
  }
  const postgresUrl = text('postgres-url');
  if (!/^postgres(ql)?:\/\//.test(postgresUrl) || !URL.canParse(postgresUrl)) {
    throw new UsageError('--postgres-url must be a postgres:// URL');
  }
  const database = text('database');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new UsageError(`--database must be a plain lower-case name such as oc_bench_writes (got "${database}")`);
  }
  if (database === new URL(postgresUrl).pathname.slice(1)) {
    throw new UsageError('--database must not be the database of --postgres-url: the run drops and makes it');
  }
  const workloads = list<WriteWorkload>('workloads', text('workloads'), { single: 'single', bulk: 'bulk' }, WORKLOADS);
  const isolations = list<Isolation>(
    'isolation',
    text('isolation'),
    { 'read-committed': 'read committed', 'repeatable-read': 'repeatable read' },
    ISOLATIONS,
  );
  const report = args.has('write-report') ? COMMITTED_REPORT : { markdown: text('out'), json: text('json') };
  const note = args.get('note');
  const synchronousCommit = args.get('synchronous-commit');
  if (synchronousCommit !== undefined && synchronousCommit !== 'on' && synchronousCommit !== 'off') {
    throw new UsageError(`--synchronous-commit must be on or off (got "${String(synchronousCommit)}")`);
  }
  return {
    bench: {
      numbers: parseCount('numbers', text('numbers'), { min: 1000, max: 100_000_000 }),
      seed: parseCount('seed', text('seed'), { min: 0, max: 2 ** 32 - 1 }),
      writers: parseCount('writers', text('writers'), { max: 64 }),
      seconds: parseCount('duration', text('duration'), { max: 3600 }),
      warmupSeconds: parseCount('warmup', text('warmup'), { min: 0, max: 3600 }),
      rounds: parseCount('rounds', text('rounds'), { max: 100 }),
      workloads,
      isolations,
      poolPerWriter: parseCount('pool', text('pool'), { max: 10_000_000 }),
      batchSize: parseCount('batch', text('batch'), { max: 100_000 }),
      batchesPerWriter: parseCount('batches', text('batches'), { max: 1_000_000 }),
      postgresUrl,
      database,
      keep: args.has('keep'),
      ...(synchronousCommit ? { synchronousCommit } : {}),
    },
    markdownPath: report.markdown,
    jsonPath: report.json,
    ...(typeof note === 'string' ? { note } : {}),
  };
}

/** Runs the writers' benchmark; resolves with the exit status (2: bad arguments, 1: failure). */
export function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const started = Date.now();
  const log = (line: string) =>
    output.err.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
  return runCommand(
    {
      name: 'bench:writes',
      usage: WRITES_USAGE,
      parse: () => parseWritesArgs(argv, env),
      run: async (command) => {
        const run = await runWriteBench(command.bench, log);
        const record = command.note ? { ...run, note: command.note } : run;
        const file = readBenchFile(command.jsonPath);
        file.writes = { ...file.writes, [writeRunKey(record)]: record };
        saveBenchFile(command, file);
        log(`Wrote ${command.markdownPath} and ${command.jsonPath}`);
        output.out.write(`${writesTable(record).join('\n')}\n`);
      },
    },
    output,
  );
}
