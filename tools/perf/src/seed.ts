import { Sqlite as Database } from '@oc-numbers/testing';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { compactCounters, type DatabaseTarget, runMigrations } from './database';
import { Inventory, type InventoryCounts, type InventoryOptions, type RowSink } from './inventory';
import { Progress } from './progress';

export interface SeedOptions extends InventoryOptions {
  readonly target: DatabaseTarget;
  /** Empty `oc_numbers` first; without it a table that holds numbers is refused. */
  readonly reset: boolean;
  /** Show progress on standard error. */
  readonly progress: boolean;
}

export interface SeedResult {
  readonly counts: InventoryCounts;
  /** Writing the rows (the counts' triggers included). */
  readonly loadSeconds: number;
  /** Refreshing the planner's statistics afterwards (and, on PostgreSQL, compacting the counters). */
  readonly analyzeSeconds: number;
  readonly rowsPerSecond: number;
}

/** Thrown when the table already holds numbers and no reset was asked for. */
export class NotEmptyError extends Error {}

const COLUMNS = 'telephone_number, ms_tenant_id, removal_status, created_at, updated_at, removal_status_changed_at';

/** Fills `oc_numbers` with a synthetic inventory, running the service's migrations first. */
export async function seed(options: SeedOptions): Promise<SeedResult> {
  await runMigrations(options.target);
  const inventory = new Inventory(options);
  const progress = options.progress ? new Progress('seeding', options.numbers) : undefined;
  const started = performance.now();
  const analyze =
    options.target.kind === 'postgres'
      ? await seedPostgres(options.target.url, inventory, options, progress)
      : seedSqlite(options.target.path, inventory, options, progress);
  progress?.finish(inventory.counts.rows);
  const loadSeconds = (performance.now() - started) / 1000;
  const analyzeStarted = performance.now();
  if (options.target.kind === 'postgres') await compactCounters(options.target);
  await analyze();
  const analyzeSeconds = (performance.now() - analyzeStarted) / 1000;
  return {
    counts: inventory.counts,
    loadSeconds,
    analyzeSeconds,
    rowsPerSecond: inventory.counts.rows / loadSeconds,
  };
}

/** ISO 8601 in UTC; a block's numbers share their creation time, so the last one is kept. */
function isoMemo(): (ms: number) => string {
  let lastMs = NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      last = new Date(ms).toISOString();
    }
    return last;
  };
}

/**
 * PostgreSQL: `COPY … FROM STDIN` in chunks of a few hundred thousand rows (each chunk is one
 * statement, so the counts' statement trigger groups each chunk once), without waiting for
 * the WAL flush at each commit.
 */
async function seedPostgres(
  url: string,
  inventory: Inventory,
  options: SeedOptions,
  progress: Progress | undefined,
): Promise<() => Promise<void>> {
  const connect = async () => {
    const client = new Client({ connectionString: url, application_name: 'oc-numbers-seed' });
    await client.connect();
    await client.query('SET synchronous_commit = off');
    return client;
  };
  const client = await connect();
  try {
    await prepareTable(
      options,
      async () => (await client.query<{ e: boolean }>('SELECT EXISTS (SELECT 1 FROM oc_numbers) AS e')).rows[0].e,
      () => client.query('TRUNCATE oc_numbers RESTART IDENTITY'),
    );
    // Into an empty table, the secondary indexes are built once after the load (a sort) rather
    // than grown row by row; their definitions are read from the catalog, so they come back as
    // the migrations made them, even if the load fails.
    const indexes = await dropSecondaryIndexes(client);
    try {
      // The rows are made here, on one core; PostgreSQL takes them on WRITERS connections at
      // once, chunk by chunk, so its other cores work too.
      const others = await Promise.all(Array.from({ length: WRITERS - 1 }, connect));
      try {
        await Promise.all([client, ...others].map((c) => copyChunks(c, inventory, progress)));
      } finally {
        await Promise.all(others.map((c) => c.end()));
      }
    } finally {
      await client.query("SET maintenance_work_mem = '512MB'");
      for (const create of indexes) await client.query(create);
    }
  } catch (error) {
    await client.end();
    throw error;
  }
  return async () => {
    try {
      await client.query('VACUUM ANALYZE oc_numbers');
      // Compaction just deleted every delta row the load appended: vacuumed here, so that counts
      // do not scan their dead rows until autovacuum comes by (or for ever, where it is off).
      await client.query('VACUUM ANALYZE oc_numbers_removal_count_deltas, oc_numbers_removal_counts');
    } finally {
      await client.end();
    }
  };
}

const WRITERS = 2;

/**
 * Drops the unique constraints and plain indexes of the (empty) `oc_numbers`, all but its
 * primary key, and returns the statements that make them again.
 */
async function dropSecondaryIndexes(client: Client): Promise<string[]> {
  const constraints = await client.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = 'oc_numbers'::regclass AND contype = 'u'`,
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
       FROM pg_index
      WHERE indrelid = 'oc_numbers'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)`,
  );
  const creates: string[] = [];
  for (const { name, definition } of constraints.rows) {
    await client.query(`ALTER TABLE oc_numbers DROP CONSTRAINT ${name}`);
    creates.push(`ALTER TABLE oc_numbers ADD CONSTRAINT ${name} ${definition}`);
  }
  for (const { name, definition } of indexes.rows) {
    await client.query(`DROP INDEX ${name}`);
    creates.push(definition);
  }
  return creates;
}
const COPY_CHUNK_ROWS = 250_000;

async function copyChunks(client: Client, inventory: Inventory, progress: Progress | undefined): Promise<void> {
  let buffer = '';
  const iso = isoMemo();
  const sink: RowSink = {
    row(number, tenant, status, createdAt, updatedAt, changedAt) {
      buffer += `${number}\t${tenant ?? '\\N'}\t${status ?? '\\N'}\t${iso(createdAt)}\t${iso(updatedAt)}\t${changedAt === null ? '\\N' : iso(changedAt)}\n`;
    },
  };
  while (!inventory.done) {
    const stream = client.query(copyFrom(`COPY oc_numbers (${COLUMNS}) FROM STDIN`));
    const finished = new Promise<void>((done, fail) => {
      stream.once('finish', done);
      stream.once('error', fail);
    });
    let chunk = 0;
    while (!inventory.done && chunk < COPY_CHUNK_ROWS) {
      // fill() and write() run without a pause between them, so the buffer is this writer's.
      chunk += inventory.fill(sink, 2000);
      const full = !stream.write(buffer);
      buffer = '';
      progress?.update(inventory.counts.rows);
      if (full) await new Promise((drained) => stream.once('drain', drained));
    }
    stream.end();
    await finished;
  }
}

/**
 * SQLite: multi-row INSERTs prepared once, a transaction per few hundred thousand rows,
 * without syncing to disk at each commit (a seeded database is made again, not recovered).
 */
function seedSqlite(
  path: string,
  inventory: Inventory,
  options: SeedOptions,
  progress: Progress | undefined,
): () => Promise<void> {
  const db = new Database(path, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    db.pragma('temp_store = MEMORY');
    const notEmpty = () => (db.prepare('SELECT EXISTS (SELECT 1 FROM oc_numbers) AS e').get() as { e: number }).e === 1;
    prepareTableSync(options, notEmpty, () => db.exec('DELETE FROM oc_numbers'));
    const ROWS_PER_STATEMENT = 50;
    const placeholders = (rows: number) => Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
    const many = db.prepare(`INSERT INTO oc_numbers (${COLUMNS}) VALUES ${placeholders(ROWS_PER_STATEMENT)}`);
    const one = db.prepare(`INSERT INTO oc_numbers (${COLUMNS}) VALUES ${placeholders(1)}`);
    const iso = isoMemo();
    const text = (ms: number) => iso(ms).slice(0, 23).replace('T', ' ');
    let values: unknown[] = [];
    const sink: RowSink = {
      row(number, tenant, status, createdAt, updatedAt, changedAt) {
        values.push(
          number,
          tenant,
          status,
          text(createdAt),
          text(updatedAt),
          changedAt === null ? null : text(changedAt),
        );
        if (values.length === ROWS_PER_STATEMENT * 6) {
          many.run(values);
          values = [];
        }
      },
    };
    const TRANSACTION_ROWS = 200_000;
    while (!inventory.done) {
      db.exec('BEGIN');
      try {
        let written = 0;
        while (!inventory.done && written < TRANSACTION_ROWS) {
          written += inventory.fill(sink, 5000);
          progress?.update(inventory.counts.rows);
        }
        for (let i = 0; i < values.length; i += 6) one.run(values.slice(i, i + 6));
        values = [];
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    db.close();
    throw error;
  }
  return async () => {
    try {
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
  };
}

async function prepareTable(
  options: SeedOptions,
  notEmpty: () => Promise<boolean>,
  empty: () => Promise<unknown>,
): Promise<void> {
  if (!(await notEmpty())) return;
  if (!options.reset) throw new NotEmptyError('oc_numbers already holds numbers: pass --reset to empty it first');
  await empty();
}

function prepareTableSync(options: SeedOptions, notEmpty: () => boolean, empty: () => unknown): void {
  if (!notEmpty()) return;
  if (!options.reset) throw new NotEmptyError('oc_numbers already holds numbers: pass --reset to empty it first');
  empty();
}
