import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  databaseNameOf,
  findPgBouncer,
  jwtAuthEnv,
  type OwnedPostgres,
  type PgBouncer,
  type Replica,
  Sqlite as Database,
  startOwnedPostgres,
  startPgBouncer,
  startReplica,
  testIssuer,
  withDatabaseName,
  withPostgres,
} from '@oc-numbers/testing';
import { formatCount } from './args';
import { stopOnInterrupt } from './interrupt';
import { type DatabaseTarget, databaseTarget } from './database';
import { DEFAULT_MIX, tenantIds } from './inventory';
import { type CsvExportResult, listPaths, measureCsvExport } from './list-bench';
import { load, type LoadResult, median } from './load';
import { describeMachine, type Machine, machineLine } from './machine';
import { withServerCpu } from './process-cpu';
import { type BenchServer, CEILING_MAIN, spawnServer, spawnService } from './processes';
import { measureQueries, type QueryReport } from './queries';
import { Random } from './random';
import { renderReport, withSectionsOfOthers } from './report';
import { seed } from './seed';
import { measureTokenVerification, type TokenVerificationCost } from './token-cost';
import type { WriteRunRecord } from './writes';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface BenchOptions {
  readonly databases: readonly DatabaseKind[];
  readonly sizes: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly seed: number;
  /** The port the service listens on; a free one when not given. */
  readonly port?: number;
  /** The PostgreSQL server; the benchmark makes its own databases on it (oc_bench_<size>). */
  readonly postgresUrl: string;
  readonly sqliteDir: string;
  readonly livePath: string;
  readonly readyPath: string;
  readonly markdownPath: string;
  readonly jsonPath: string;
  readonly reseed: boolean;
  readonly seedOnly: boolean;
  readonly reportOnly: boolean;
  /** On PostgreSQL, also measure an instance through PgBouncer in transaction mode. */
  readonly pgbouncer: boolean;
  /**
   * On PostgreSQL, run on a server the benchmark starts itself (instead of `postgresUrl`) with a
   * streaming replica of it, and also measure an instance reading from that replica.
   */
  readonly replica: boolean;
  /** The PostgreSQL programs of that server; the newest /usr/lib/postgresql/<major>/bin unless given. */
  readonly postgresBin?: string;
}

export const SUMMARY_PATH = '/api/v3/oc/numbers/removal-status/summary';

/** The token the AUTH_MODE=jwt scenarios send: Entra ID signs with RS256. */
const TOKEN = { alg: 'RS256', role: 'OcNumbers.Read.All' } as const;

/** An issuer's settings for the service (AUTH_MODE=jwt) and the headers of a request with its token. */
export interface BenchToken {
  readonly env: Record<string, string>;
  readonly headers: Record<string, string>;
}

/** The AUTH_MODE=jwt instance's settings and the bearer token its requests carry (a day's validity). */
export async function benchToken(): Promise<BenchToken> {
  const issuer = await testIssuer({ alg: TOKEN.alg });
  const token = await issuer.mint({ roles: [TOKEN.role], azp: 'oc-numbers-bench' }, { expiresInS: 24 * 3600 });
  return { env: jwtAuthEnv(issuer), headers: { authorization: `Bearer ${token}` } };
}

export type ScenarioName =
  | 'bare'
  | 'raw'
  | 'bareQuery'
  | 'live'
  | 'liveSilent'
  | 'liveNoRateLimit'
  | 'ready'
  | 'summaryAll'
  | 'summaryTenant'
  | 'summaryAllJwt'
  | 'summaryTenantJwt'
  | 'listFirst'
  | 'listDeep'
  | 'listInRemoval'
  | 'listInRemovalDeep'
  | 'listTenant'
  | 'listPrefix'
  | 'tenants'
  | PastOneInstanceScenario;

/** The rows of another instance set up as operators run the service past one instance. */
export type PastOneInstanceScenario =
  | 'poolerSummaryAll'
  | 'poolerSummaryTenant'
  | 'poolerListFirst'
  | 'poolerListDeep'
  | 'replicaListFirst'
  | 'replicaListDeep'
  | 'replicaTenants'
  | 'replicaSummaryAll';

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  bare: 'bare NestJS + Fastify app, one GET answering the same JSON (ceiling)',
  raw: 'raw node:http + the database driver, one query per random tenant (ceiling)',
  bareQuery: "bare NestJS + Fastify app running the raw server's query per random tenant (ceiling)",
  live: 'trivial endpoint, no I/O (ceiling)',
  liveSilent: 'trivial endpoint, LOG_LEVEL=silent',
  liveNoRateLimit: 'trivial endpoint, RATE_LIMIT_ENABLED=false',
  ready: 'readiness: round trip + summary queries (reference)',
  summaryAll: 'summary, all tenants',
  summaryTenant: 'summary, random tenant',
  summaryAllJwt: 'summary, all tenants, with a bearer token (AUTH_MODE=jwt)',
  summaryTenantJwt: 'summary, random tenant, with a bearer token (AUTH_MODE=jwt)',
  listFirst: 'list, first page (100)',
  listDeep: 'list, page by a cursor deep into the table',
  listInRemoval: 'list, statuses 2+3, first page',
  listInRemovalDeep: 'list, statuses 2+3, by a deep cursor',
  listTenant: "list, a random tenant's first page",
  listPrefix: 'list, a prefix of ≤ 1,000 numbers (counted)',
  tenants: 'per-tenant view, first page',
  poolerSummaryAll: 'through PgBouncer: summary, all tenants',
  poolerSummaryTenant: 'through PgBouncer: summary, random tenant',
  poolerListFirst: 'through PgBouncer: list, first page (100)',
  poolerListDeep: 'through PgBouncer: list, page by a deep cursor',
  replicaListFirst: 'from the replica: list, first page (100)',
  replicaListDeep: 'from the replica: list, page by a deep cursor',
  replicaTenants: 'from the replica: per-tenant view, first page',
  replicaSummaryAll: 'from the replica: summary, all tenants (SUMMARY_READ_FROM_REPLICA=true)',
};

/**
 * Each row past one instance: the instance that answers it (through PgBouncer, or reading from
 * the replica) and the row of the directly connected instance it is set against.
 */
export const PAST_ONE_INSTANCE: Readonly<
  Record<PastOneInstanceScenario, { readonly via: 'pgbouncer' | 'replica'; readonly direct: ScenarioName }>
> = {
  poolerSummaryAll: { via: 'pgbouncer', direct: 'summaryAll' },
  poolerSummaryTenant: { via: 'pgbouncer', direct: 'summaryTenant' },
  poolerListFirst: { via: 'pgbouncer', direct: 'listFirst' },
  poolerListDeep: { via: 'pgbouncer', direct: 'listDeep' },
  replicaListFirst: { via: 'replica', direct: 'listFirst' },
  replicaListDeep: { via: 'replica', direct: 'listDeep' },
  replicaTenants: { via: 'replica', direct: 'tenants' },
  replicaSummaryAll: { via: 'replica', direct: 'summaryAll' },
};

export const PAST_ONE_INSTANCE_SCENARIOS = Object.keys(PAST_ONE_INSTANCE) as PastOneInstanceScenario[];

/** The settings of the instance that reads from the replica (besides DATABASE_READ_URL). */
export const REPLICA_ENV: Readonly<Record<string, string>> = { SUMMARY_READ_FROM_REPLICA: 'true' };

/** The scenarios answered by an instance with AUTH_MODE=jwt, each request with a bearer token. */
export const JWT_SCENARIOS: readonly ScenarioName[] = ['summaryAllJwt', 'summaryTenantJwt'];

/** The ceilings, each a process of its own: the stack's and the database's. */
export const CEILING_SCENARIOS: readonly ScenarioName[] = ['bare', 'raw', 'bareQuery'];

/**
 * The environment of the measured service: production's defaults. JSON request logs at `info`
 * (to /dev/null: the line is built and written all the same), metrics, security headers, and the
 * rate limit on, with a limit the load never reaches.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_MAX: '100000000',
  AUTH_MODE: 'none',
};

/**
 * The trivial endpoint again from instances that differ from the measured one in one setting
 * each: what that part of the stack costs per request.
 */
export const STACK_PART_SCENARIOS: Readonly<Partial<Record<ScenarioName, Readonly<Record<string, string>>>>> = {
  liveSilent: { LOG_LEVEL: 'silent' },
  liveNoRateLimit: { RATE_LIMIT_ENABLED: 'false' },
};

/** The scenarios of the list and the per-tenant view (runs before them have none). */
export const LIST_SCENARIOS: readonly ScenarioName[] = [
  'listFirst',
  'listDeep',
  'listInRemoval',
  'listInRemovalDeep',
  'listTenant',
  'listPrefix',
  'tenants',
];

/**
 * The order of the rows in a round: each goal's row beside the ceiling it is set against (the
 * trivial endpoint and both summaries over all tenants beside the bare app, the random-tenant
 * summaries beside the raw server), so that a slow spell of a shared machine, which lasts
 * seconds, falls on both sides of a ratio rather than on one. The rows the parts of the stack are
 * priced from come next to the trivial endpoint; the rest follow.
 */
export const ROUND_ORDER: readonly ScenarioName[] = [
  'liveSilent',
  'liveNoRateLimit',
  'live',
  'bare',
  'summaryAll',
  'summaryAllJwt',
  'raw',
  'summaryTenant',
  'summaryTenantJwt',
  'bareQuery',
  'ready',
  ...LIST_SCENARIOS,
  ...PAST_ONE_INSTANCE_SCENARIOS,
];

/**
 * The rows of round `round` (1, 2, …) in ROUND_ORDER, backwards in the even rounds: no row is
 * always measured before its ceiling, nor always first after the last round's heaviest rows.
 */
export function roundOrder(names: readonly ScenarioName[], round: number): ScenarioName[] {
  const rank = (name: ScenarioName) => {
    const at = ROUND_ORDER.indexOf(name);
    return at === -1 ? ROUND_ORDER.length : at;
  };
  const ordered = [...names].sort((a, b) => rank(a) - rank(b));
  return round % 2 === 0 ? ordered.reverse() : ordered;
}

export interface SeedingRecord {
  readonly numbers: number;
  readonly tenants: number;
  readonly seed: number;
  readonly loadSeconds: number;
  readonly analyzeSeconds: number;
  readonly rowsPerSecond: number;
  readonly at: string;
}

export interface RunRecord {
  readonly database: DatabaseKind;
  readonly numbers: number;
  readonly tenants: number;
  readonly at: string;
  readonly machine: Machine;
  readonly settings: {
    seconds: number;
    warmupSeconds: number;
    rounds: number;
    connections: number;
    /**
     * The rows went round in ROUND_ORDER, backwards every other round (roundOrder); runs before
     * it went through the rows in the table's order, the same in every round.
     */
    pairedOrder?: boolean;
  };
  readonly paths: Partial<Record<ScenarioName, string>>;
  readonly scenarios: Partial<Record<ScenarioName, { median: LoadResult; rounds: LoadResult[] }>> &
    Record<'live' | 'ready' | 'summaryAll' | 'summaryTenant', { median: LoadResult; rounds: LoadResult[] }>;
  readonly queries: QueryReport;
  /** One client downloading the CSV export of every number. */
  readonly csv?: CsvExportResult;
  /** The measured service's settings (runs before they were recorded: LOG_LEVEL=warn, no rate limit). */
  readonly env?: Readonly<Record<string, string>>;
  /** The token of the AUTH_MODE=jwt scenarios: its algorithm and the app role it carries. */
  readonly token?: { readonly alg: string; readonly role: string };
  /**
   * The PostgreSQL server: the one of --postgres-url (shared), or one the benchmark started
   * itself for --replica (owned), from these programs.
   */
  readonly postgresServer?: {
    readonly owned: boolean;
    readonly binDirectory?: string;
    /** Settings of the server that bear on the figures (SERVER_SETTINGS), as it reported them. */
    readonly settings?: Readonly<Record<string, string>>;
    /** A CHECKPOINT was made after the seeding, before the rounds (runs before it have none). */
    readonly checkpointed?: boolean;
  };
  /** The rows through PgBouncer and from the replica (runs before them have none). */
  readonly pastOneInstance?: PastOneInstanceRecord;
}

/** Transactions and rows read on one server's database while a row was measured (pg_stat_database). */
export interface ServerReads {
  /** xact_commit + xact_rollback. */
  readonly transactions: number;
  /** tup_returned: rows read by scans. */
  readonly rowsRead: number;
}

/** Where the reads of a row from the replica instance were served, summed over its rounds. */
export interface Routing {
  readonly replica: ServerReads;
  readonly primary: ServerReads;
  readonly requests: number;
}

/** What a run measured past one instance, and why a part of it was not. */
export interface PastOneInstanceRecord {
  readonly pgbouncer:
    | {
        readonly version: string;
        readonly poolMode: 'transaction';
        readonly poolSize: number;
        /** The instance's settings that differ from the direct one's. */
        readonly env: Readonly<Record<string, string>>;
      }
    | { readonly skipped: string };
  readonly replica:
    { readonly madeBy: string; readonly env: Readonly<Record<string, string>> } | { readonly skipped: string };
  /** Rows whose instance did not answer them (its first request failed), and how. */
  readonly unavailable?: Partial<Record<PastOneInstanceScenario, string>>;
  readonly routing?: Partial<Record<PastOneInstanceScenario, Routing>>;
}

export interface BenchFile {
  /** A remark about the conditions of the run, shown in the report; a new measurement drops it. */
  note?: string;
  machine?: Machine;
  seeding: Record<string, SeedingRecord>;
  runs: Record<string, RunRecord>;
  /** The writers' benchmark (`npm run bench:writes`), by size. */
  writes?: Record<string, WriteRunRecord>;
  /** What verifying one bearer token costs, in the benchmark's process, by algorithm. */
  tokenVerification?: TokenVerificationCost[];
}

/** 100 tenants at 10k numbers, 1,000 at 1M, 10,000 at 10M. */
export function tenantsFor(numbers: number): number {
  return Math.min(10_000, Math.max(100, Math.round(numbers / 1000)));
}

const key = (database: DatabaseKind, numbers: number) => `${database}:${formatCount(numbers)}`;

export function readBenchFile(path: string): BenchFile {
  if (!existsSync(path)) return { seeding: {}, runs: {} };
  const file = JSON.parse(readFileSync(path, 'utf8')) as BenchFile;
  return {
    seeding: file.seeding ?? {},
    runs: file.runs ?? {},
    machine: file.machine,
    note: file.note,
    ...(file.writes ? { writes: file.writes } : {}),
    ...(file.tokenVerification ? { tokenVerification: file.tokenVerification } : {}),
  };
}

function targetFor(options: BenchOptions, database: DatabaseKind, numbers: number): DatabaseTarget {
  if (database === 'sqlite') {
    return databaseTarget(`sqlite:${resolve(options.sqliteDir, `oc-numbers-${formatCount(numbers)}.sqlite`)}`);
  }
  return databaseTarget(withDatabaseName(options.postgresUrl, `oc_bench_${formatCount(numbers)}`));
}

async function countRows(target: DatabaseTarget): Promise<number> {
  if (target.kind === 'sqlite') {
    if (!existsSync(target.path)) return -1;
    const db = new Database(target.path, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM oc_numbers').get() as { n: number }).n;
    } catch {
      return -1;
    } finally {
      db.close();
    }
  }
  return withPostgres(target.url, async (client) =>
    Number((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM oc_numbers')).rows[0].n),
  ).catch(() => -1);
}

/** Makes the benchmark's database on the PostgreSQL server unless it is there. */
async function ensurePostgresDatabase(serverUrl: string, name: string): Promise<void> {
  await withPostgres(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  });
}

/** Seeds the database of one size unless an earlier run already did, with the same seed. */
async function ensureSeeded(
  options: BenchOptions,
  file: BenchFile,
  database: DatabaseKind,
  numbers: number,
  log: (line: string) => void,
): Promise<DatabaseTarget> {
  const target = targetFor(options, database, numbers);
  const tenants = tenantsFor(numbers);
  const previous = file.seeding[key(database, numbers)];
  const same =
    previous && previous.numbers === numbers && previous.tenants === tenants && previous.seed === options.seed;
  if (target.kind === 'postgres') await ensurePostgresDatabase(options.postgresUrl, databaseNameOf(target.url));
  if (!options.reseed && same && (await countRows(target)) === numbers) {
    log(`${database} ${formatCount(numbers)}: already seeded (${previous.rowsPerSecond.toFixed(0)} rows/s then)`);
    return target;
  }
  if (target.kind === 'sqlite') {
    mkdirSync(dirname(target.path), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(target.path + suffix, { force: true });
  }
  log(`${database} ${formatCount(numbers)}: seeding ${numbers.toLocaleString('en-US')} numbers, ${tenants} tenants`);
  const result = await seed({
    numbers,
    tenants,
    seed: options.seed,
    mix: DEFAULT_MIX,
    withoutTenant: 0.02,
    target,
    reset: true,
    progress: true,
  });
  file.seeding[key(database, numbers)] = {
    numbers,
    tenants,
    seed: options.seed,
    loadSeconds: result.loadSeconds,
    analyzeSeconds: result.analyzeSeconds,
    rowsPerSecond: result.rowsPerSecond,
    at: new Date().toISOString(),
  };
  log(
    `${database} ${formatCount(numbers)}: seeded in ${result.loadSeconds.toFixed(1)} s ` +
      `(${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s) + statistics ${result.analyzeSeconds.toFixed(1)} s`,
  );
  return target;
}

function save(options: BenchOptions, file: BenchFile): void {
  saveBenchFile(options, file);
}

/** Writes the JSON results and the Markdown report rendered from them. */
export function saveBenchFile(paths: { jsonPath: string; markdownPath: string }, file: BenchFile): void {
  write(paths.jsonPath, `${JSON.stringify(file, null, 2)}\n`);
  writeReport(paths.markdownPath, file);
}

/** The report, followed by the sections other commands wrote into the file (kept as they are). */
function writeReport(path: string, file: BenchFile): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  write(path, withSectionsOfOthers(renderReport(file), before));
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Seeds what is missing, drives the service at each size on each database, writes the reports. */
export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<BenchFile> {
  const file = readBenchFile(options.jsonPath);
  if (options.reportOnly) {
    writeReport(options.markdownPath, file);
    log(`Wrote ${options.markdownPath} from ${options.jsonPath}`);
    return file;
  }
  delete file.note;
  const owned =
    options.replica && options.databases.includes('postgres') ? await startOwnedServers(options, log) : null;
  const dispose = owned ? stopOnInterrupt(() => disposeOwned(owned)) : async () => undefined;
  try {
    const effective = owned ? { ...options, postgresUrl: withDatabaseName(owned.primary.url, 'postgres') } : options;
    const machine = await describeMachine(options.databases.includes('postgres') ? effective.postgresUrl : null);
    file.machine = machine;
    log(`Machine: ${machineLine(machine)}`);
    if (!options.seedOnly) {
      file.tokenVerification = await measureTokenVerification();
      log(
        `Token verification: ${file.tokenVerification.map((c) => `${c.alg} ${c.microsPerVerify.toFixed(1)} µs, verified before ${c.microsPerKnown.toFixed(2)} µs`).join('; ')}`,
      );
    }
    for (const database of options.databases) {
      for (const numbers of options.sizes) {
        const target = await ensureSeeded(effective, file, database, numbers, log);
        save(options, file);
        if (options.seedOnly) continue;
        const replica = database === 'postgres' ? owned?.replica : undefined;
        if (replica) {
          log(`${database} ${formatCount(numbers)}: waiting for the replica to replay the seeding`);
          await waitForReplay(effective.postgresUrl, replica, log);
        }
        const checkpointed = database === 'postgres' && (await checkpoint(effective.postgresUrl, replica, log));
        file.runs[key(database, numbers)] = await measure(effective, machine, database, numbers, target, log, {
          replica,
          binDirectory: owned?.primary.binDirectory,
          checkpointed,
        });
        save(options, file);
      }
    }
  } finally {
    await dispose();
  }
  log(`Wrote ${options.markdownPath} and ${options.jsonPath}`);
  return file;
}

/** Stops the owned servers and deletes their data: the replica first, which follows the primary. */
async function disposeOwned(owned: { readonly primary: OwnedPostgres; readonly replica: Replica }): Promise<void> {
  await owned.replica.dispose();
  await owned.primary.dispose();
}

/** The newest PostgreSQL programs of the machine (Debian's /usr/lib/postgresql/<major>/bin). */
export function machinePostgresBin(root = '/usr/lib/postgresql'): string | undefined {
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(`${root}/${name}/bin/postgres`))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? `${root}/${majors[0]}/bin` : undefined;
}

/**
 * A CHECKPOINT on the primary (a restartpoint on the standby): the pages the seeding dirtied are
 * written now, not by the checkpointer spreading them over the first minutes of the rounds, on
 * the same two cores as the service. Whether it could be made (it needs a superuser or the
 * pg_checkpoint role) is recorded with the run.
 */
async function checkpoint(
  primaryUrl: string,
  replica: Replica | undefined,
  log: (line: string) => void,
): Promise<boolean> {
  const started = Date.now();
  try {
    await withPostgres(primaryUrl, (client) => client.query('CHECKPOINT'));
    if (replica) await withPostgres(withDatabaseName(replica.url, 'postgres'), (client) => client.query('CHECKPOINT'));
  } catch (error) {
    log(`  no CHECKPOINT before the rounds: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  log(
    `  CHECKPOINT${replica ? ' on the primary and the replica' : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return true;
}

/**
 * Resolves once the standby has replayed the primary's WAL up to its position now: after a large
 * seeding that can take minutes on a busy machine (the toolkit's own wait gives up after 30 s).
 */
async function waitForReplay(primaryUrl: string, replica: Replica, log: (line: string) => void): Promise<void> {
  const target = await withPostgres(
    primaryUrl,
    async (client) => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn,
  );
  const replicaUrl = withDatabaseName(replica.url, 'postgres');
  const started = Date.now();
  let told = started;
  for (;;) {
    const { done, behind } = await withPostgres(
      replicaUrl,
      async (client) =>
        (
          await client.query<{ done: boolean; behind: string | null }>(
            `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done,
                    pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::text AS behind`,
            [target],
          )
        ).rows[0],
    );
    if (done) return;
    if (Date.now() - started > 15 * 60_000) {
      throw new Error(`The replica did not replay the primary's WAL up to ${target} in 15 minutes`);
    }
    if (Date.now() - told > 10_000) {
      told = Date.now();
      log(`  the replica is ${(Number(behind ?? 0) / 2 ** 20).toFixed(0)} MiB of WAL behind`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The owned server's settings besides initdb's: no autovacuum passing by in the middle of a round
 * (the seeding vacuums and analyzes itself), as on the shared server the benchmark was first run
 * on, and WAL kept for the standby.
 */
export const OWNED_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  autovacuum: 'off',
  // The standby streams the seeding's WAL as it is written; kept, a standby that falls behind
  // catches up instead of finding the segments it needs removed.
  wal_keep_size: '4GB',
};

/** The server settings a PostgreSQL run records, for the report. */
export const SERVER_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'max_connections',
  'autovacuum',
  'fsync',
  'synchronous_commit',
  'jit',
  'wal_keep_size',
] as const;

async function serverSettings(url: string): Promise<Record<string, string>> {
  return withPostgres(url, async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      'SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1) ORDER BY name',
      [[...SERVER_SETTINGS]],
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  });
}

/**
 * For --replica: a PostgreSQL server the benchmark owns (the shared one cannot be given a
 * standby), from the machine's programs with initdb's defaults, and its hot standby.
 */
async function startOwnedServers(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{ primary: OwnedPostgres; replica: Replica }> {
  const binDirectory = options.postgresBin ?? machinePostgresBin();
  if (!binDirectory) {
    throw new Error(
      '--replica needs PostgreSQL programs: none in /usr/lib/postgresql/<major>/bin; give --postgres-bin',
    );
  }
  log(`Starting a PostgreSQL server from ${binDirectory} and a streaming replica of it`);
  const primary = await startOwnedPostgres({ binDirectory, settings: OWNED_SERVER_SETTINGS });
  try {
    const replica = await startReplica(primary);
    log(`Primary on port ${primary.port}, replica (${replica.madeBy}) on port ${replica.port}`);
    return { primary, replica };
  } catch (error) {
    await primary.dispose();
    throw error;
  }
}

/** How long the benchmark downloads the CSV export at most. */
const CSV_SECONDS = 30;

async function measure(
  options: BenchOptions,
  machine: Machine,
  database: DatabaseKind,
  numbers: number,
  target: DatabaseTarget,
  log: (line: string) => void,
  past: { readonly replica?: Replica; readonly binDirectory?: string; readonly checkpointed?: boolean } = {},
): Promise<RunRecord> {
  const tenants = tenantIds(options.seed, tenantsFor(numbers));
  // Seeded, so every run asks the same tenants in the same order.
  const random = new Random(options.seed);
  const pickTenant = () => tenants[random.below(tenants.length)];
  const list = await listPaths(target, numbers, pickTenant);
  const paths: Partial<Record<ScenarioName, string>> = {
    bare: '/summary (the bare app)',
    raw: '/summary?msTenantId=<random tenant> (the raw server)',
    bareQuery: '/summary?msTenantId=<random tenant> (the bare app with the raw query)',
    live: options.livePath,
    liveSilent: options.livePath,
    liveNoRateLimit: options.livePath,
    ready: options.readyPath,
    summaryAll: SUMMARY_PATH,
    summaryTenant: `${SUMMARY_PATH}?msTenantId=<random tenant>`,
    summaryAllJwt: `${SUMMARY_PATH} with Authorization: Bearer <${TOKEN.alg} token, role ${TOKEN.role}>`,
    summaryTenantJwt: `${SUMMARY_PATH}?msTenantId=<random tenant> with Authorization: Bearer <the same token>`,
    listFirst: list.listFirst[0],
    listDeep: `${list.listDeep[0].split('?')[0]}?cursor=<after a number sampled over the table>`,
    listInRemoval: list.listInRemoval[0],
    listInRemovalDeep: `${list.listInRemoval[0]}&cursor=<after a number sampled over the table>`,
    listTenant: `${list.listFirst[0]}?msTenantId=<random tenant>`,
    listPrefix: `${list.listFirst[0]}?telephoneNumberPrefix=<a number less its last 3 digits>`,
    tenants: list.tenants[0],
  };
  // 500 requests over random tenants (seeded), walked in turn by every connection.
  const tenantPaths = Array.from({ length: 500 }, () => `${SUMMARY_PATH}?msTenantId=${pickTenant()}`);
  const pathsOf: Partial<Record<ScenarioName, readonly string[]>> = {
    live: [options.livePath],
    liveSilent: [options.livePath],
    liveNoRateLimit: [options.livePath],
    bare: ['/summary'],
    ready: [options.readyPath],
    summaryAll: [SUMMARY_PATH],
    summaryTenant: tenantPaths,
    raw: tenantPaths.map((path) => `/summary?${path.split('?')[1]}`),
    bareQuery: tenantPaths.map((path) => `/summary?${path.split('?')[1]}`),
    summaryAllJwt: [SUMMARY_PATH],
    summaryTenantJwt: tenantPaths,
    ...list,
  };
  if (database === 'postgres') {
    for (const name of PAST_ONE_INSTANCE_SCENARIOS) pathsOf[name] = pathsOf[PAST_ONE_INSTANCE[name].direct];
    for (const name of PAST_ONE_INSTANCE_SCENARIOS) paths[name] = paths[PAST_ONE_INSTANCE[name].direct];
  }
  const label = `${database} ${formatCount(numbers)}`;
  log(`${label}: the summary's queries alone, and their plans`);
  const queries = await measureQueries(target, pickTenant);
  log(
    `${label}: query p50 all tenants ${queries.allTenants.p50.toFixed(3)} ms, one tenant ${queries.oneTenant.p50.toFixed(3)} ms, ` +
      `plain COUNT ${queries.plainCount.p50.toFixed(1)} ms`,
  );
  const env = { ...PRODUCTION_ENV, DATABASE_URL: target.url };
  const servers: BenchServer[] = [];
  const started = async (server: Promise<BenchServer>) => {
    servers.push(await server);
    return servers[servers.length - 1];
  };
  try {
    const server = await started(
      spawnService(
        { ...env, ...(options.port ? { PORT: String(options.port) } : {}) },
        { probePath: options.livePath },
      ),
    );
    // A second instance on the same database verifies a bearer token on every request (its keys
    // given as PEM, as for a self-hosted issuer; a JWKS URL's keys are held in memory the same way).
    const jwt = await benchToken();
    const jwtServer = await started(spawnService({ ...env, ...jwt.env }, { probePath: options.livePath }));
    const partServers = new Map<ScenarioName, BenchServer>();
    for (const [name, change] of Object.entries(STACK_PART_SCENARIOS) as Array<
      [ScenarioName, Record<string, string>]
    >) {
      partServers.set(name, await started(spawnService({ ...env, ...change }, { probePath: options.livePath })));
    }
    const pastServers =
      database === 'postgres'
        ? await startPastOneInstance(options, target, env, past.replica, started, label, log)
        : null;
    for (const [name, pastServer] of pastServers?.servers ?? []) partServers.set(name, pastServer);
    const bare = await started(spawnServer({ main: CEILING_MAIN.bare, env: {}, probePath: '/summary' }));
    const raw = await started(
      spawnServer({ main: CEILING_MAIN.raw, env: { DATABASE_URL: target.url }, probePath: '/summary' }),
    );
    const bareQuery = await started(
      spawnServer({ main: CEILING_MAIN.bare, env: { DATABASE_URL: target.url }, probePath: '/summary' }),
    );
    const jwtHeaders = jwt.headers;
    const serverOf = (name: ScenarioName): BenchServer => {
      if (JWT_SCENARIOS.includes(name)) return jwtServer;
      if (name === 'bare') return bare;
      if (name === 'raw') return raw;
      if (name === 'bareQuery') return bareQuery;
      return partServers.get(name) ?? server;
    };
    const endpoint = (name: ScenarioName): { baseUrl: string; headers: Record<string, string> } => ({
      baseUrl: serverOf(name).baseUrl,
      headers: JWT_SCENARIOS.includes(name) ? jwtHeaders : {},
    });
    const unavailable: Partial<Record<PastOneInstanceScenario, string>> = { ...pastServers?.unavailable };
    // A row past one instance is measured only where its instance runs (the report says why not).
    const names = (Object.keys(pathsOf) as ScenarioName[]).filter(
      (name) => !isPastOneInstance(name) || (pastServers?.servers.has(name) === true && !(name in unavailable)),
    );
    for (const name of [...names]) {
      const path = pathsOf[name]?.[0] ?? '';
      const answer = await fetch(endpoint(name).baseUrl + path, { headers: endpoint(name).headers }).then(
        async (response) => ({ status: response.status, ok: response.ok, body: await response.text() }),
        (error: unknown) => ({ status: 0, ok: false, body: error instanceof Error ? error.message : String(error) }),
      );
      if (answer.ok) continue;
      const what = `GET ${path} answered ${answer.status || 'nothing'}: ${answer.body.slice(0, 300)}`;
      if (isPastOneInstance(name)) {
        // Its instance is set up in a way the service may not support yet: the report says so.
        unavailable[name] = what;
        names.splice(names.indexOf(name), 1);
        log(`${label}: ${SCENARIO_TITLES[name]} is not measured: ${what}`);
        continue;
      }
      throw new Error(
        what + (name === 'live' || name === 'ready' ? ` (give the ceiling's path with --${name}-path)` : ''),
      );
    }
    const routing: Partial<Record<PastOneInstanceScenario, Routing>> = {};
    for (const name of roundOrder(names, 1)) {
      log(`${label}: warming up ${SCENARIO_TITLES[name]} for ${options.warmupSeconds} s`);
      await load({
        ...endpoint(name),
        connections: options.connections,
        seconds: options.warmupSeconds,
        paths: pathsOf[name] ?? [],
      });
    }
    const rounds = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<
      ScenarioName,
      LoadResult[]
    >;
    // Rounds go through every endpoint in turn, so a slow spell of the machine touches all.
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of roundOrder(names, round)) {
        const pid = serverOf(name).pid;
        const replicaUrl =
          isPastOneInstance(name) && PAST_ONE_INSTANCE[name].via === 'replica' ? pastServers?.replicaUrl : undefined;
        const readsBefore = replicaUrl ? await readsOn(target.url, replicaUrl) : undefined;
        const result = await withServerCpu(pid, () =>
          load({
            ...endpoint(name),
            connections: options.connections,
            seconds: options.seconds,
            paths: pathsOf[name] ?? [],
          }),
        );
        if (readsBefore && replicaUrl && isPastOneInstance(name)) {
          // Idle backends send their statistics within a second (PGSTAT_MIN_INTERVAL).
          await new Promise((done) => setTimeout(done, 1500));
          const after = await readsOn(target.url, replicaUrl);
          routing[name] = addRouting(routing[name], {
            primary: minus(after.primary, readsBefore.primary),
            replica: minus(after.replica, readsBefore.replica),
            requests: result.requests,
          });
        }
        rounds[name].push(result);
        log(
          `${label}: round ${round}/${options.rounds} ${SCENARIO_TITLES[name]}: ` +
            `${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
            `max ${(result.max ?? NaN).toFixed(1)} ms, ${result.errors} errors` +
            (result.serverCpuMicrosPerRequest === undefined
              ? ''
              : `, server CPU ${result.serverCpuMicrosPerRequest.toFixed(0)} µs/request`) +
            (routing[name as PastOneInstanceScenario]
              ? `, reads so far: ${describeRouting(routing[name as PastOneInstanceScenario] as Routing)}`
              : ''),
        );
      }
    }
    const scenarios = Object.fromEntries(
      names.map((name) => [name, { median: median(rounds[name]), rounds: rounds[name] }]),
    ) as RunRecord['scenarios'];
    log(`${label}: the CSV export of every number, one client, at most ${CSV_SECONDS} s`);
    const csv = await measureCsvExport(server.baseUrl, CSV_SECONDS);
    log(
      `${label}: CSV export ${Math.round(csv.rowsPerSecond)} rows/s (${csv.rows} rows in ${csv.seconds.toFixed(1)} s` +
        `${csv.complete ? ', complete' : ', then the client left'})`,
    );
    return {
      database,
      numbers,
      tenants: tenants.length,
      at: new Date().toISOString(),
      machine,
      settings: {
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        rounds: options.rounds,
        connections: options.connections,
        pairedOrder: true,
      },
      paths,
      scenarios,
      queries,
      csv,
      token: TOKEN,
      env,
      ...(database === 'postgres' && {
        postgresServer: {
          owned: past.binDirectory !== undefined,
          ...(past.binDirectory !== undefined && { binDirectory: past.binDirectory }),
          settings: await serverSettings(target.url),
          checkpointed: past.checkpointed === true,
        },
        pastOneInstance: {
          pgbouncer: pastServers?.pgbouncer ?? { skipped: 'not started' },
          replica: pastServers?.replica ?? { skipped: 'not started' },
          ...(Object.keys(unavailable).length > 0 && { unavailable }),
          ...(Object.keys(routing).length > 0 && { routing }),
        },
      }),
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

function isPastOneInstance(name: ScenarioName): name is PastOneInstanceScenario {
  return name in PAST_ONE_INSTANCE;
}

/** What each server's database has read so far (pg_stat_database, asked from its `postgres` database). */
export async function readsOn(
  primaryUrl: string,
  replicaUrl: string,
): Promise<{ primary: ServerReads; replica: ServerReads }> {
  const name = databaseNameOf(primaryUrl);
  const ask = (url: string) =>
    withPostgres(withDatabaseName(url, 'postgres'), async (client) => {
      const { rows } = await client.query<{ transactions: string; rows_read: string }>(
        `SELECT xact_commit + xact_rollback AS transactions, tup_returned AS rows_read
           FROM pg_stat_database WHERE datname = $1`,
        [name],
      );
      return { transactions: Number(rows[0]?.transactions ?? 0), rowsRead: Number(rows[0]?.rows_read ?? 0) };
    });
  const [primary, replica] = await Promise.all([ask(primaryUrl), ask(replicaUrl)]);
  return { primary, replica };
}

const minus = (a: ServerReads, b: ServerReads): ServerReads => ({
  transactions: a.transactions - b.transactions,
  rowsRead: a.rowsRead - b.rowsRead,
});

function addRouting(sum: Routing | undefined, add: Routing): Routing {
  if (!sum) return add;
  const plus = (a: ServerReads, b: ServerReads) => ({
    transactions: a.transactions + b.transactions,
    rowsRead: a.rowsRead + b.rowsRead,
  });
  return {
    primary: plus(sum.primary, add.primary),
    replica: plus(sum.replica, add.replica),
    requests: sum.requests + add.requests,
  };
}

/**
 * Where a row's reads were served: the replica when it ran most of the row's transactions, with
 * its share and the counts on each server.
 */
export function describeRouting(r: Routing): string {
  const total = r.replica.transactions + r.primary.transactions;
  const share = total > 0 ? r.replica.transactions / total : NaN;
  const n = (x: number) => x.toLocaleString('en-US');
  const where = !Number.isFinite(share) ? 'unknown' : share >= 0.5 ? 'the replica' : '**the primary**';
  return (
    `${where}: ${Number.isFinite(share) ? `${Math.round(share * 100)}%` : '–'} of transactions on the replica ` +
    `(replica ${n(r.replica.transactions)}, primary ${n(r.primary.transactions)}; ` +
    `rows read: replica ${n(r.replica.rowsRead)}, primary ${n(r.primary.rowsRead)}; ${n(r.requests)} requests)`
  );
}

/** PgBouncer's pool per database and user (default_pool_size). */
const PGBOUNCER_POOL_SIZE = 20;

/**
 * The instances past one: one through PgBouncer in transaction mode (unless turned off, or no
 * PgBouncer on the machine) and one that reads from the replica (with --replica), on the same
 * database as the direct instance. What could not be started is said, never left out.
 */
async function startPastOneInstance(
  options: BenchOptions,
  target: DatabaseTarget,
  env: Record<string, string>,
  replica: Replica | undefined,
  started: (server: Promise<BenchServer>) => Promise<BenchServer>,
  label: string,
  log: (line: string) => void,
): Promise<{
  servers: Map<ScenarioName, BenchServer>;
  pgbouncer: PastOneInstanceRecord['pgbouncer'];
  replica: PastOneInstanceRecord['replica'];
  unavailable: Partial<Record<PastOneInstanceScenario, string>>;
  replicaUrl?: string;
}> {
  const servers = new Map<ScenarioName, BenchServer>();
  const unavailable: Partial<Record<PastOneInstanceScenario, string>> = {};
  const rowsOf = (via: 'pgbouncer' | 'replica') =>
    PAST_ONE_INSTANCE_SCENARIOS.filter((n) => PAST_ONE_INSTANCE[n].via === via);
  const serve = (via: 'pgbouncer' | 'replica', server: BenchServer) => {
    for (const name of rowsOf(via)) servers.set(name, server);
  };
  const cannot = (via: 'pgbouncer' | 'replica', why: string) => {
    for (const name of rowsOf(via)) unavailable[name] = why;
  };

  const startPooled = async (): Promise<PastOneInstanceRecord['pgbouncer']> => {
    if (!options.pgbouncer) return { skipped: 'turned off with --no-pgbouncer' };
    const found = findPgBouncer();
    if (!('path' in found)) {
      log(`${label}: no rows through PgBouncer: ${found.reason}`);
      return { skipped: found.reason };
    }
    let bouncer: PgBouncer;
    try {
      bouncer = await startPgBouncer({
        upstreamUrl: target.url,
        poolMode: 'transaction',
        poolSize: PGBOUNCER_POOL_SIZE,
      });
    } catch (error) {
      const why = `PgBouncer did not start: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`;
      log(`${label}: no rows through PgBouncer: ${why}`);
      return { skipped: why };
    }
    // Stopped with the instances (after them: the list of servers is stopped in reverse), or by
    // an interrupt, with its folder, as the services stop themselves (spawnServer).
    const stopBouncer = stopOnInterrupt(() => bouncer.stop());
    await started(Promise.resolve({ baseUrl: '', pid: 0, stop: async () => (await stopBouncer(), 0) }));
    const change = { DATABASE_URL: bouncer.url, DATABASE_POOLER: 'transaction', MIGRATIONS_DATABASE_URL: target.url };
    try {
      serve('pgbouncer', await started(spawnService({ ...env, ...change }, { probePath: options.livePath })));
    } catch (error) {
      cannot(
        'pgbouncer',
        `the instance did not start: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
      );
    }
    return {
      version: bouncer.version,
      poolMode: 'transaction',
      poolSize: PGBOUNCER_POOL_SIZE,
      env: { ...change, DATABASE_URL: '<PgBouncer>', MIGRATIONS_DATABASE_URL: '<the database, directly>' },
    };
  };
  const pgbouncer = await startPooled();

  let replicaRecord: PastOneInstanceRecord['replica'];
  let replicaUrl: string | undefined;
  if (!replica) {
    replicaRecord = { skipped: 'run with --replica to measure reads from a streaming replica' };
  } else {
    replicaUrl = withDatabaseName(replica.url, databaseNameOf(target.url));
    const change = { DATABASE_READ_URL: replicaUrl, ...REPLICA_ENV };
    replicaRecord = { madeBy: replica.madeBy, env: { ...change, DATABASE_READ_URL: '<the replica>' } };
    try {
      serve('replica', await started(spawnService({ ...env, ...change }, { probePath: options.livePath })));
    } catch (error) {
      cannot(
        'replica',
        `the instance did not start: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`,
      );
    }
  }
  return { servers, pgbouncer, replica: replicaRecord, unavailable, replicaUrl };
}
