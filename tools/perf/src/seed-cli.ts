import { describeDatabase } from '@oc-numbers/testing';
import { type Output, parseArgs, parseCount, parseFraction, runCommand, UsageError } from './args';
import { databaseTarget } from './database';
import { DEFAULT_MIX, MAX_NUMBERS } from './inventory';
import { NotEmptyError, seed, type SeedOptions } from './seed';

export const SEED_USAGE = `Usage: npm run seed -- [options]

Fills oc_numbers with a synthetic inventory (real number ranges of many countries, random
tenant GUIDs, a mix of removal statuses), the same for the same --seed. Runs the service's
migrations first.

  --numbers N              how many numbers (10000, 10k, 1m; at most 100m)       default 10k
  --tenants N              how many tenants                         default numbers/1000, 10..10k
  --seed N                 the random seed                                         default 1
  --database-url URL       sqlite:<path> or postgres://…   default DATABASE_URL, else SQLite
                           at data/oc-numbers.sqlite (the service's rule)
  --marked-for-removal F   share with status 2 (0.01 or 1%)                     default 1%
  --ready-for-removal F    share with status 3                                  default 0.5%
  --release-requested F    share with status 1                                  default 1%
  --no-status F            share without a status (old rows; Active)            default 0.5%
  --without-tenant F       share of number blocks without a tenant              default 2%
  --reset                  empty oc_numbers first (else a table with numbers is refused)
  --quiet                  no progress line
  --help                   this text
`;

const OPTIONS = {
  numbers: 'value',
  tenants: 'value',
  seed: 'value',
  'database-url': 'value',
  'marked-for-removal': 'value',
  'ready-for-removal': 'value',
  'release-requested': 'value',
  'no-status': 'value',
  'without-tenant': 'value',
  reset: 'flag',
  quiet: 'flag',
  help: 'flag',
} as const;

/** The seeder's options from its command line and environment; throws UsageError on a bad one. */
export function parseSeedArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SeedOptions | 'help' {
  const args = parseArgs(argv, OPTIONS);
  if (args.has('help')) return 'help';
  const text = (name: keyof typeof OPTIONS) => {
    const value = args.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const numbers = parseCount('numbers', text('numbers') ?? '10000', { max: MAX_NUMBERS });
  const tenants = parseCount(
    'tenants',
    text('tenants') ?? String(Math.min(10_000, Math.max(10, Math.round(numbers / 1000)))),
    { max: 10_000_000 },
  );
  const fraction = (name: keyof typeof OPTIONS, fallback: number) => {
    const raw = text(name);
    return raw === undefined ? fallback : parseFraction(name, raw);
  };
  const mix = {
    markedForRemoval: fraction('marked-for-removal', DEFAULT_MIX.markedForRemoval),
    readyForRemoval: fraction('ready-for-removal', DEFAULT_MIX.readyForRemoval),
    releaseRequested: fraction('release-requested', DEFAULT_MIX.releaseRequested),
    noStatus: fraction('no-status', DEFAULT_MIX.noStatus),
  };
  if (mix.markedForRemoval + mix.readyForRemoval + mix.releaseRequested + mix.noStatus > 1) {
    throw new UsageError('The status shares add up to more than 1');
  }
  return {
    numbers,
    tenants,
    seed: parseCount('seed', text('seed') ?? '1', { min: 0, max: 2 ** 32 - 1 }),
    mix,
    withoutTenant: fraction('without-tenant', 0.02),
    target: databaseTarget(text('database-url') ?? env.DATABASE_URL),
    reset: args.has('reset'),
    progress: !args.has('quiet'),
  };
}

/** Runs the seeder; resolves with the exit status (2: bad arguments, 1: failure). */
export function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  return runCommand(
    {
      name: 'seed',
      usage: SEED_USAGE,
      parse: () => parseSeedArgs(argv, env),
      run: (options) => runSeed(options, output),
      expected: (error) => error instanceof NotEmptyError,
    },
    output,
  );
}

async function runSeed(options: SeedOptions, { out }: Output): Promise<void> {
  const { numbers, tenants, target } = options;
  out.write(
    `Seeding ${numbers.toLocaleString('en-US')} numbers over ${tenants.toLocaleString('en-US')} tenants ` +
      `(seed ${options.seed}) into ${describeDatabase(target)}\n`,
  );
  const result = await seed(options);
  const { counts } = result;
  out.write(
    `Wrote ${counts.rows.toLocaleString('en-US')} rows in ${result.loadSeconds.toFixed(1)} s ` +
      `(${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s), then refreshed statistics in ` +
      `${result.analyzeSeconds.toFixed(1)} s.\n` +
      `Statuses: ${counts.active} Active, ${counts.noStatus} without status, ${counts.releaseRequested} ReleaseRequested, ` +
      `${counts.markedForRemoval} MarkedForRemoval, ${counts.readyForRemoval} ReadyForRemoval; ` +
      `${counts.withoutTenant} without a tenant.\n`,
  );
}
