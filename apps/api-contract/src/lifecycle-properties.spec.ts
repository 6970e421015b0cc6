import { randomUUID } from 'node:crypto';
import { type TestDatabase, withSql } from '@oc-numbers/testing';
import fc from 'fast-check';
import { REMOTE_BASE_URL, SEED } from './settings';
import { type Target, startTarget, targetNames } from './targets';

/**
 * Random sequences of lifecycle operations (reconcile, ready-for-removal, clear, remove) mixed
 * with the plain SQL writes other systems make, on both databases. After every step the
 * service's three views of the counts (the summary, the per-tenant view and the list's
 * `totalRecords`) must equal an independent count of `oc_numbers`, every answer must be what
 * the lifecycle's rules predict from a model of the numbers, no number may have taken a
 * transition its operation does not allow, and each number's history must lead, change by
 * change, to its current status.
 *
 * Each sequence has tenants and numbers of its own, so sequences never see each other's data.
 * The suite owns the databases: against --base-url it does not run (it writes and deletes).
 */
const RUNS = process.env.LIFECYCLE_RUNS ? Number(process.env.LIFECYCLE_RUNS) : 30;
const NUMBERS_PER_RUN = 12;
const TENANTS_PER_RUN = 2;

type Status = 0 | 1 | 2 | 3;
interface NumberState {
  tenant: string | null;
  status: Status;
}
/** What the model holds: a sequence's numbers that exist, by telephone number. */
type Model = Map<string, NumberState>;

type Step =
  | {
      kind: 'reconcile';
      tenant: number;
      /** Which of the tenant's numbers the list holds (by the sequence's number index). */
      present: boolean[];
      /** How many numbers the inventory does not hold it adds, and whether one of another tenant. */
      unknown: number;
      foreign: boolean;
      confirm: boolean;
      dryRun: boolean;
    }
  | { kind: 'ready' | 'clear' | 'remove'; picks: number[] }
  | { kind: 'removeTenant'; tenant: number }
  | { kind: 'sqlInsert'; number: number; tenant: number | null; status: Status | null }
  | { kind: 'sqlStatus'; number: number; status: Status | null }
  | { kind: 'sqlDelete'; number: number }
  | { kind: 'sqlMove'; number: number; tenant: number | null };

const numberIndex = fc.nat({ max: NUMBERS_PER_RUN - 1 });
const tenantIndex = fc.nat({ max: TENANTS_PER_RUN - 1 });
const anyStatus = fc.constantFrom<Status | null>(0, 0, 1, 2, 2, 3, null);

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('reconcile' as const),
      tenant: tenantIndex,
      present: fc.array(fc.constantFrom(true, true, false), {
        minLength: NUMBERS_PER_RUN,
        maxLength: NUMBERS_PER_RUN,
      }),
      unknown: fc.nat({ max: 2 }),
      foreign: fc.constantFrom(false, false, false, true),
      confirm: fc.constantFrom(true, true, true, false),
      dryRun: fc.constantFrom(false, false, false, true),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'ready' as const,
        'ready' as const,
        'ready' as const,
        'clear' as const,
        'remove' as const,
        'remove' as const,
      ),
      picks: fc.uniqueArray(fc.nat({ max: NUMBERS_PER_RUN + 1 }), { minLength: 1, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeTenant' as const), tenant: tenantIndex }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sqlInsert' as const),
      number: numberIndex,
      tenant: fc.option(tenantIndex, { freq: 6 }),
      status: anyStatus,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('sqlStatus' as const), number: numberIndex, status: anyStatus }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sqlDelete' as const), number: numberIndex }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('sqlMove' as const),
      number: numberIndex,
      tenant: fc.option(tenantIndex, { freq: 4 }),
    }),
  },
);

/** The transitions each operation may make; `null` is "does not exist". Plain SQL may make any. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  reconcile: ['0>2', '2>0'],
  'ready-for-removal': ['2>3'],
  'clear-removal-status': ['2>0'],
  remove: ['3>null'],
};

type Population = { exists: boolean; tenant: number | null; status: Status | null }[];

/** A sequence's numbers as other systems first wrote them: most exist, most have a tenant. */
const population: fc.Arbitrary<Population> = fc.array(
  fc.record({
    exists: fc.constantFrom(true, true, true, false),
    tenant: fc.option(tenantIndex, { freq: 8 }),
    status: anyStatus,
  }),
  { minLength: NUMBERS_PER_RUN, maxLength: NUMBERS_PER_RUN },
);

/**
 * What the sequences did, over all of them: each kind must have happened, or the properties were
 * checked on too little (a run that never met the guard, say, proves nothing about it).
 */
const EVENTS = [
  'guard refused',
  'dry run',
  'marked',
  'restored',
  'unknown reported',
  'made ready',
  'cleared',
  'removed',
  'removed by tenant',
  'wrong status',
  'not found',
] as const;
type Event = (typeof EVENTS)[number];

/** One sequence that meets every event, checked before the random ones. */
const EVERY_EVENT: [Population, Step[]] = [
  [
    ...Array.from({ length: 6 }, () => ({ exists: true, tenant: 0, status: 0 as const })),
    { exists: true, tenant: 0, status: 2 },
    { exists: true, tenant: 1, status: 3 },
    { exists: true, tenant: 1, status: 0 },
    { exists: true, tenant: null, status: 0 },
    { exists: false, tenant: null, status: null },
    { exists: false, tenant: null, status: null },
  ],
  [
    // Would mark 1 of 6 Active (within the share), restore one, report one unknown: a dry run.
    {
      kind: 'reconcile',
      tenant: 0,
      present: listed(0, 1, 2, 3, 4, 6),
      unknown: 1,
      foreign: true,
      confirm: false,
      dryRun: true,
    },
    // Would mark 3 of 6: refused, then confirmed.
    {
      kind: 'reconcile',
      tenant: 0,
      present: listed(3, 4, 5, 6),
      unknown: 0,
      foreign: false,
      confirm: false,
      dryRun: false,
    },
    {
      kind: 'reconcile',
      tenant: 0,
      present: listed(3, 4, 5, 6),
      unknown: 0,
      foreign: false,
      confirm: true,
      dryRun: false,
    },
    { kind: 'ready', picks: [0, 1, 10] },
    { kind: 'clear', picks: [2, 3] },
    { kind: 'remove', picks: [0, 3] },
    { kind: 'removeTenant', tenant: 0 },
    { kind: 'sqlStatus', number: 7, status: 2 },
  ],
];

/** A reconciliation's `present`: the numbers of these indexes (when the tenant holds them). */
function listed(...indexes: number[]): boolean[] {
  return Array.from({ length: NUMBERS_PER_RUN }, (_, i) => indexes.includes(i));
}

const describeOwned = REMOTE_BASE_URL ? describe.skip : describe;
if (REMOTE_BASE_URL) {
  process.stdout.write(
    `Not run against ${REMOTE_BASE_URL}: the lifecycle properties (they write and delete numbers, and count the table)\n`,
  );
}

describeOwned.each(targetNames())('the lifecycle on %s', (name) => {
  let target: Target;
  let sequence = 0;

  beforeAll(async () => {
    target = await startTarget(
      name,
      { LOG_LEVEL: 'error', ACTION_RATE_LIMIT_MAX: '100000000', COUNTER_COMPACTION_INTERVAL_MS: '50' },
      { prism: false },
    );
  });
  afterAll(() => target?.stop());

  it(`keeps counts, rules and history in ${RUNS} random sequences`, async () => {
    process.stdout.write(`${name}: ${RUNS} lifecycle sequences, seed ${SEED} (replay: CONTRACT_SEED=${SEED})\n`);
    const seen = new Map<Event, number>(EVENTS.map((event) => [event, 0]));
    const property = fc.asyncProperty(
      population,
      fc.array(step, { minLength: 1, maxLength: 16 }),
      async (first, steps) => {
        const run = new Sequence(target, ++sequence, (event, n = 1) => seen.set(event, (seen.get(event) ?? 0) + n));
        await run.populate(first);
        await run.check();
        for (const [i, s] of steps.entries()) {
          try {
            await run.apply(s);
            await run.check();
          } catch (error) {
            throw new Error(`step ${i + 1} ${JSON.stringify(s)}: ${(error as Error).message}`, { cause: error });
          }
        }
      },
    );
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true, examples: [EVERY_EVENT] });
    process.stdout.write(`${name}: ${[...seen].map(([event, n]) => `${event} ${n}`).join(', ')}\n`);
    expect(EVENTS.filter((event) => !seen.get(event))).toEqual([]);
  });
});

/** One random sequence: its own tenants and numbers, a model of them, and the checks. */
class Sequence {
  private readonly tenants: string[];
  private readonly numbers: string[];
  private readonly model: Model = new Map();
  /** Every number the sequence ever touched, to check their history. */
  private readonly touched = new Set<string>();

  private readonly database: TestDatabase;

  constructor(
    private readonly target: Target,
    id: number,
    private readonly saw: (event: Event, n?: number) => void,
  ) {
    if (!target.database) throw new Error('The lifecycle properties need a database of their own');
    this.database = target.database;
    this.tenants = Array.from({ length: TENANTS_PER_RUN }, () => randomUUID());
    // +1 555 RRRR NN: 12 digits, unique per sequence and number (the two extra are never inserted).
    const run = String(id % 10_000).padStart(4, '0');
    this.numbers = Array.from({ length: NUMBERS_PER_RUN + 2 }, (_, i) => `+1555${run}${String(i).padStart(2, '0')}`);
  }

  /** Writes the sequence's first numbers with plain SQL, as the operator's other systems would. */
  async populate(first: readonly { exists: boolean; tenant: number | null; status: Status | null }[]): Promise<void> {
    for (const [i, row] of first.entries()) {
      if (row.exists) await this.sql({ kind: 'sqlInsert', number: i, tenant: row.tenant, status: row.status });
    }
  }

  async apply(s: Step): Promise<void> {
    switch (s.kind) {
      case 'reconcile':
        return this.reconcile(s);
      case 'ready':
        return this.action('/api/v3/oc/numbers/action/ready-for-removal', s.picks, 2, 3, 'made ready');
      case 'clear':
        return this.action('/api/v3/oc/action/clear-removal-status', s.picks, 2, 0, 'cleared');
      case 'remove':
        return this.action('/api/v3/oc/numbers/action/remove', s.picks, 3, null, 'removed');
      case 'removeTenant':
        return this.removeTenant(this.tenants[s.tenant]);
      default:
        return this.sql(s);
    }
  }

  private async reconcile(s: Extract<Step, { kind: 'reconcile' }>): Promise<void> {
    const tenant = this.tenants[s.tenant];
    const ofTenant = [...this.model].filter(([, state]) => state.tenant === tenant);
    const foreign = s.foreign ? [...this.model].find(([, state]) => state.tenant !== tenant)?.[0] : undefined;
    const acquired = [
      ...this.numbers.slice(0, NUMBERS_PER_RUN).filter((n, i) => s.present[i] && this.model.get(n)?.tenant === tenant),
      ...this.numbers.slice(NUMBERS_PER_RUN, NUMBERS_PER_RUN + s.unknown),
      ...(foreign === undefined ? [] : [foreign]),
    ];
    const listed = new Set(acquired);
    const active = ofTenant.filter(([, state]) => state.status === 0);
    const toMark = active.filter(([n]) => !listed.has(n)).map(([n]) => n);
    const toRestore = ofTenant.filter(([n, state]) => state.status === 2 && listed.has(n)).map(([n]) => n);
    const unknown = acquired.filter((n) => this.model.get(n)?.tenant !== tenant);
    const guarded = acquired.length === 0 || toMark.length > RECONCILE_MAX_REMOVAL_SHARE * active.length;
    const query = new URLSearchParams();
    if (s.dryRun) query.set('dryRun', 'true');
    if (s.confirm) query.set('confirmMassRemoval', 'true');
    const answer = await this.call('POST', `/api/v3/oc/tenants/${tenant}/numbers/reconcile?${query}`, {
      acquiredNumbers: acquired,
    });
    if (guarded && !s.confirm && !s.dryRun) {
      this.saw('guard refused');
      expectStatus(answer, 409);
      expect(answer.body).toMatchObject({ errorCode: 'MASS_REMOVAL_GUARD' });
      return;
    }
    expectStatus(answer, 200);
    expect(reconcileCounts(answer.body)).toEqual({
      marked: toMark.length,
      restored: toRestore.length,
      unchanged: acquired.filter((n) => this.model.get(n)?.tenant === tenant).length - toRestore.length,
      unknown: unknown.length,
    });
    this.saw('unknown reported', unknown.length);
    if (s.dryRun) return this.saw('dry run');
    this.saw('marked', toMark.length);
    this.saw('restored', toRestore.length);
    for (const n of toMark) this.set(n, 2);
    for (const n of toRestore) this.set(n, 0);
  }

  /** One action on some of the sequence's numbers, checked number by number against the model. */
  private async action(
    path: string,
    picks: readonly number[],
    from: Status,
    to: Status | null,
    event: Event,
  ): Promise<void> {
    const numbers = picks.map((i) => this.numbers[i]);
    const answer = await this.call('POST', path, { telephoneNumbers: numbers });
    expectStatus(answer, 200);
    const expected = numbers.map((telephoneNumber) => {
      this.touched.add(telephoneNumber);
      const state = this.model.get(telephoneNumber);
      if (!state) return { telephoneNumber, outcome: 'notFound' };
      if (state.status !== from) return { telephoneNumber, outcome: 'wrongStatus', currentStatus: state.status };
      return { telephoneNumber, outcome: 'changed' };
    });
    const body = answer.body as ActionAnswer;
    expect(
      body.data.results.map(({ telephoneNumber, outcome, currentStatus }) =>
        clean({ telephoneNumber, outcome, currentStatus }),
      ),
    ).toEqual(expected);
    expect({ processed: body.data.processedCount, success: body.data.successCount }).toEqual({
      processed: numbers.length,
      success: outcomes(expected, 'changed'),
    });
    for (const e of expected) if (e.outcome === 'changed') this.set(e.telephoneNumber, to);
    this.saw(event, outcomes(expected, 'changed'));
    this.saw('wrong status', outcomes(expected, 'wrongStatus'));
    this.saw('not found', outcomes(expected, 'notFound'));
  }

  private async removeTenant(tenant: string): Promise<void> {
    const answer = await this.call('POST', '/api/v3/oc/numbers/action/remove', { msTenantId: tenant });
    expectStatus(answer, 200);
    const ready = [...this.model].filter(([, state]) => state.tenant === tenant && state.status === 3);
    expect((answer.body as ActionAnswer).data.successCount).toBe(ready.length);
    for (const [n] of ready) this.set(n, null);
    this.saw('removed by tenant', ready.length);
  }

  private async sql(s: Extract<Step, { kind: `sql${string}` }>): Promise<void> {
    const number = this.numbers[s.number];
    const database = this.database;
    const current = this.model.get(number);
    this.touched.add(number);
    if (s.kind === 'sqlInsert') {
      if (current) return;
      const tenant = s.tenant === null ? null : this.tenants[s.tenant];
      await withSql(database, (q) =>
        q('INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (?, ?, ?)', [
          number,
          tenant,
          s.status,
        ]),
      );
      this.model.set(number, { tenant, status: s.status ?? 0 });
    } else if (s.kind === 'sqlStatus') {
      await withSql(database, (q) =>
        q('UPDATE oc_numbers SET removal_status = ? WHERE telephone_number = ?', [s.status, number]),
      );
      if (current) current.status = s.status ?? 0;
    } else if (s.kind === 'sqlDelete') {
      await withSql(database, (q) => q('DELETE FROM oc_numbers WHERE telephone_number = ?', [number]));
      this.model.delete(number);
    } else {
      const tenant = s.tenant === null ? null : this.tenants[s.tenant];
      await withSql(database, (q) =>
        q('UPDATE oc_numbers SET ms_tenant_id = ? WHERE telephone_number = ?', [tenant, number]),
      );
      if (current) current.tenant = tenant;
    }
  }

  private set(number: string, status: Status | null): void {
    this.touched.add(number);
    const state = this.model.get(number);
    if (status === null) this.model.delete(number);
    else if (state) state.status = status;
    else throw new Error(`${number} changed to ${status} but the model does not hold it`);
  }

  /** The service's counts, the database's own count and the model agree; histories explain statuses. */
  async check(): Promise<void> {
    const counted = await this.independentCount();
    // The model and the table agree on this sequence's numbers.
    expect(counted.rows).toEqual(
      [...this.model]
        .map(([n, s]) => ({ n, tenant: s.tenant, status: s.status }))
        .sort((a, b) => a.n.localeCompare(b.n)),
    );

    const all = await this.call('GET', '/api/v3/oc/numbers/removal-status/summary');
    expectStatus(all, 200);
    expect(all.body).toEqual(summaryOf(counted.all));

    for (const statuses of [[], [2, 3]] as const) {
      const query = new URLSearchParams({ pageSize: '1' });
      for (const status of statuses) query.append('acquiredNumberStatus', String(status));
      const page = await this.call('GET', `/api/v3/oc/numbers?${query}`);
      expectStatus(page, 200);
      const total = (statuses.length === 0 ? [0, 1, 2, 3] : statuses).reduce((sum, s) => sum + counted.all[s], 0);
      expect({ statuses, totalRecords: (page.body as { totalRecords: number }).totalRecords }).toEqual({
        statuses,
        totalRecords: total,
      });
    }

    const view = await this.tenantsView();
    for (const tenant of this.tenants) {
      const expected = summaryOf(counted.byTenant.get(tenant) ?? [0, 0, 0, 0]);
      const one = await this.call('GET', `/api/v3/oc/numbers/removal-status/summary?msTenantId=${tenant}`);
      expect(one.body).toEqual(expected);
      const inView = view.get(tenant);
      if (expected.totalCount > 0 || inView) {
        expect(inView && summaryOf([0, 0, inView.markedForRemovalCount, inView.readyForRemovalCount])).toEqual(
          expected,
        );
      }
      for (const statuses of [[], [0], [2, 3], [0, 1, 2, 3], [1, 3]] as const) {
        const query = new URLSearchParams({ msTenantId: tenant, pageSize: '1' });
        for (const status of statuses) query.append('acquiredNumberStatus', String(status));
        const page = await this.call('GET', `/api/v3/oc/numbers?${query}`);
        expectStatus(page, 200);
        const byStatus = counted.byTenant.get(tenant) ?? [0, 0, 0, 0];
        const total = (statuses.length === 0 ? [0, 1, 2, 3] : statuses).reduce((sum, s) => sum + byStatus[s], 0);
        expect({ statuses, totalRecords: (page.body as { totalRecords: number }).totalRecords }).toEqual({
          statuses,
          totalRecords: total,
        });
      }
    }

    for (const number of this.touched) await this.checkHistory(number);
  }

  /** A number's history, newest first: each change starts where the one before ended, the newest ends where the number is. */
  private async checkHistory(number: string): Promise<void> {
    const answer = await this.call('GET', `/api/v3/oc/numbers/${encodeURIComponent(number)}/history?pageSize=100`);
    expectStatus(answer, 200);
    const changes = (answer.body as { data: HistoryEntry[] }).data;
    const now = this.model.get(number);
    if (changes.length === 0) {
      expect({ number, status: now?.status ?? null }).toEqual({ number, status: null });
      return;
    }
    expect({ number, newest: changes[0].newStatus }).toEqual({ number, newest: now?.status ?? null });
    for (const [i, change] of changes.entries()) {
      const older = changes[i + 1];
      if (older) expect({ number, at: i, from: change.oldStatus }).toEqual({ number, at: i, from: older.newStatus });
      else expect({ number, first: change.oldStatus }).toEqual({ number, first: null });
      const allowed = ALLOWED[change.operation];
      if (change.operation !== 'sql') {
        expect({ number, operation: change.operation, transition: `${change.oldStatus}>${change.newStatus}` }).toEqual({
          number,
          operation: change.operation,
          transition: allowed?.find((t) => t === `${change.oldStatus}>${change.newStatus}`),
        });
      }
    }
  }

  /** This sequence's rows, and counts by status of every tenant and of the whole table, by plain SQL. */
  private async independentCount() {
    return withSql(this.database, async (q) => {
      const rows = (await q(
        'SELECT telephone_number AS n, ms_tenant_id AS tenant, COALESCE(removal_status, 0) AS status ' +
          `FROM oc_numbers WHERE telephone_number LIKE ? ORDER BY telephone_number`,
        [`${this.numbers[0].slice(0, 9)}%`],
      )) as { n: string; tenant: string | null; status: number }[];
      const grouped = (await q(
        'SELECT ms_tenant_id AS tenant, COALESCE(removal_status, 0) AS status, COUNT(*) AS n FROM oc_numbers GROUP BY 1, 2',
      )) as { tenant: string | null; status: number; n: number | string }[];
      const all = [0, 0, 0, 0];
      const byTenant = new Map<string, number[]>();
      for (const g of grouped) {
        all[Number(g.status)] += Number(g.n);
        if (g.tenant === null) continue;
        const counts = byTenant.get(g.tenant) ?? [0, 0, 0, 0];
        counts[Number(g.status)] += Number(g.n);
        byTenant.set(g.tenant, counts);
      }
      return { rows: rows.map((r) => ({ ...r, status: Number(r.status) })), all, byTenant };
    });
  }

  /** Every page of the per-tenant view, by tenant. */
  private async tenantsView(): Promise<Map<string, TenantView>> {
    const view = new Map<string, TenantView>();
    for (let page = 1; ; page++) {
      const answer = await this.call('GET', `/api/v3/oc/numbers/removal-status/tenants?page=${page}&pageSize=100`);
      expectStatus(answer, 200);
      const body = answer.body as { data: TenantView[]; totalPages: number };
      for (const item of body.data) view.set(item.msTenantId, item);
      if (page >= body.totalPages) return view;
    }
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; text: string }> {
    const response = await fetch(`${this.target.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the status check reports the text.
    }
    return { status: response.status, body: parsed, text };
  }
}

/** The service's default share of a tenant's Active numbers a reconciliation may mark unconfirmed. */
const RECONCILE_MAX_REMOVAL_SHARE = 0.2;

interface ActionAnswer {
  data: {
    processedCount: number;
    successCount: number;
    results: { telephoneNumber: string; outcome: string; currentStatus?: number }[];
  };
}
interface HistoryEntry {
  oldStatus: number | null;
  newStatus: number | null;
  operation: string;
}
interface TenantView {
  msTenantId: string;
  markedForRemovalCount: number;
  readyForRemovalCount: number;
  totalCount: number;
}

function outcomes(results: readonly { outcome: string }[], outcome: string): number {
  return results.filter((r) => r.outcome === outcome).length;
}

function summaryOf(counts: readonly number[]) {
  return { markedForRemovalCount: counts[2], readyForRemovalCount: counts[3], totalCount: counts[2] + counts[3] };
}

function reconcileCounts(body: unknown) {
  const b = body as Record<string, number>;
  return { marked: b.markedCount, restored: b.restoredCount, unchanged: b.unchangedCount, unknown: b.unknownCount };
}

function clean<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function expectStatus(answer: { status: number; text: string }, status: number): void {
  if (answer.status !== status)
    throw new Error(`expected ${status}, got ${answer.status}: ${answer.text.slice(0, 500)}`);
}
