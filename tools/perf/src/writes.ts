import { databaseNameOf, withDatabaseName, withPostgres } from '@oc-numbers/testing';
import { Client, type DatabaseError } from 'pg';
import { formatCount } from './args';
import { tenantsFor } from './bench';
import { databaseTarget } from './database';
import { DEFAULT_MIX } from './inventory';
import { medianOf } from './load';
import { describeMachine, type Machine, machineLine } from './machine';
import { Random } from './random';
import { seed } from './seed';

/**
 * The write-throughput benchmark: concurrent writers change statuses in `oc_numbers` with the
 * statements the operator's sync job and the service's lifecycle operations send, once with the
 * table's triggers firing (the removal counts kept up to date) and once with them bypassed
 * (`session_replication_role = replica`, the ceiling), in alternating rounds. It knows nothing of
 * the counts' own tables: it only writes the columns of `oc_numbers` that DESIGN.md makes a
 * contract, so it measures any design of the counts that lives in triggers.
 */

/** `single`: one number per transaction; `bulk`: a set-based UPDATE of a slice of the inventory. */
export type WriteWorkload = 'single' | 'bulk';
export type Isolation = 'read committed' | 'repeatable read';
/** `counted`: the triggers fire; `bypassed`: they do not (the ceiling). */
export type WriteMode = 'counted' | 'bypassed';

export const WORKLOADS: readonly WriteWorkload[] = ['single', 'bulk'];
export const ISOLATIONS: readonly Isolation[] = ['read committed', 'repeatable read'];
export const MODES: readonly WriteMode[] = ['counted', 'bypassed'];

export const WORKLOAD_TITLES: Record<WriteWorkload, string> = {
  single: 'one number per transaction',
  bulk: 'set-based UPDATE of a slice',
};

export interface WriteBenchOptions {
  /** The size of the seeded inventory. */
  readonly numbers: number;
  readonly seed: number;
  readonly writers: number;
  /** Length of each measured window, per workload, isolation and mode (fractions allowed). */
  readonly seconds: number;
  /** Untimed writing per workload, isolation and mode before the first round. */
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly workloads: readonly WriteWorkload[];
  readonly isolations: readonly Isolation[];
  /** Numbers each writer changes in the single workload (disjoint between writers). */
  readonly poolPerWriter: number;
  /** Numbers per set-based UPDATE in the bulk workload. */
  readonly batchSize: number;
  /** Slices each writer owns in the bulk workload. */
  readonly batchesPerWriter: number;
  /** The PostgreSQL server; the benchmark makes (and by default drops) `database` on it. */
  readonly postgresUrl: string;
  readonly database: string;
  /** Leave the seeded database on the server afterwards. */
  readonly keep: boolean;
  /** `synchronous_commit` on the writers' connections; the server's setting when not given. */
  readonly synchronousCommit?: 'on' | 'off';
}

/** What one measured window gave. Latencies in milliseconds, measured from the writer. */
export interface WindowResult {
  readonly seconds: number;
  /** Committed transactions (one UPDATE each) per second. */
  readonly writesPerSecond: number;
  /** Rows those transactions changed, per second. */
  readonly rowsPerSecond: number;
  readonly transactions: number;
  /** The UPDATE statement alone (the triggers run inside it). */
  readonly statementP50: number;
  readonly statementP99: number;
  /** BEGIN to COMMIT, the commit's WAL flush included. */
  readonly transactionP50: number;
  readonly transactionP99: number;
  /** Transactions that failed, by SQLSTATE (40001 serialization, 40P01 deadlock, 55P03 lock timeout). */
  readonly failures: Record<string, number>;
  /** Statements that changed fewer rows than the writer expected (always 0 unless something else writes them). */
  readonly misses: number;
  /** Of the samples of the writers' states taken every few milliseconds, those waiting for a lock. */
  readonly lockWaitSamples: number;
  readonly samples: number;
  /** Those lock waits by what was waited for (pg_stat_activity.wait_event: transactionid, tuple, extend, …). */
  readonly lockWaits: Record<string, number>;
}

export interface ModeSummary {
  readonly median: WindowResult;
  readonly rounds: WindowResult[];
  /** Lowest and highest writes/s over the rounds. */
  readonly spread: { readonly min: number; readonly max: number };
}

export interface VariantRecord {
  readonly workload: WriteWorkload;
  readonly isolation: Isolation;
  readonly modes: Record<WriteMode, ModeSummary>;
  /** Median writes/s counted ÷ bypassed. */
  readonly ratio: number;
}

export interface WriteRunRecord {
  readonly database: 'postgres';
  readonly numbers: number;
  readonly tenants: number;
  readonly at: string;
  readonly machine: Machine;
  readonly settings: {
    readonly writers: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly rounds: number;
    readonly poolPerWriter: number;
    readonly batchSize: number;
    readonly batchesPerWriter: number;
    readonly seed: number;
  };
  /** The writers' durability settings, which bound single-row writes/s more than anything. */
  readonly server: { readonly synchronousCommit: string; readonly fsync: string };
  /** Distinct tenants in a bulk slice, on average. */
  readonly tenantsPerSlice: number;
  /** The writers' server processes (pg_backend_pid), the same connections in every window. */
  readonly backends: readonly number[];
  /** Triggers on `oc_numbers` (not internal ones) that the bypassed mode skips. */
  readonly triggers: readonly string[];
  readonly seedSeconds: number;
  readonly variants: VariantRecord[];
  /** A remark about the conditions of the run (`--note`), shown with its figures. */
  readonly note?: string;
}

export const variantKey = (workload: WriteWorkload, isolation: Isolation) => `${workload}, ${isolation}`;

const ACCEPTED_FAILURES = new Set(['40001', '40P01', '55P03']);

/** One number a writer owns: its status as the writer last left it. */
interface Owned {
  readonly number: string;
  status: number;
}

/** A slice of the inventory (numbers in order: a few tenants' blocks) that one bulk statement changes. */
interface Slice {
  readonly numbers: string[];
  status: number;
}

class Writer {
  /** Numbers of the single workload. */
  readonly owned: Owned[] = [];
  /** Slices of the bulk workload. */
  readonly slices: Slice[] = [];
  /** The statuses when the window began, to put back after it. */
  private started: number[] = [];
  private slicesStarted: number[] = [];
  pid = 0;

  constructor(
    readonly client: Client,
    readonly random: Random,
  ) {}

  mark(): void {
    this.started = this.owned.map((o) => o.status);
    this.slicesStarted = this.slices.map((s) => s.status);
  }

  /** The numbers whose status differs from the window's start, with the status to put back. */
  changedSince(): { numbers: string[]; statuses: number[] } {
    const numbers: string[] = [];
    const statuses: number[] = [];
    this.owned.forEach((o, i) => {
      if (o.status !== this.started[i]) {
        numbers.push(o.number);
        statuses.push(this.started[i]);
        o.status = this.started[i];
      }
    });
    this.slices.forEach((s, i) => {
      if (s.status !== this.slicesStarted[i]) {
        for (const number of s.numbers) {
          numbers.push(number);
          statuses.push(this.slicesStarted[i]);
        }
        s.status = this.slicesStarted[i];
      }
    });
    return { numbers, statuses };
  }
}

/**
 * The single workload's transitions, as the lifecycle goes: sync marks an Active number missing
 * (0→2) or the provider asks Microsoft to release it (0→1), a released number goes missing
 * (1→2), MarkedForRemoval is cleared (2→0) or confirmed deleted (2→3), and a ReadyForRemoval
 * number comes back Active (3→0, standing in for its final removal and a new upload of the
 * same number, so that the table keeps its size).
 */
function nextStatus(status: number, random: Random): number {
  switch (status) {
    case 0:
      return random.next() < 0.8 ? 2 : 1;
    case 1:
      return 2;
    case 2:
      return random.next() < 0.5 ? 0 : 3;
    default:
      return 0;
  }
}

const SINGLE_UPDATE = `UPDATE oc_numbers
   SET removal_status = $2, removal_status_changed_at = now(), updated_at = now()
 WHERE telephone_number = $1 AND removal_status = $3`;
const BULK_UPDATE = `UPDATE oc_numbers
   SET removal_status = $2, removal_status_changed_at = now(), updated_at = now()
 WHERE telephone_number = ANY($1::varchar[]) AND removal_status = $3`;
const RESTORE = `UPDATE oc_numbers AS n
   SET removal_status = v.status, updated_at = now()
  FROM unnest($1::varchar[], $2::smallint[]) AS v(number, status)
 WHERE n.telephone_number = v.number`;

class Samples {
  private values = new Float64Array(1 << 14);
  count = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = value;
  }

  addAll(other: Samples): void {
    for (let i = 0; i < other.count; i++) this.add(other.values[i]);
  }

  quantiles(): (q: number) => number {
    const sorted = this.values.subarray(0, this.count).sort();
    return (q) => (this.count === 0 ? NaN : sorted[Math.min(this.count - 1, Math.floor(q * this.count))]);
  }
}

const begin = (isolation: Isolation) => `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`;

/** Writes until the deadline; what it measured goes into the given samples and counts. */
async function write(
  writer: Writer,
  workload: WriteWorkload,
  isolation: Isolation,
  deadline: number,
  into: { statements: Samples; transactions: Samples; failures: Record<string, number>; rows: number; misses: number },
): Promise<void> {
  const { client, random } = writer;
  while (performance.now() < deadline) {
    let params: unknown[];
    let expected: number;
    let apply: () => void;
    if (workload === 'single') {
      const owned = writer.owned[random.below(writer.owned.length)];
      const to = nextStatus(owned.status, random);
      params = [owned.number, to, owned.status];
      expected = 1;
      apply = () => (owned.status = to);
    } else {
      const slice = writer.slices[random.below(writer.slices.length)];
      // Sync marks the slice's numbers missing, then they are cleared again.
      const to = slice.status === 0 ? 2 : 0;
      params = [slice.numbers, to, slice.status];
      expected = slice.numbers.length;
      apply = () => (slice.status = to);
    }
    const started = performance.now();
    try {
      await client.query(begin(isolation));
      const statementStarted = performance.now();
      const result = await client.query(workload === 'single' ? SINGLE_UPDATE : BULK_UPDATE, params);
      const statementEnded = performance.now();
      await client.query('COMMIT');
      into.transactions.add(performance.now() - started);
      into.statements.add(statementEnded - statementStarted);
      into.rows += result.rowCount ?? 0;
      if (result.rowCount !== expected) into.misses++;
      apply();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (error as DatabaseError).code;
      if (!code || !ACCEPTED_FAILURES.has(code)) throw error;
      into.failures[code] = (into.failures[code] ?? 0) + 1;
    }
  }
}

/** Samples the writers' wait states until stopped. */
interface LockWatch {
  waits: number;
  samples: number;
  events: Record<string, number>;
}

function watchLocks(monitor: Client, pids: number[]): { stop(): Promise<LockWatch> } {
  const watch: LockWatch = { waits: 0, samples: 0, events: {} };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await monitor.query<{ event: string }>(
        `SELECT wait_event AS event FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND wait_event_type = 'Lock'`,
        [pids],
      );
      watch.waits += rows.length;
      for (const { event } of rows) watch.events[event] = (watch.events[event] ?? 0) + 1;
      watch.samples += pids.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return watch;
    },
  };
}

async function setMode(writers: Writer[], mode: WriteMode): Promise<void> {
  const role = mode === 'bypassed' ? 'replica' : 'DEFAULT';
  try {
    await Promise.all(writers.map((w) => w.client.query(`SET session_replication_role = ${role}`)));
  } catch (error) {
    if ((error as DatabaseError).code !== '42501') throw error;
    throw new Error(
      'Bypassing the triggers takes SET session_replication_role, which the user of --postgres-url may not do: ' +
        'use a superuser, or GRANT SET ON PARAMETER session_replication_role to it',
      { cause: error },
    );
  }
}

/**
 * One window: all writers write for `seconds` in one mode; then each puts its numbers back to
 * their statuses at the window's start, in the same mode, so that every window starts from the
 * same table and the counts, which the bypassed mode does not maintain, again match the rows.
 */
async function window(
  writers: Writer[],
  monitor: Client | null,
  workload: WriteWorkload,
  isolation: Isolation,
  mode: WriteMode,
  seconds: number,
): Promise<WindowResult> {
  await setMode(writers, mode);
  for (const w of writers) w.mark();
  const into = writers.map(() => ({
    statements: new Samples(),
    transactions: new Samples(),
    failures: {} as Record<string, number>,
    rows: 0,
    misses: 0,
  }));
  const watch = monitor
    ? watchLocks(
        monitor,
        writers.map((w) => w.pid),
      )
    : null;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let failed: unknown;
  await Promise.all(
    writers.map((w, i) => write(w, workload, isolation, deadline, into[i]).catch((error) => (failed ??= error))),
  );
  const elapsed = (performance.now() - started) / 1000;
  const locks = watch ? await watch.stop() : { waits: 0, samples: 0, events: {} };
  await Promise.all(
    writers.map(async (w) => {
      const { numbers, statuses } = w.changedSince();
      if (numbers.length > 0) await w.client.query(RESTORE, [numbers, statuses]);
    }),
  );
  await setMode(writers, 'counted');
  if (failed) throw failed;
  const statements = new Samples();
  const transactions = new Samples();
  const failures: Record<string, number> = {};
  let rows = 0;
  let misses = 0;
  for (const part of into) {
    statements.addAll(part.statements);
    transactions.addAll(part.transactions);
    rows += part.rows;
    misses += part.misses;
    for (const [code, n] of Object.entries(part.failures)) failures[code] = (failures[code] ?? 0) + n;
  }
  const st = statements.quantiles();
  const tx = transactions.quantiles();
  return {
    seconds: elapsed,
    writesPerSecond: transactions.count / elapsed,
    rowsPerSecond: rows / elapsed,
    transactions: transactions.count,
    statementP50: st(0.5),
    statementP99: st(0.99),
    transactionP50: tx(0.5),
    transactionP99: tx(0.99),
    failures,
    misses,
    lockWaitSamples: locks.waits,
    samples: locks.samples,
    lockWaits: locks.events,
  };
}

/** The median of each figure over rounds; failures, misses and samples are summed. */
export function medianWindow(results: readonly WindowResult[]): WindowResult {
  const mid = (pick: (r: WindowResult) => number) => medianOf(results.map(pick));
  const sum = (pick: (r: WindowResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const failures: Record<string, number> = {};
  const lockWaits: Record<string, number> = {};
  for (const r of results) {
    for (const [code, n] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + n;
    for (const [event, n] of Object.entries(r.lockWaits)) lockWaits[event] = (lockWaits[event] ?? 0) + n;
  }
  return {
    seconds: sum((r) => r.seconds),
    writesPerSecond: mid((r) => r.writesPerSecond),
    rowsPerSecond: mid((r) => r.rowsPerSecond),
    transactions: sum((r) => r.transactions),
    statementP50: mid((r) => r.statementP50),
    statementP99: mid((r) => r.statementP99),
    transactionP50: mid((r) => r.transactionP50),
    transactionP99: mid((r) => r.transactionP99),
    failures,
    misses: sum((r) => r.misses),
    lockWaitSamples: sum((r) => r.lockWaitSamples),
    samples: sum((r) => r.samples),
    lockWaits,
  };
}

async function connect(url: string, synchronousCommit: 'on' | 'off' | undefined): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'oc-numbers-bench-writes' });
  await client.connect();
  // A bound on any wait, so a stuck run ends (counted as 55P03) instead of hanging.
  await client.query(`SET lock_timeout = '30s'`);
  if (synchronousCommit) await client.query(`SET synchronous_commit = ${synchronousCommit}`);
  return client;
}

/**
 * Hands each writer its numbers: for the single workload, random rows (spread over the
 * inventory and so over tenants) with a status; for the bulk workload, slices of consecutive
 * ids (numbers in order, so a few tenants' blocks) at status 0. No number is two writers'.
 */
async function assign(
  client: Client,
  writers: Writer[],
  options: WriteBenchOptions,
  random: Random,
): Promise<{ tenantsPerSlice: number }> {
  const maxId = Number((await client.query<{ n: string }>('SELECT max(id) AS n FROM oc_numbers')).rows[0].n);
  const total = options.poolPerWriter * writers.length;
  if (total > maxId / 2) throw new Error(`--pool × --writers (${total}) must be at most half the numbers (${maxId})`);
  const ids = new Set<number>();
  while (ids.size < total) ids.add(1 + random.below(maxId));
  const order = [...ids];
  const { rows } = await client.query<{ id: string; telephone_number: string; removal_status: number }>(
    `SELECT id, telephone_number, removal_status FROM oc_numbers
      WHERE id = ANY($1::bigint[]) AND removal_status IS NOT NULL`,
    [order],
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  order.forEach((id, i) => {
    const row = byId.get(id);
    if (row) writers[i % writers.length].owned.push({ number: row.telephone_number, status: row.removal_status });
  });

  const size = options.batchSize;
  const slots = Math.floor(maxId / size);
  const wanted = options.batchesPerWriter * writers.length;
  if (wanted > slots / 2) {
    throw new Error(`--batches × --writers (${wanted}) must be at most half the slices of --batch numbers (${slots})`);
  }
  const picked = new Set<number>();
  while (picked.size < wanted) picked.add(random.below(slots));
  const starts = [...picked].map((slot) => slot * size + 1);
  const sliceRows = await client.query<{ start: string; numbers: string[]; tenants: number }>(
    `SELECT s.start, array_agg(n.telephone_number ORDER BY n.id) AS numbers,
            count(DISTINCT n.ms_tenant_id)::int AS tenants
       FROM unnest($1::bigint[]) AS s(start)
       JOIN oc_numbers AS n ON n.id BETWEEN s.start AND s.start + $2 - 1 AND n.removal_status = 0
      GROUP BY s.start`,
    [starts, size],
  );
  const byStart = new Map(sliceRows.rows.map((r) => [Number(r.start), r.numbers]));
  starts.forEach((start, i) => {
    const numbers = byStart.get(start);
    if (numbers && numbers.length > 0) writers[i % writers.length].slices.push({ numbers, status: 0 });
  });
  if (writers.some((w) => w.owned.length === 0 || w.slices.length === 0)) {
    throw new Error('Too few numbers to hand every writer some: seed more numbers or lower --writers');
  }
  const tenants = sliceRows.rows.reduce((sum, r) => sum + r.tenants, 0);
  return { tenantsPerSlice: tenants / Math.max(1, sliceRows.rows.length) };
}

/** Seeds a fresh database, measures every workload and isolation in both modes, drops the database. */
export async function runWriteBench(options: WriteBenchOptions, log: (line: string) => void): Promise<WriteRunRecord> {
  const url = withDatabaseName(options.postgresUrl, options.database);
  const name = databaseNameOf(url);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`The database name "${name}" must be a plain identifier`);
  const machine = await describeMachine(options.postgresUrl);
  log(`Machine: ${machineLine(machine)}`);
  await withPostgres(options.postgresUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  try {
    const tenants = tenantsFor(options.numbers);
    log(`Seeding ${options.numbers.toLocaleString('en-US')} numbers over ${tenants} tenants into ${name}`);
    const seeded = await seed({
      numbers: options.numbers,
      tenants,
      seed: options.seed,
      mix: DEFAULT_MIX,
      withoutTenant: 0.02,
      target: databaseTarget(url),
      reset: true,
      progress: false,
    });
    const seedSeconds = seeded.loadSeconds + seeded.analyzeSeconds;
    log(`Seeded in ${seedSeconds.toFixed(1)} s`);
    return await measure(options, url, machine, tenants, seedSeconds, log);
  } finally {
    if (!options.keep) {
      await withPostgres(options.postgresUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  }
}

async function measure(
  options: WriteBenchOptions,
  url: string,
  machine: Machine,
  tenants: number,
  seedSeconds: number,
  log: (line: string) => void,
): Promise<WriteRunRecord> {
  const random = new Random(options.seed);
  const clients: Client[] = [];
  try {
    for (let i = 0; i < options.writers + 1; i++) clients.push(await connect(url, options.synchronousCommit));
    const [monitor, ...writerClients] = clients;
    const writers = writerClients.map((client, i) => new Writer(client, new Random(options.seed * 1000 + i + 1)));
    for (const w of writers) {
      w.pid = (await w.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    }
    const { tenantsPerSlice } = await assign(monitor, writers, options, random);
    const triggers = (
      await monitor.query<{ name: string }>(
        `SELECT tgname AS name FROM pg_trigger WHERE tgrelid = 'oc_numbers'::regclass AND NOT tgisinternal ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
    const setting = async (name: string) =>
      (await writers[0].client.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0].v;
    const server = { synchronousCommit: await setting('synchronous_commit'), fsync: await setting('fsync') };
    log(
      `${options.writers} writers (backends ${writers.map((w) => w.pid).join(', ')}); ` +
        `${triggers.length} triggers on oc_numbers; synchronous_commit ${server.synchronousCommit}`,
    );

    const variants = options.workloads.flatMap((workload) =>
      options.isolations.map((isolation) => ({ workload, isolation })),
    );
    if (options.warmupSeconds > 0) {
      for (const { workload, isolation } of variants) {
        for (const mode of MODES) {
          log(`warming up: ${variantKey(workload, isolation)}, ${mode}, ${options.warmupSeconds} s`);
          await window(writers, null, workload, isolation, mode, options.warmupSeconds);
        }
      }
    }
    // Parallel to variants.
    const results: Array<Record<WriteMode, WindowResult[]>> = variants.map(() => ({ counted: [], bypassed: [] }));
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, { workload, isolation }] of variants.entries()) {
        // Counted first in odd rounds, bypassed first in even ones, so a drift of the machine
        // over a round weighs on both alike.
        const order: WriteMode[] = round % 2 === 1 ? ['counted', 'bypassed'] : ['bypassed', 'counted'];
        for (const mode of order) {
          const result = await window(writers, monitor, workload, isolation, mode, options.seconds);
          results[index][mode].push(result);
          log(
            `round ${round}/${options.rounds} ${variantKey(workload, isolation)}, ${mode}: ` +
              `${Math.round(result.writesPerSecond)} writes/s (${Math.round(result.rowsPerSecond)} rows/s), ` +
              `statement p50 ${result.statementP50.toFixed(2)} ms p99 ${result.statementP99.toFixed(2)} ms, ` +
              `failures ${describeFailures(result.failures)}, lock waits ${describeLockWaits(result)}`,
          );
        }
      }
    }
    return {
      database: 'postgres',
      numbers: options.numbers,
      tenants,
      at: new Date().toISOString(),
      machine,
      settings: {
        writers: options.writers,
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        rounds: options.rounds,
        poolPerWriter: options.poolPerWriter,
        batchSize: options.batchSize,
        batchesPerWriter: options.batchesPerWriter,
        seed: options.seed,
      },
      server,
      backends: writers.map((w) => w.pid),
      tenantsPerSlice,
      triggers,
      seedSeconds,
      variants: variants.map(({ workload, isolation }, index) => {
        const rounds = results[index];
        const summary = (mode: WriteMode): ModeSummary => {
          const writes = rounds[mode].map((r) => r.writesPerSecond);
          return {
            median: medianWindow(rounds[mode]),
            rounds: rounds[mode],
            spread: { min: Math.min(...writes), max: Math.max(...writes) },
          };
        };
        const modes = { counted: summary('counted'), bypassed: summary('bypassed') };
        return {
          workload,
          isolation,
          modes,
          ratio: modes.counted.median.writesPerSecond / modes.bypassed.median.writesPerSecond,
        };
      }),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** Lock waits as a share of the samples, with what was waited for: `1.2% (transactionid 30, extend 2)`. */
export function describeLockWaits(r: Pick<WindowResult, 'lockWaitSamples' | 'samples' | 'lockWaits'>): string {
  if (r.samples === 0) return '–';
  const share = `${((r.lockWaitSamples / r.samples) * 100).toFixed(1)}%`;
  const events = Object.entries(r.lockWaits ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([event, n]) => `${event} ${n}`);
  return events.length === 0 ? share : `${share} (${events.join(', ')})`;
}

export function describeFailures(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${n}× ${code}`).join(', ');
}

export const writeRunKey = (run: Pick<WriteRunRecord, 'numbers'>) => `postgres:${formatCount(run.numbers)}`;
