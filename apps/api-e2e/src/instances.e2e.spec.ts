import { createOcNumbersClient, OcNumbersApiError, type OcNumbersClient } from '@oc-numbers/client';
import {
  createTestDatabase,
  expectedSummary,
  findPgBouncer,
  type NumberRow,
  type PgBouncer,
  type ServerProcess,
  startPgBouncer,
  startServer,
  type TestDatabase,
  withSql,
  workspaceRoot,
} from '@oc-numbers/testing';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Three instances of the built service on one PostgreSQL database, started together on an empty
 * database (so they race to migrate), then driven at random: lifecycle writes through any of
 * them, and after every step every instance's summaries, lists, per-tenant view and histories
 * must equal both a full count taken by SQL on the database and the model this test keeps.
 * INSTANCES_SEED replays a run (each run prints its seed); INSTANCES_STEPS sets its length.
 */

const SEED = Number(process.env.INSTANCES_SEED ?? Math.floor(Math.random() * 2 ** 31));
const STEPS = Number(process.env.INSTANCES_STEPS ?? 150);
/** Every how many steps each instance walks a whole list by its cursor. */
const WALK_EVERY = 5;

const TENANTS = [
  '0f8fad5b-d9cb-469f-a165-70867728950e',
  '6f9619ff-8b86-d011-b42d-00cf4fc964ff',
  '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  'c56a4180-65aa-42ec-a945-5fd21dec0538',
] as const;

/** The migrations as their files are named: what each start must have applied once. */
const MIGRATION_COUNT = readdirSync(join(workspaceRoot(), 'apps/api/src/database/migrations')).filter(
  (file) => /^\d{13}-.+\.ts$/.test(file) && !file.endsWith('.spec.ts'),
).length;

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface HistoryEntry {
  readonly oldStatus: number | null;
  readonly newStatus: number | null;
  readonly operation: string;
}

interface ModelNumber {
  readonly msTenantId: string | null;
  status: number;
}

/** What the database must hold, kept from what each write was answered. */
class Model {
  readonly numbers = new Map<string, ModelNumber>();
  /** Every number that ever existed, newest change first, removed numbers included. */
  readonly history = new Map<string, HistoryEntry[]>();
  /** The tenant of every number that ever existed. */
  readonly tenantOf = new Map<string, string | null>();
  private next = 0;

  /** Numbers never used before, as the operator's sync job would insert them. */
  fresh(count: number, tenant: () => string | null, status: () => number): NumberRow[] {
    return Array.from({ length: count }, () => {
      const telephoneNumber = `+1425555${String(this.next++).padStart(4, '0')}`;
      return { telephoneNumber, msTenantId: tenant(), removalStatus: status() };
    });
  }

  inserted(rows: readonly NumberRow[]): void {
    for (const row of rows) {
      this.numbers.set(row.telephoneNumber, { msTenantId: row.msTenantId, status: row.removalStatus ?? 0 });
      this.history.set(row.telephoneNumber, [{ oldStatus: null, newStatus: row.removalStatus, operation: 'sql' }]);
      this.tenantOf.set(row.telephoneNumber, row.msTenantId);
    }
  }

  changed(number: string, newStatus: number | null, operation: string): void {
    const current = this.numbers.get(number);
    if (!current) throw new Error(`${number} is not in the model`);
    this.history.get(number)?.unshift({ oldStatus: current.status, newStatus, operation });
    if (newStatus === null) this.numbers.delete(number);
    else current.status = newStatus;
  }

  /** Every number ever inserted, and a few never inserted. */
  universe(): string[] {
    return [...this.history.keys(), '+19995550000', '+19995550001'];
  }

  rows(): NumberRow[] {
    return [...this.numbers].map(([telephoneNumber, { msTenantId, status }]) => ({
      telephoneNumber,
      msTenantId,
      removalStatus: status,
    }));
  }
}

interface ListFilter {
  readonly acquiredNumberStatus?: Array<0 | 1 | 2 | 3>;
  readonly msTenantId?: string;
  readonly telephoneNumberPrefix?: string;
}

function matching(model: Model, filter: ListFilter): NumberRow[] {
  return model
    .rows()
    .filter(
      (row) =>
        (filter.acquiredNumberStatus === undefined ||
          filter.acquiredNumberStatus.includes(row.removalStatus as 0 | 1 | 2 | 3)) &&
        (filter.msTenantId === undefined || row.msTenantId === filter.msTenantId) &&
        (filter.telephoneNumberPrefix === undefined || row.telephoneNumber.startsWith(filter.telephoneNumberPrefix)),
    )
    .sort((a, b) => (a.telephoneNumber < b.telephoneNumber ? -1 : 1));
}

/** The per-tenant view the model calls for: tenants with numbers, most in removal first. */
function tenantView(model: Model) {
  const rows = model.rows();
  return [...new Set(rows.map((row) => row.msTenantId).filter((t): t is string => t !== null))]
    .map((msTenantId) => ({ msTenantId, ...expectedSummary(rows, msTenantId) }))
    .sort((a, b) => b.totalCount - a.totalCount || (a.msTenantId < b.msTenantId ? -1 : 1));
}

interface Variant {
  readonly name: string;
  /** Why it cannot run here; undefined when it can. */
  readonly skip?: string;
  /** The settings of the instances, given the database (and starting what sits in front of it). */
  readonly setUp: (database: TestDatabase) => Promise<{ env: Record<string, string>; stop: () => Promise<void> }>;
}

const pgbouncer = findPgBouncer();

const VARIANTS: Variant[] = [
  {
    name: 'directly on PostgreSQL',
    setUp: async (database) => ({ env: { DATABASE_URL: database.url }, stop: async () => undefined }),
  },
  {
    name: 'through PgBouncer in transaction mode',
    skip: 'path' in pgbouncer ? undefined : pgbouncer.reason,
    setUp: async (database) => {
      const bouncer: PgBouncer = await startPgBouncer({ upstreamUrl: database.url, poolMode: 'transaction' });
      return {
        env: { DATABASE_URL: bouncer.url, DATABASE_POOLER: 'transaction', MIGRATIONS_DATABASE_URL: database.url },
        stop: () => bouncer.stop(),
      };
    },
  },
];

process.stdout.write(`\nThree instances: seed ${SEED} (INSTANCES_SEED=${SEED} replays it), ${STEPS} steps\n`);

describe.each(VARIANTS)('three instances of the service $name', (variant) => {
  if (variant.skip !== undefined) {
    process.stdout.write(`\nThree instances ${variant.name} skipped: ${variant.skip}\n`);
    it.skip(`(skipped: ${variant.skip})`, () => undefined);
    return;
  }

  let database: TestDatabase;
  let stopInFront: () => Promise<void> = async () => undefined;
  let servers: ServerProcess[] = [];
  let clients: OcNumbersClient[] = [];
  const model = new Model();
  const random = generator(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const shuffled = <T>(items: readonly T[]): T[] => {
    const pool = [...items];
    const order: T[] = [];
    while (pool.length > 0) order.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    return order;
  };
  const some = <T>(items: readonly T[], max: number): T[] => {
    const pool = [...items];
    const chosen: T[] = [];
    const count = 1 + Math.floor(random() * Math.min(max, pool.length));
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    return chosen;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const { env, stop } = await variant.setUp(database);
    stopInFront = stop;
    // Started at the same moment on an empty database: all three run their migrations at once.
    const started = await Promise.allSettled(
      [0, 1, 2].map(() =>
        startServer(
          { ...env, AUTH_MODE: 'none', RATE_LIMIT_ENABLED: 'false', COUNTER_COMPACTION_INTERVAL_MS: '250' },
          { probePath: '/health/live', timeoutMs: 45_000 },
        ),
      ),
    );
    servers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = started.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
    if (failed.length > 0) {
      // What the database's sessions were doing, for a start that hung (a lock wait, say).
      const sessions = await withSql(database, (query) =>
        query(
          `SELECT application_name, state, wait_event_type, wait_event, left(query, 120) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        ),
      ).catch((error: unknown) => String(error));
      throw new Error(
        `Not every instance started:\n${failed.join('\n\n')}\nSessions: ${JSON.stringify(sessions, null, 1)}`,
      );
    }
    clients = servers.map((server) => createOcNumbersClient({ baseUrl: server.baseUrl }));
  }, 90_000);

  afterAll(async () => {
    // Each instance stops cleanly: nothing it ran (compaction, a request) was left half done.
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await stopInFront();
    await database?.drop();
    expect(codes).toEqual(servers.map(() => 0));
  });

  it('all three started on an empty database, and the migrations ran once', async () => {
    const migrations = (await withSql(database, (query) =>
      query('SELECT name, count(*)::int AS runs FROM migrations GROUP BY name'),
    )) as Array<{ name: string; runs: number }>;
    expect(migrations).toHaveLength(MIGRATION_COUNT);
    expect(migrations.every((m) => m.runs === 1)).toBe(true);
    for (const client of clients) await expect(client.getReadiness()).resolves.toMatchObject({ status: 'ok' });
  });

  /** The database's rows and summaries, read by SQL, must be the model's. */
  async function checkDatabase(): Promise<NumberRow[]> {
    const rows = (await withSql(database, (query) =>
      query(
        `SELECT telephone_number AS "telephoneNumber", ms_tenant_id AS "msTenantId", removal_status AS "removalStatus"
           FROM oc_numbers ORDER BY telephone_number`,
      ),
    )) as NumberRow[];
    expect(rows).toEqual(matching(model, {}));
    return rows;
  }

  /** Every instance answers what the rows say. */
  async function checkInstances(rows: NumberRow[], step: number): Promise<void> {
    const history = pick(model.universe());
    const filter: ListFilter = {
      ...(chance(0.5) && { acquiredNumberStatus: some([0, 1, 2, 3] as const, 3) }),
      ...(chance(0.5) && { msTenantId: pick(TENANTS) }),
      ...(chance(0.2) && { telephoneNumberPrefix: `+14255550${Math.floor(random() * 10)}` }),
    };
    const expected = matching(model, filter);
    const pageSize = 1 + Math.floor(random() * 9);
    const walk = step % WALK_EVERY === 0;
    await Promise.all(
      clients.map(async (client, i) => {
        const where = `instance ${i + 1}, step ${step}, seed ${SEED}`;
        expect([where, await client.getNumberRemovalStatusSummary()]).toEqual([where, expectedSummary(rows)]);
        for (const msTenantId of TENANTS) {
          expect([where, msTenantId, await client.getNumberRemovalStatusSummary({ msTenantId })]).toEqual([
            where,
            msTenantId,
            expectedSummary(rows, msTenantId),
          ]);
        }
        const view = await client.listTenantRemovalSummaries({ pageSize: 100 });
        expect([where, view.totalRecords, view.data.map(({ lastReconciledAt: _, ...counts }) => counts)]).toEqual([
          where,
          tenantView(model).length,
          tenantView(model),
        ]);
        const page = await client.listNumbers({ ...filter, page: 2, pageSize });
        expect([where, filter, page.totalRecords, page.data.map((item) => item.telephoneNumber)]).toEqual([
          where,
          filter,
          expected.length,
          expected.slice(pageSize, 2 * pageSize).map((row) => row.telephoneNumber),
        ]);
        if (walk) {
          const walked: NumberRow[] = [];
          let cursor: string | undefined;
          // Page k through instance i + k: a cursor made by one instance serves on every other.
          for (let k = 0; ; k++) {
            const through = clients[(i + k) % clients.length];
            const next = await through.listNumbers({ ...filter, pageSize, ...(cursor !== undefined && { cursor }) });
            expect([where, filter, next.totalRecords]).toEqual([where, filter, expected.length]);
            walked.push(
              ...next.data.map((item) => ({
                telephoneNumber: item.telephoneNumber,
                msTenantId: item.msTenantId,
                removalStatus: item.acquiredNumberStatus,
              })),
            );
            cursor = next.nextCursor ?? undefined;
            if (cursor === undefined) break;
          }
          expect([where, filter, walked]).toEqual([where, filter, expected]);
        }
        const entries = (await client.getNumberHistory({ telephoneNumber: history }, { pageSize: 200 })).data;
        expect([
          where,
          history,
          entries.map(({ oldStatus, newStatus, operation }) => ({ oldStatus, newStatus, operation })),
        ]).toEqual([where, history, model.history.get(history) ?? []]);
      }),
    );
  }

  /**
   * One random write through `client`; the model follows what it was answered. With `tenant`,
   * it touches only that tenant's numbers, so writes of other tenants may run at the same time.
   */
  async function write(client: OcNumbersClient, tenant?: string): Promise<string> {
    const universe =
      tenant === undefined ? model.universe() : model.universe().filter((n) => model.tenantOf.get(n) === tenant);
    const kinds = ['ready', 'ready', 'clear', 'remove', 'removeTenant', 'reconcile', 'reconcile'];
    const kind = pick(tenant === undefined ? [...kinds, 'insert'] : kinds);
    switch (kind) {
      case 'insert': {
        const rows = model.fresh(
          1 + Math.floor(random() * 6),
          () => (chance(0.1) ? null : pick(TENANTS)),
          () => pick([0, 0, 1, 2, 2, 3]),
        );
        await insert(rows);
        return `insert ${rows.length} by SQL`;
      }
      case 'ready':
      case 'clear':
      case 'remove': {
        if (universe.length === 0) return `${kind}: no number of ${tenant}`;
        const numbers = some(universe, 8);
        const [from, to, operation] =
          kind === 'ready'
            ? ([2, 3, 'ready-for-removal'] as const)
            : kind === 'clear'
              ? ([2, 0, 'clear-removal-status'] as const)
              : ([3, null, 'remove'] as const);
        const expected = numbers.map((telephoneNumber) => {
          const current = model.numbers.get(telephoneNumber);
          if (!current) return { telephoneNumber, outcome: 'notFound' };
          if (current.status !== from)
            return { telephoneNumber, outcome: 'wrongStatus', currentStatus: current.status };
          return { telephoneNumber, outcome: 'changed' };
        });
        const { data } = await (kind === 'ready'
          ? client.markNumbersReadyForRemoval({ telephoneNumbers: numbers })
          : kind === 'clear'
            ? client.clearNumbersRemovalStatus({ telephoneNumbers: numbers })
            : client.removeNumbers({ telephoneNumbers: numbers }));
        expect(new Map(data.results.map((r) => [r.telephoneNumber, r]))).toEqual(
          new Map(expected.map((r) => [r.telephoneNumber, expect.objectContaining(r)])),
        );
        const changed = expected.filter((r) => r.outcome === 'changed');
        expect(data.successCount).toBe(changed.length);
        for (const result of changed) model.changed(result.telephoneNumber, to, operation);
        return `${kind} ${numbers.length}: ${changed.length} changed`;
      }
      case 'removeTenant': {
        const msTenantId = tenant ?? pick(TENANTS);
        const held = model.rows().filter((row) => row.msTenantId === msTenantId);
        const removed = held.filter((row) => row.removalStatus === 3).map((row) => row.telephoneNumber);
        const { data } = await client.removeNumbers({ msTenantId });
        expect([data.processedCount, data.successCount]).toEqual([held.length, removed.length]);
        for (const number of removed) model.changed(number, null, 'remove');
        return `remove tenant ${msTenantId}: ${removed.length} removed`;
      }
      default: {
        const msTenantId = tenant ?? pick(TENANTS);
        const held = model.rows().filter((row) => row.msTenantId === msTenantId);
        // Most of the tenant's numbers, and sometimes a number it does not hold.
        const listed = held.filter(() => chance(0.75)).map((row) => row.telephoneNumber);
        if (chance(0.3)) listed.push(pick(model.universe()));
        const acquiredNumbers = [...new Set(listed)];
        const inList = new Set(acquiredNumbers);
        const marked = held.filter((row) => row.removalStatus === 0 && !inList.has(row.telephoneNumber));
        const restored = held.filter((row) => row.removalStatus === 2 && inList.has(row.telephoneNumber));
        const result = await client.reconcileTenantNumbers(
          { msTenantId },
          { acquiredNumbers },
          { confirmMassRemoval: 'true' },
        );
        expect([result.markedCount, result.restoredCount]).toEqual([marked.length, restored.length]);
        for (const row of marked) model.changed(row.telephoneNumber, 2, 'reconcile');
        for (const row of restored) model.changed(row.telephoneNumber, 0, 'reconcile');
        return `reconcile ${msTenantId} with ${acquiredNumbers.length}: ${marked.length} marked, ${restored.length} restored`;
      }
    }
  }

  /** A step: one write through a random instance, or a write through each at once on three tenants. */
  async function randomStep(): Promise<string> {
    if (chance(0.75)) return write(pick(clients));
    const tenants = shuffled(TENANTS);
    const done = await Promise.all(clients.map((client, i) => write(client, tenants[i])));
    return `together: ${done.join(', ')}`;
  }

  /** Inserts rows by SQL, as the operator's sync job does. */
  async function insert(rows: readonly NumberRow[]): Promise<void> {
    await withSql(database, async (query) => {
      for (const row of rows) {
        await query('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)', [
          row.telephoneNumber,
          row.msTenantId,
          row.removalStatus,
        ]);
      }
    });
    model.inserted(rows);
  }

  it(`agree with a count by SQL and with the model after each of ${STEPS} random writes through any of them`, async () => {
    await insert(
      model.fresh(
        60,
        () => (chance(0.1) ? null : pick(TENANTS)),
        () => pick([0, 0, 0, 1, 2, 2, 3]),
      ),
    );
    await checkInstances(await checkDatabase(), 0);
    const done: string[] = [];
    for (let step = 1; step <= STEPS; step++) {
      try {
        done.push(await randomStep());
        await checkInstances(await checkDatabase(), step);
      } catch (error) {
        const detail = error instanceof OcNumbersApiError ? ` (${error.status}: ${JSON.stringify(error.problem)})` : '';
        throw new Error(
          `Step ${step} of seed ${SEED} failed${detail}; the last steps: ${done.slice(-5).join('; ')}\n${String(error)}`,
          { cause: error },
        );
      }
    }
    const changes = new Map<string, number>();
    for (const entries of model.history.values()) {
      for (const { operation } of entries) changes.set(operation, (changes.get(operation) ?? 0) + 1);
    }
    process.stdout.write(
      `\nThree instances ${variant.name}, seed ${SEED}: status changes by operation ${JSON.stringify(Object.fromEntries(changes))}\n`,
    );
  }, 120_000);
});
