import { Sqlite as Database, startServer, withDatabaseName, withPostgres, workspacePath } from '@oc-numbers/testing';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, parseCount, UsageError } from './args';
import { describeMachine, machineLine } from './machine';

export const RECONCILE_BENCH_USAGE = `Usage: npm run bench:reconcile -- [options]

Measures a reconciliation of one big tenant through the running service (POST
/api/v3/oc/tenants/{msTenantId}/numbers/reconcile with a text/csv body), on PostgreSQL and on
SQLite. Each database is made fresh (PostgreSQL: --database on the server of --postgres-url;
SQLite: a file under tmp/bench), migrated by the service, and seeded with the tenant's numbers
(2 % MarkedForRemoval, the rest Active) and as many numbers of another tenant. The list sent
leaves out --missing of the tenant's numbers, all Active (marked), holds every MarkedForRemoval
number (restored) and 1 % numbers the inventory does not hold (unknown); a list that marks more
than the guard allows is sent with confirmMassRemoval=true. Each round resets the statuses,
sends a dry run, then the real reconciliation; the medians of the wall time (request sent to
answer read) and of the service's durationMs are printed as Markdown. The databases are dropped
afterwards.

  --numbers N          numbers of the reconciled tenant              default 200k
  --rounds N           rounds (medians are reported)                  default 5
  --missing P          percent of the tenant's numbers left out, 0-49  default 1
  --kinds LIST         postgres, sqlite or both                       default postgres,sqlite
  --postgres-url URL   the PostgreSQL server
                       default BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres
  --database NAME      the database made for the run                  default oc_bench_reconcile
  --help               this text
`;

const OPTIONS = {
  numbers: 'value',
  rounds: 'value',
  missing: 'value',
  kinds: 'value',
  'postgres-url': 'value',
  database: 'value',
  help: 'flag',
} as const;

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const OTHER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const KINDS = ['postgres', 'sqlite'] as const;
type Kind = (typeof KINDS)[number];

export interface ReconcileBenchOptions {
  readonly numbers: number;
  readonly rounds: number;
  /** Percent of the tenant's numbers the list leaves out (all Active: each is marked). */
  readonly missing: number;
  readonly kinds: readonly Kind[];
  readonly postgresUrl: string;
  readonly database: string;
}

export function parseReconcileBenchArgs(argv: readonly string[]): ReconcileBenchOptions | 'help' {
  const args = parseArgs(argv, OPTIONS);
  if (args.has('help')) return 'help';
  const text = (name: string) => {
    const value = args.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const kinds = (text('kinds') ?? 'postgres,sqlite').split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kinds: unknown kind "${kind}"`);
  }
  const database = text('database') ?? 'oc_bench_reconcile';
  if (!/^[a-z_][a-z0-9_]*$/.test(database) || /^oc_bench_(10k|1m|10m)$/.test(database)) {
    throw new UsageError(`--database must be a fresh lower-case name, not a shared bench database (got "${database}")`);
  }
  return {
    numbers: parseCount('numbers', text('numbers') ?? '200k', { min: 100, max: 1_000_000 }),
    rounds: parseCount('rounds', text('rounds') ?? '5', { max: 100 }),
    missing: parseCount('missing', text('missing') ?? '1', { min: 0, max: 49 }),
    kinds: kinds as Kind[],
    postgresUrl:
      text('postgres-url') ?? process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    database,
  };
}

/**
 * Whether the list leaves out the tenant's number `i`: `missing` in every hundred, never one of the
 * MarkedForRemoval ones (every 50th), so that each number left out is marked.
 */
export function leftOut(i: number, missing: number): boolean {
  return i % 100 >= 1 && i % 100 <= missing;
}

/** A number of the bench: `+1`, a group digit (2: the tenant, 3: the other tenant, 9: unknown), 9 digits. */
const phone = (group: number, i: number) => `+1${group}${String(i).padStart(9, '0')}`;

interface Measured {
  readonly wallMs: number[];
  readonly serviceMs: number[];
  readonly dryWallMs: number[];
  readonly counts: Record<string, number>;
}

export async function runReconcileBench(
  options: ReconcileBenchOptions,
  say: (line: string) => void,
): Promise<string[]> {
  const machine = await describeMachine(options.kinds.includes('postgres') ? options.postgresUrl : null);
  const list = [
    ...Array.from({ length: options.numbers }, (_, i) => i)
      .filter((i) => !leftOut(i, options.missing))
      .map((i) => phone(2, i)),
    ...Array.from({ length: Math.floor(options.numbers / 100) }, (_, i) => phone(9, i)),
  ];
  const csv = `telephoneNumber\n${list.join('\n')}\n`;
  const results = new Map<Kind, Measured>();
  for (const kind of options.kinds) {
    say(`${kind}: seeding ${options.numbers} numbers of the tenant and as many of another...`);
    results.set(kind, await benchOne(kind, options, csv, say));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const lines = [
    `Machine: ${machineLine(machine)}`,
    '',
    `Command: \`npm run bench:reconcile -- --numbers ${options.numbers} --rounds ${options.rounds}` +
      `${options.missing === 1 ? '' : ` --missing ${options.missing}`}\``,
    '',
    '| database | tenant numbers | listed | marked | restored | unknown | dry run (wall, median) | reconcile (wall, median) | reconcile (service durationMs, median) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [kind, m] of results) {
    lines.push(
      `| ${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} | ${options.numbers.toLocaleString('en-US')} | ` +
        `${list.length.toLocaleString('en-US')} | ${m.counts.markedCount} | ${m.counts.restoredCount} | ` +
        `${m.counts.unknownCount} | ${median(m.dryWallMs)} ms | ${median(m.wallMs)} ms | ${median(m.serviceMs)} ms |`,
    );
  }
  return lines;
}

async function benchOne(
  kind: Kind,
  options: ReconcileBenchOptions,
  csv: string,
  say: (line: string) => void,
): Promise<Measured> {
  const sqlitePath = workspacePath('tmp', 'bench', 'reconcile.sqlite');
  const url = kind === 'postgres' ? withDatabaseName(options.postgresUrl, options.database) : `sqlite:${sqlitePath}`;
  if (kind === 'postgres') {
    await withPostgres(options.postgresUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${options.database}`);
      await client.query(`CREATE DATABASE ${options.database}`);
    });
  } else {
    mkdirSync(dirname(sqlitePath), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlitePath}${suffix}`, { force: true });
  }
  const env = { DATABASE_URL: url, RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
  let server = await startServer(env, { probePath: '/health/live' });
  await server.stop();
  await sql(kind, url, [
    // The seed, set-based: the tenant's numbers (every 50th MarkedForRemoval), another tenant's.
    `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status)
     ${series(kind, options.numbers)}`,
  ]);
  const measured: Measured = { wallMs: [], serviceMs: [], dryWallMs: [], counts: {} };
  server = await startServer(env, { probePath: '/health/live' });
  try {
    const endpoint = `${server.baseUrl}/api/v3/oc/tenants/${TENANT}/numbers/reconcile`;
    const post = async (query: string) => {
      const started = performance.now();
      const response = await fetch(`${endpoint}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      });
      const answer = (await response.json()) as Record<string, number>;
      const wall = Math.round(performance.now() - started);
      if (response.status !== 200)
        throw new Error(`The service answered ${response.status}: ${JSON.stringify(answer)}`);
      return { wall, answer };
    };
    for (let round = 1; round <= options.rounds; round++) {
      await sql(kind, url, [reset(kind)]);
      const dry = await post('?dryRun=true');
      // Past the guard's share (20 % of the Active numbers by default) the list must be confirmed.
      const real = await post(options.missing >= 20 ? '?confirmMassRemoval=true' : '');
      measured.dryWallMs.push(dry.wall);
      measured.wallMs.push(real.wall);
      measured.serviceMs.push(real.answer.durationMs);
      Object.assign(measured.counts, real.answer);
      say(
        `${kind}: round ${round}/${options.rounds}: dry run ${dry.wall} ms, reconcile ${real.wall} ms ` +
          `(service ${real.answer.durationMs} ms; marked ${real.answer.markedCount}, restored ${real.answer.restoredCount})`,
      );
    }
  } finally {
    await server.stop();
    if (kind === 'postgres') {
      await withPostgres(options.postgresUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${options.database}`));
    } else {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlitePath}${suffix}`, { force: true });
    }
  }
  return measured;
}

/** The seed rows as one SELECT. */
function series(kind: Kind, numbers: number): string {
  const status = (i: string) => `CASE WHEN ${i} % 50 = 0 THEN 2 ELSE 0 END`;
  if (kind === 'postgres') {
    return `SELECT '+12' || lpad(i::text, 9, '0'), '${TENANT}'::uuid, ${status('i')} FROM generate_series(0, ${numbers - 1}) AS i
            UNION ALL
            SELECT '+13' || lpad(i::text, 9, '0'), '${OTHER}'::uuid, 0 FROM generate_series(0, ${numbers - 1}) AS i`;
  }
  return `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${numbers - 1})
          SELECT '+12' || substr('000000000' || i, -9), '${TENANT}', ${status('i')} FROM s
          UNION ALL
          SELECT '+13' || substr('000000000' || i, -9), '${OTHER}', 0 FROM s`;
}

/** The tenant's statuses as seeded. */
function reset(kind: Kind): string {
  const i = kind === 'postgres' ? 'substr(telephone_number, 4)::int' : 'CAST(substr(telephone_number, 4) AS INTEGER)';
  const tenant = kind === 'postgres' ? `'${TENANT}'::uuid` : `'${TENANT}'`;
  return `UPDATE oc_numbers SET removal_status = CASE WHEN ${i} % 50 = 0 THEN 2 ELSE 0 END WHERE ms_tenant_id = ${tenant}`;
}

async function sql(kind: Kind, url: string, statements: readonly string[]): Promise<void> {
  if (kind === 'postgres') {
    await withPostgres(url, async (client) => {
      for (const statement of statements) await client.query(statement);
      await client.query('VACUUM ANALYZE oc_numbers');
    });
    return;
  }
  const db = new Database(url.slice('sqlite:'.length), { timeout: 10_000 });
  try {
    db.pragma('recursive_triggers = ON');
    for (const statement of statements) db.exec(statement);
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
}
