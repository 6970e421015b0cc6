import { existsSync } from 'node:fs';
import { DataSource, type Logger, type Migration, MigrationExecutor } from 'typeorm';
import { type AppConfig, loadConfigOrExit } from './config/app-config';
import { dataSourceOptions, migrationSettings } from './database/data-source-options';
import { inMigrationTurn } from './database/migration-lock';
import { isPostgres } from './database/dialect';
import { MIGRATIONS } from './database/migrations';

export const MIGRATE_USAGE = `Usage: npm run migrate           apply the pending migrations
       npm run migrate:revert    revert the last applied migration
       npm run migrate:show      list the migrations: [X] applied, [ ] pending

On a deploy target (the build and production dependencies only):
       node dist/apps/api/src/migrate.js [run | revert | show]

Works on the database of MIGRATIONS_DATABASE_URL when set (the primary, when DATABASE_URL names a
pooler), else of DATABASE_URL (unset: SQLite at data/oc-numbers.sqlite), with the service's
settings, DATABASE_CONNECT_TIMEOUT_MS and DATABASE_STATEMENT_TIMEOUT_MS included (a migration of a
big PostgreSQL table may need the statement timeout raised for this command). Runs of the
migrations take turns: one waits for another (an instance starting) to finish.
Each migration runs in a transaction of its own: one that fails leaves nothing behind.
Reverting 1764201600000-create-oc-numbers drops the table oc_numbers and every number in it.

  --help, -h   this text

Exit status: 0 done; 1 failed (a bad setting, the database unreachable, a migration failed);
2 bad usage.
`;

const COMMANDS = ['run', 'revert', 'show'] as const;
type Command = (typeof COMMANDS)[number];

export interface Output {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/** A command line that cannot be carried out: its message is shown above the usage. */
export class UsageError extends Error {}

/** What a database command works with once its command line and settings are read. */
export interface CommandStart<C> {
  readonly command: C;
  readonly config: AppConfig;
  /** The database, named without its password. */
  readonly target: string;
  say(line: string): void;
  /** Writes `line` to stderr and returns the command's failure status. */
  fail(line: string): number;
}

/**
 * The front the database commands share: `--help` prints the usage (exit 0), a bad command line
 * prints why and the usage (exit 2), a bad setting exits 1 at once naming it (as every entry
 * point does). Returns the exit status when nothing more is to be done.
 */
export function startCommand<C>(
  name: string,
  usage: string,
  parse: (argv: readonly string[]) => C | 'help',
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  { out, err }: Output,
  failureStatus: number,
): CommandStart<C> | number {
  let command: C | 'help';
  try {
    command = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${name}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (command === 'help') {
    out.write(usage);
    return 0;
  }
  const config = loadConfigOrExit(env);
  return {
    command,
    config,
    target: describeDatabase(config.database),
    say: (line) => out.write(`${line}\n`),
    fail: (line) => {
      err.write(`${name}: ${line}\n`);
      return failureStatus;
    },
  };
}

/** The command of the command line, or 'help'; throws UsageError on anything else. */
export function parseMigrateArgs(argv: readonly string[]): Command | 'help' {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return 'help';
  const unknown = argv.find((arg) => arg.startsWith('-'));
  if (unknown) throw new UsageError(`Unknown option ${unknown}`);
  if (argv.length > 1) throw new UsageError(`One command at most (got ${argv.join(' ')})`);
  if (argv.length === 0) return 'run';
  const command = COMMANDS.find((c) => c === argv[0]);
  if (!command) throw new UsageError(`Unknown command "${argv[0]}": use run, revert or show`);
  return command;
}

/**
 * Applies, reverts or lists the service's migrations on the database of DATABASE_URL; resolves
 * with the exit status (2: bad usage, 1: failure). A bad setting exits 1 at once, naming it.
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const start = startCommand('migrate', MIGRATE_USAGE, parseMigrateArgs, argv, env, output, 1);
  if (typeof start === 'number') return start;
  const { command, say, fail } = start;
  // The primary of MIGRATIONS_DATABASE_URL when given (DATABASE_URL may name a pooler).
  const config: AppConfig = { ...start.config, ...migrationSettings(start.config) };
  const target = describeDatabase(config.database);

  if (!isPostgres(config.database) && command !== 'run' && !existsSync(config.database.path)) {
    // Opening the file would create it: a listing or a revert must not.
    if (command === 'revert') return fail(`There is no SQLite database at ${config.database.path}: nothing to revert.`);
    say(`Migrations of ${target} (the file does not exist yet; npm run migrate creates it):`);
    for (const name of codeMigrationNames()) say(`[ ] ${label(name)}`);
    return 0;
  }

  const dataSource = new DataSource({
    ...dataSourceOptions({ ...config, migrationsRun: false }),
    // This command says itself what was applied and what failed.
    logger: SILENT,
  });
  const started = Date.now();
  try {
    await dataSource.initialize();
  } catch (error) {
    const waited = isPostgres(config.database) && Date.now() - started >= config.databaseConnectTimeoutMs;
    return fail(
      `Cannot open ${target}: ${reason(error, config)}` +
        (waited ? ` (no answer within DATABASE_CONNECT_TIMEOUT_MS, ${config.databaseConnectTimeoutMs} ms)` : ''),
    );
  }
  try {
    const executor = new MigrationExecutor(dataSource);
    const applied = await executor.getExecutedMigrations();
    const appliedNames = new Set(applied.map((m) => m.name));
    const known = codeMigrationNames();

    if (command === 'show') {
      say(`Migrations of ${target}:`);
      for (const name of known) say(`${appliedNames.has(name) ? '[X]' : '[ ]'} ${label(name)}`);
      for (const m of applied.filter((m) => !known.includes(m.name))) {
        say(`[X] ${label(m.name)} (applied, but not in this build: the database is newer than this code)`);
      }
      const pending = known.filter((name) => !appliedNames.has(name)).length;
      say(
        pending === 0
          ? `${appliedNames.size} applied, none pending.`
          : `${appliedNames.size} applied, ${pending} pending: npm run migrate applies ${pending === 1 ? 'it' : 'them'}.`,
      );
      return 0;
    }

    if (command === 'revert') {
      const last = latest(applied);
      if (!last) {
        say(`Nothing to revert: no migration is applied on ${target}.`);
        return 0;
      }
      if (!known.includes(last.name)) {
        return fail(
          `The last applied migration, ${label(last.name)}, is not in this build: revert it with the build that applied it.`,
        );
      }
      say(`Reverting ${label(last.name)} on ${target}`);
      try {
        await inMigrationTurn(config, () => dataSource.undoLastMigration({ transaction: 'each' }));
      } catch (error) {
        return fail(`Reverting ${label(last.name)} failed, nothing of it was undone: ${reason(error, config)}`);
      }
      say(`Reverted ${label(last.name)}`);
      return 0;
    }

    const pending = known.filter((name) => !appliedNames.has(name));
    if (pending.length === 0) {
      say(`Nothing to migrate: the ${known.length} migrations are applied on ${target}.`);
      return 0;
    }
    say(`Applying ${pending.length} migration${pending.length === 1 ? '' : 's'} to ${target}`);
    try {
      // In turn with instances that start meanwhile: none applies a migration this run applies.
      const applied = await inMigrationTurn(config, () => dataSource.runMigrations());
      if (applied.length === 0) say('Nothing left to migrate: another run applied the pending migrations meanwhile.');
      for (const m of applied) say(`Applied ${label(m.name)}`);
      return 0;
    } catch (error) {
      // Each migration commits by itself: the ones before the failed one stay applied.
      const now = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
      const done = pending.filter((name) => now.has(name));
      const [failed, ...notRun] = pending.filter((name) => !now.has(name));
      for (const name of done) say(`Applied ${label(name)}`);
      return fail(
        `${label(failed ?? '?')} failed and was rolled back: ${reason(error, config)}` +
          (notRun.length > 0 ? `\nNot run: ${notRun.map(label).join(', ')}` : ''),
      );
    }
  } catch (error) {
    return fail(`${target}: ${reason(error, config)}`);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

export const SILENT: Logger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/** The names of the migrations this build knows, oldest first. */
function codeMigrationNames(): string[] {
  // TypeORM's rule: the instance's `name`, else the class name.
  return MIGRATIONS.map((Migration) => new Migration().name ?? Migration.name);
}

/** The last applied migration: the one with the highest id. */
function latest(applied: readonly Migration[]): Migration | undefined {
  return applied.reduce<Migration | undefined>(
    (last, m) => (!last || (m.id ?? 0) > (last.id ?? 0) ? m : last),
    undefined,
  );
}

/** `CreateOcNumbers1764201600000` → `1764201600000-create-oc-numbers`, as the migration's file is named. */
export function label(name: string): string {
  const match = /^(.+?)(\d{13})$/.exec(name);
  if (!match) return name;
  const words = match[1].replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `${match[2]}-${words}`;
}

/** The database in words, with any password hidden. */
export function describeDatabase(database: AppConfig['database']): string {
  if (!isPostgres(database)) return `SQLite at ${database.path}`;
  const url = new URL(database.url);
  if (url.password) url.password = '***';
  return `PostgreSQL at ${url.toString()}`;
}

/** An error's message, never with the database password in it, with a hint where one helps. */
export function reason(error: unknown, config: AppConfig): string {
  let message = error instanceof Error ? error.message : String(error);
  if (isPostgres(config.database)) {
    const password = new URL(config.database.url).password;
    for (const secret of new Set([password, safeDecode(password)])) {
      if (secret) message = message.split(secret).join('***');
    }
  }
  if (/statement timeout/i.test(message)) {
    message += ` (DATABASE_STATEMENT_TIMEOUT_MS is ${config.databaseStatementTimeoutMs}: raise it for this command)`;
  }
  return message;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
