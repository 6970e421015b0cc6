import {
  insertNumbers,
  jwtAuthEnv,
  TEST_DATABASE_KINDS,
  testIssuer,
  type TestIssuer,
  withSql,
} from '@oc-numbers/testing';
import fc from 'fast-check';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { type RunningApp, startApp } from './app-harness';

/**
 * Tenant isolation as a property, on both databases, over HTTP with tokens: random callers (every
 * tenant, or a random subset of the tenants, none included), random numbers of random tenants
 * (and without a tenant), and random requests over every read (summary, list as JSON and CSV,
 * the per-tenant view, histories) and every action (ready-for-removal, clear-removal-status,
 * remove by numbers and by tenant, reconcile and its dry run). Each answer must be what a model
 * of the numbers predicts from the caller's reach alone: the figures are sums over the tenants it
 * reaches, lists hold only their numbers, a tenant it does not reach is refused (403
 * TENANT_FORBIDDEN) and a number outside its reach is `notFound` and unchanged. Besides, no answer
 * (body or header) carries a number or a tenant id outside the caller's reach that the request
 * did not name itself.
 */
const RUNS = process.env.TENANT_SCOPE_RUNS ? Number(process.env.TENANT_SCOPE_RUNS) : 25;
const TENANTS = [
  '6f9619ff-8b86-d011-b42d-00cf4fc964ff',
  '0f8fad5b-d9cb-469f-a165-70867728950e',
  '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  'a1b2c3d4-0000-4000-8000-000000000001',
] as const;
/** A tenant no number ever belongs to. */
const NOWHERE = 'deadbeef-dead-beef-dead-beefdeadbeef';
const NUMBERS = 14;
/** Numbers 1..NUMBERS may exist; these never do. */
const NEVER = [90, 91, 92];
const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;

type Status = 0 | 1 | 2 | 3;
type Tenant = string | null;
interface Held {
  tenant: Tenant;
  status: Status | null;
}
interface Model {
  numbers: Map<string, Held>;
  /** Each number's history, oldest first: the tenant of each entry. */
  history: Map<string, Tenant[]>;
}

/** A caller: every tenant, or the tenants at these indexes. */
type Reach = { all: true } | { all: false; tenants: number[] };

type Request =
  | { kind: 'summary'; tenant: number | null }
  | { kind: 'list'; tenant: number | null; statuses: Status[] | null; csv: boolean }
  | { kind: 'tenants' }
  | { kind: 'history'; number: number }
  | { kind: 'ready' | 'clear' | 'remove'; numbers: number[] }
  | { kind: 'removeTenant'; tenant: number }
  | { kind: 'reconcile'; tenant: number; listed: number[]; dryRun: boolean };

/** A tenant index: 0..3 the tenants, 4 NOWHERE. */
const tenantIndex = fc.nat({ max: TENANTS.length });
const tenantOf = (i: number) => (i < TENANTS.length ? TENANTS[i] : NOWHERE);
const numberIndex = fc.constantFrom(...Array.from({ length: NUMBERS }, (_, i) => i + 1), ...NEVER);

const reach: fc.Arbitrary<Reach> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ all: true } as const) },
  {
    weight: 3,
    arbitrary: fc.subarray([0, 1, 2, 3]).map((tenants): Reach => ({ all: false, tenants })),
  },
);

const requestArbitrary: fc.Arbitrary<Request> = fc.oneof(
  fc.record({ kind: fc.constant('summary' as const), tenant: fc.option(tenantIndex, { nil: null }) }),
  fc.record({
    kind: fc.constant('list' as const),
    tenant: fc.option(tenantIndex, { nil: null, freq: 2 }),
    statuses: fc.option(fc.subarray<Status>([0, 1, 2, 3], { minLength: 1 }), { nil: null }),
    csv: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('tenants' as const) }),
  fc.record({ kind: fc.constant('history' as const), number: numberIndex }),
  fc.record({
    kind: fc.constantFrom('ready' as const, 'clear' as const, 'remove' as const),
    numbers: fc.uniqueArray(numberIndex, { minLength: 1, maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('removeTenant' as const), tenant: tenantIndex }),
  fc.record({
    kind: fc.constant('reconcile' as const),
    tenant: tenantIndex,
    listed: fc.uniqueArray(numberIndex, { maxLength: 10 }),
    dryRun: fc.boolean(),
  }),
);

const world = fc.record({
  numbers: fc.array(
    fc.record({
      tenant: fc.option(fc.nat({ max: TENANTS.length - 1 }), { nil: null, freq: 6 }),
      status: fc.constantFrom<Status | null>(0, 0, 1, 2, 2, 3, 3, null),
    }),
    { minLength: NUMBERS, maxLength: NUMBERS },
  ),
  steps: fc.array(fc.record({ who: reach, request: requestArbitrary }), { minLength: 1, maxLength: 8 }),
});

const sorted = (values: Iterable<string>) => [...values].sort();

/** A number the model holds. */
function heldIn(model: Model, number: string): Held {
  const held = model.numbers.get(number);
  if (held === undefined) throw new Error(`The model does not hold ${number}`);
  return held;
}

describe.each(TEST_DATABASE_KINDS)('tenant isolation as a property on %s', (kind) => {
  let running: RunningApp | undefined;
  let issuer: TestIssuer;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    issuer = await testIssuer({ alg: 'ES256' });
    const defaults = loadConfig({});
    running = await startApp(kind, {
      auth: loadConfig(jwtAuthEnv(issuer)).auth,
      rateLimit: { ...defaults.rateLimit, max: 100_000_000 },
      actionRateLimit: { ...defaults.actionRateLimit, max: 0 },
    });
  });
  afterAll(() => running?.close());

  const app = () => {
    if (!running) throw new Error('The app is not running');
    return running;
  };

  async function token(who: Reach): Promise<string> {
    const key = JSON.stringify(who);
    let found = tokens.get(key);
    if (found === undefined) {
      found = await issuer.mint(
        who.all
          ? { roles: ['OcNumbers.ReadWrite.All'], azp: 'all' }
          : {
              roles: ['OcNumbers.ReadWrite'],
              azp: `some-${who.tenants.join('')}`,
              // One tenant as a string, several as an array, none without the claim.
              ...(who.tenants.length === 1
                ? { tid: TENANTS[who.tenants[0]].toUpperCase() }
                : who.tenants.length > 1
                  ? { tid: who.tenants.map((i) => TENANTS[i]) }
                  : {}),
            },
      );
      tokens.set(key, found);
    }
    return found;
  }

  it("never shows or changes anything of a tenant outside the caller's reach", async () => {
    await fc.assert(
      fc.asyncProperty(world, async ({ numbers, steps }) => {
        const model: Model = { numbers: new Map(), history: new Map() };
        await withSql(app().database, async (query) => {
          await query('DELETE FROM oc_numbers');
          await query('DELETE FROM oc_numbers_status_history');
          await query('DELETE FROM oc_numbers_reconciliations');
        });
        const rows = numbers.map((row, i) => ({
          telephoneNumber: n(i + 1),
          msTenantId: row.tenant === null ? null : TENANTS[row.tenant],
          removalStatus: row.status,
        }));
        await insertNumbers(app().database, rows);
        for (const row of rows) {
          model.numbers.set(row.telephoneNumber, {
            tenant: row.msTenantId,
            status: row.removalStatus as Status | null,
          });
          model.history.set(row.telephoneNumber, [row.msTenantId]);
        }
        for (const { who, request: asked } of steps) {
          await step(model, who, asked);
        }
        // The inventory is what the model says: nothing outside a caller's reach changed.
        const stored = await withSql(app().database, (query) =>
          query('SELECT telephone_number, ms_tenant_id, removal_status FROM oc_numbers ORDER BY telephone_number'),
        );
        expect(
          (stored as Array<{ telephone_number: string; ms_tenant_id: string | null; removal_status: unknown }>).map(
            (r) => [r.telephone_number, r.ms_tenant_id, r.removal_status === null ? null : Number(r.removal_status)],
          ),
        ).toEqual(sorted(model.numbers.keys()).map((k) => [k, heldIn(model, k).tenant, heldIn(model, k).status]));
      }),
      { numRuns: RUNS },
    );
  });

  async function step(model: Model, who: Reach, asked: Request): Promise<void> {
    const reached = (tenant: Tenant) => who.all || (tenant !== null && who.tenants.some((i) => TENANTS[i] === tenant));
    const auth = `Bearer ${await token(who)}`;
    const server = app().server;
    let response: request.Response;
    /** What the request names itself: an answer may repeat it. */
    let named: string;
    const forbidden = () => {
      expect([response.status, response.body.errorCode]).toEqual([403, 'TENANT_FORBIDDEN']);
    };
    const tenantNumbers = (tenant: string) =>
      sorted([...model.numbers].filter(([, held]) => held.tenant === tenant).map(([number]) => number));
    const record = (number: string, tenant: Tenant) =>
      model.history.get(number)?.push(tenant) ?? model.history.set(number, [tenant]);

    switch (asked.kind) {
      case 'summary': {
        const tenant = asked.tenant === null ? undefined : tenantOf(asked.tenant);
        named = tenant ?? '';
        response = await request(server)
          .get('/api/v3/oc/numbers/removal-status/summary')
          .query(tenant === undefined ? {} : { msTenantId: tenant })
          .set('authorization', auth);
        if (tenant !== undefined && !reached(tenant)) {
          forbidden();
          break;
        }
        const counted = [...model.numbers.values()].filter((held) =>
          tenant === undefined ? reached(held.tenant) : held.tenant === tenant,
        );
        const marked = counted.filter((held) => held.status === 2).length;
        const ready = counted.filter((held) => held.status === 3).length;
        expect([response.status, response.body]).toEqual([
          200,
          { markedForRemovalCount: marked, readyForRemovalCount: ready, totalCount: marked + ready },
        ]);
        break;
      }
      case 'list': {
        const tenant = asked.tenant === null ? undefined : tenantOf(asked.tenant);
        named = tenant ?? '';
        const query: Record<string, unknown> = {};
        if (tenant !== undefined) query.msTenantId = tenant;
        if (asked.statuses !== null) query.acquiredNumberStatus = asked.statuses;
        if (!asked.csv) query.pageSize = 1000;
        response = await request(server)
          .get('/api/v3/oc/numbers')
          .query(query)
          .set('authorization', auth)
          .set('accept', asked.csv ? 'text/csv' : 'application/json');
        if (tenant !== undefined && !reached(tenant)) {
          forbidden();
          break;
        }
        const expected = sorted(
          [...model.numbers]
            .filter(
              ([, held]) =>
                reached(held.tenant) &&
                (tenant === undefined || held.tenant === tenant) &&
                (asked.statuses === null || asked.statuses.includes(held.status ?? 0)),
            )
            .map(([number]) => number),
        );
        expect(response.status).toBe(200);
        if (asked.csv) {
          expect(
            response.text
              .split('\r\n')
              .slice(1, -1)
              .map((line) => line.split(',')[0]),
          ).toEqual(expected);
        } else {
          expect(response.body.data.map((item: { telephoneNumber: string }) => item.telephoneNumber)).toEqual(expected);
          expect(response.body.totalRecords).toBe(expected.length);
        }
        break;
      }
      case 'tenants': {
        named = '';
        response = await request(server)
          .get('/api/v3/oc/numbers/removal-status/tenants')
          .query({ pageSize: 1000 })
          .set('authorization', auth);
        const expected = TENANTS.filter((tenant) => reached(tenant) && tenantNumbers(tenant).length > 0)
          .map((tenant) => {
            const held = tenantNumbers(tenant).map((number) => heldIn(model, number));
            const marked = held.filter((h) => h.status === 2).length;
            const ready = held.filter((h) => h.status === 3).length;
            return {
              msTenantId: tenant,
              markedForRemovalCount: marked,
              readyForRemovalCount: ready,
              totalCount: marked + ready,
            };
          })
          .sort((a, b) => b.totalCount - a.totalCount || a.msTenantId.localeCompare(b.msTenantId));
        expect(response.status).toBe(200);
        expect(response.body.totalRecords).toBe(expected.length);
        expect(response.body.data.map(({ lastReconciledAt: _, ...row }: Record<string, unknown>) => row)).toEqual(
          expected,
        );
        break;
      }
      case 'history': {
        const number = n(asked.number);
        named = number;
        response = await request(server)
          .get(`/api/v3/oc/numbers/${encodeURIComponent(number)}/history`)
          .query({ pageSize: 200 })
          .set('authorization', auth);
        const visible = (model.history.get(number) ?? []).filter(reached).reverse();
        expect(response.status).toBe(200);
        expect(response.body.totalRecords).toBe(visible.length);
        expect(response.body.data.map((entry: { msTenantId: string | null }) => entry.msTenantId)).toEqual(visible);
        break;
      }
      case 'ready':
      case 'clear':
      case 'remove': {
        const asks = asked.numbers.map(n);
        named = asks.join(' ');
        const path = {
          ready: '/api/v3/oc/numbers/action/ready-for-removal',
          clear: '/api/v3/oc/action/clear-removal-status',
          remove: '/api/v3/oc/numbers/action/remove',
        }[asked.kind];
        const [from, to] = ({ ready: [2, 3], clear: [2, 0], remove: [3, null] } as const)[asked.kind];
        response = await request(server).post(path).set('authorization', auth).send({ telephoneNumbers: asks });
        expect(response.status).toBe(200);
        const results = asks.map((number) => {
          const held = model.numbers.get(number);
          if (held === undefined || !reached(held.tenant)) return { telephoneNumber: number, outcome: 'notFound' };
          if (held.status !== from) {
            return { telephoneNumber: number, outcome: 'wrongStatus', currentStatus: held.status ?? 0 };
          }
          record(number, held.tenant);
          if (to === null) model.numbers.delete(number);
          else held.status = to;
          return { telephoneNumber: number, outcome: 'changed' };
        });
        expect(response.body.data).toEqual({
          processedCount: asks.length,
          successCount: results.filter((r) => r.outcome === 'changed').length,
          results,
        });
        break;
      }
      case 'removeTenant': {
        const tenant = tenantOf(asked.tenant);
        named = tenant;
        response = await request(server)
          .post('/api/v3/oc/numbers/action/remove')
          .set('authorization', auth)
          .send({ msTenantId: tenant });
        if (!reached(tenant)) {
          forbidden();
          break;
        }
        const held = tenantNumbers(tenant);
        const removed = held.filter((number) => heldIn(model, number).status === 3);
        for (const number of removed) {
          record(number, tenant);
          model.numbers.delete(number);
        }
        expect(response.status).toBe(200);
        expect(response.body.data).toEqual({
          processedCount: held.length,
          successCount: removed.length,
          results: removed.map((telephoneNumber) => ({ telephoneNumber, outcome: 'changed' })),
          omittedResultCount: 0,
        });
        break;
      }
      case 'reconcile': {
        const tenant = tenantOf(asked.tenant);
        const listed = asked.listed.map(n);
        named = `${tenant} ${listed.join(' ')}`;
        response = await request(server)
          .post(`/api/v3/oc/tenants/${tenant}/numbers/reconcile`)
          .query({ dryRun: asked.dryRun, confirmMassRemoval: true })
          .set('authorization', auth)
          .send({ acquiredNumbers: listed });
        if (!reached(tenant)) {
          forbidden();
          break;
        }
        const own = tenantNumbers(tenant);
        const active = own.filter((number) => (heldIn(model, number).status ?? 0) === 0);
        const marked = active.filter((number) => !listed.includes(number));
        const restored = own.filter((number) => heldIn(model, number).status === 2 && listed.includes(number));
        const known = own.filter((number) => listed.includes(number));
        const unknown = sorted(listed.filter((number) => !own.includes(number)));
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          msTenantId: tenant,
          dryRun: asked.dryRun,
          acquiredCount: listed.length,
          activeCount: active.length,
          markedCount: marked.length,
          restoredCount: restored.length,
          unchangedCount: known.length - restored.length,
          unknownCount: unknown.length,
          marked,
          restored,
          unchanged: known.filter((number) => !restored.includes(number)),
          unknown,
        });
        if (!asked.dryRun) {
          for (const number of marked) {
            heldIn(model, number).status = 2;
            record(number, tenant);
          }
          for (const number of restored) {
            heldIn(model, number).status = 0;
            record(number, tenant);
          }
        }
        break;
      }
    }

    // Nothing of an unreached tenant in the answer, unless the request named it itself.
    const answer = `${JSON.stringify(response.headers)}\n${response.text}`;
    const hidden = [
      ...TENANTS.filter((tenant) => !reached(tenant)),
      ...[...model.history].filter(([, tenants]) => !tenants.some(reached)).map(([number]) => number),
      ...[...model.numbers].filter(([, held]) => !reached(held.tenant)).map(([number]) => number),
    ].filter((secret) => !named.toLowerCase().includes(secret));
    for (const secret of hidden)
      expect([asked.kind, secret, answer.includes(secret)]).toEqual([asked.kind, secret, false]);
  }
});
