import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './database/data-source-options';
import { transactionStatementTimeout } from './database/transaction-timeout';
import { isPostgres } from './database/dialect';
import { type Output, reason, SILENT, startCommand, UsageError } from './migrate-cli';
import {
  compactRemovalCounts,
  type CountsCheck,
  type CountsDifference,
  repairRemovalCounts,
  verifyRemovalCounts,
} from './numbers/removal-counters';

export const COUNTS_USAGE = `Usage: npm run counts -- --verify    compare the removal counts with a full count of the numbers
       npm run counts -- --repair    make the removal counts exact again
       npm run counts -- --compact   fold the counters' delta rows into their base rows (PostgreSQL)

On a deploy target (the build and production dependencies only):
       node dist/apps/api/src/counts.js --verify | --repair | --compact

The summary reads counters that database triggers keep. Anything that changes oc_numbers
without those triggers (session_replication_role = replica, a restore of some tables only,
SQLite's REPLACE without recursive_triggers) makes them drift; the summary then answers a 503
COUNTS_INCONSISTENT if a count went negative, or a wrong number if not.

  --verify    counts oc_numbers and reads the counters at one snapshot (PostgreSQL: one
              REPEATABLE READ transaction), prints every tenant whose counts differ and the totals,
              and exits 1 if any differ. It only reads: writers go on.
  --repair    the same check, then corrects what differs, while the service runs. PostgreSQL:
              inserts the differences as correction rows, so no writer waits for it; SQLite:
              recounts in one write transaction (writers wait for it, as for any writer).
  --compact   what the service does every COUNTER_COMPACTION_INTERVAL_MS; for deployments that
              set it to 0. Writers never wait for it; a compaction running elsewhere makes it skip.
  --help, -h  this text

Works on the database of DATABASE_URL (unset: SQLite at data/oc-numbers.sqlite) with the
service's settings; a full count of a big PostgreSQL table may need DATABASE_STATEMENT_TIMEOUT_MS
raised for this command.

Exit status: 0 done (--verify: the counts are exact); 1 --verify found counts that differ;
2 bad usage; 3 failed (a bad setting, the database unreachable or not migrated).
`;

const COMMANDS = ['verify', 'repair', 'compact'] as const;
type Command = (typeof COMMANDS)[number];

/** The command of the command line, or 'help'; throws UsageError on anything else. */
export function parseCountsArgs(argv: readonly string[]): Command | 'help' {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return 'help';
  const commands: Command[] = [];
  for (const arg of argv) {
    const command = COMMANDS.find((c) => arg === `--${c}`);
    if (command) commands.push(command);
    else if (arg.startsWith('-')) throw new UsageError(`Unknown option ${arg}`);
    else throw new UsageError(`Unexpected argument "${arg}"`);
  }
  if (commands.length === 0) throw new UsageError('Say what to do: --verify, --repair or --compact');
  if (commands.length > 1)
    throw new UsageError(`One of --verify, --repair or --compact at a time (got ${argv.join(' ')})`);
  return commands[0];
}

/**
 * Verifies, repairs or compacts the removal counts of the database of DATABASE_URL; resolves
 * with the exit status. A bad setting exits 1 at once, naming it (as every entry point does).
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const start = startCommand('counts', COUNTS_USAGE, parseCountsArgs, argv, env, output, 3);
  if (typeof start === 'number') return start;
  const { command, config, target, say, fail } = start;
  if (!isPostgres(config.database) && !existsSync(config.database.path)) {
    return fail(`There is no SQLite database at ${config.database.path}: nothing to count.`);
  }

  const dataSource = new DataSource({ ...dataSourceOptions({ ...config, migrationsRun: false }), logger: SILENT });
  try {
    await dataSource.initialize();
  } catch (error) {
    return fail(`Cannot open ${target}: ${reason(error, config)}`);
  }
  // Behind a transaction pooler each of its transactions bounds its own statements.
  const statementTimeoutMs = transactionStatementTimeout(config);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    if (command === 'compact') {
      say(`Compacting the removal counters of ${target}`);
      let lastShown = Date.now();
      const { moved, skipped } = await compactRemovalCounts(dataSource, {
        statementTimeoutMs,
        progress: (sofar) => {
          if (Date.now() - lastShown < 1000) return;
          lastShown = Date.now();
          say(`  ${sofar} delta rows folded so far (${elapsed()})`);
        },
      });
      if (!isPostgres(config.database)) say('Nothing to compact: SQLite keeps no delta rows.');
      else if (skipped) say(`Another compaction is running: skipped after folding ${moved} delta rows.`);
      else say(`Folded ${moved} delta rows into the base rows in ${elapsed()}.`);
      return 0;
    }

    say(
      `${command === 'verify' ? 'Checking' : 'Repairing'} the removal counts of ${target}: counting oc_numbers ` +
        `and reading the counters at one snapshot...`,
    );
    const check =
      command === 'verify'
        ? await verifyRemovalCounts(dataSource, { statementTimeoutMs })
        : await repairRemovalCounts(dataSource, { statementTimeoutMs });
    say(`Counted ${check.tenantsCounted} tenant(s) with numbers in removal in ${elapsed()}.`);
    if (check.differences.length === 0) {
      say(command === 'verify' ? 'The counts are exact.' : 'Nothing to repair: the counts are exact.');
      return 0;
    }
    printDifferences(check, say);
    if (command === 'verify') {
      say('The counts differ: npm run counts -- --repair makes them exact (the service may keep running).');
      return 1;
    }
    say(`Repaired: ${check.differences.length} count(s) corrected; the counts are exact.`);
    return 0;
  } catch (error) {
    const message = reason(error, config);
    return fail(
      `${target}: ${message}` +
        (/oc_numbers_removal|no such table|does not exist/i.test(message)
          ? ' (are the migrations applied? npm run migrate)'
          : ''),
    );
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

/** One line per scope that differs: the full count, then the counters. */
function printDifferences({ differences }: CountsCheck, say: (line: string) => void): void {
  const scope = (d: CountsDifference) => d.msTenantId ?? 'all numbers (totals)';
  const width = Math.max(...differences.map((d) => scope(d).length), 'scope'.length);
  say(`${differences.length} count(s) differ (counted: a full count of oc_numbers; kept: the counters):`);
  say(`  ${'scope'.padEnd(width)}  active counted/kept  release counted/kept  marked counted/kept  ready counted/kept`);
  for (const d of differences) {
    const pair = (key: keyof CountsDifference['counted']) => `${d.counted[key]}/${d.kept[key]}`;
    say(
      `  ${scope(d).padEnd(width)}  ${pair('active').padStart(19)}  ${pair('releaseRequested').padStart(20)}  ` +
        `${pair('markedForRemoval').padStart(19)}  ${pair('readyForRemoval').padStart(18)}`,
    );
  }
}
