import {
  expectedSummary,
  expectProblem,
  insertNumbers,
  jwtAuthEnv,
  type NumberRow,
  TEST_DATABASE_KINDS,
  testIssuer,
  withSql,
} from '@oc-numbers/testing';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { type RunningApp, startApp } from './app-harness';

/**
 * Tenant isolation over HTTP, on both databases, with real tokens: callers limited to one tenant
 * (`tid` a string) or to two (`tid` an array), with a read or a read-write role, ask every
 * operation about their own tenant, another tenant that has numbers, a tenant that has none and
 * no tenant. Another tenant is refused alike whether it exists or not (403 TENANT_FORBIDDEN);
 * without a tenant the figures are those of the caller's tenants; another tenant's numbers are
 * never listed, counted, shown in a history or changed, and acting on them answers `notFound`.
 */
const OWN = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const SECOND = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const NOWHERE = 'deadbeef-dead-beef-dead-beefdeadbeef';

const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;

/** The numbers as they are after the setup (n(16) was OTHER's before it was OWN's; n(17) was OTHER's). */
const NUMBERS: readonly NumberRow[] = [
  { telephoneNumber: n(1), msTenantId: OWN, removalStatus: 0 },
  { telephoneNumber: n(2), msTenantId: OWN, removalStatus: 2 },
  { telephoneNumber: n(3), msTenantId: OWN, removalStatus: 2 },
  { telephoneNumber: n(4), msTenantId: OWN, removalStatus: 3 },
  { telephoneNumber: n(5), msTenantId: OWN, removalStatus: 1 },
  { telephoneNumber: n(6), msTenantId: OWN, removalStatus: null },
  { telephoneNumber: n(7), msTenantId: SECOND, removalStatus: 2 },
  { telephoneNumber: n(8), msTenantId: SECOND, removalStatus: 3 },
  { telephoneNumber: n(9), msTenantId: SECOND, removalStatus: 3 },
  { telephoneNumber: n(10), msTenantId: OTHER, removalStatus: 2 },
  { telephoneNumber: n(11), msTenantId: OTHER, removalStatus: 3 },
  { telephoneNumber: n(12), msTenantId: OTHER, removalStatus: 0 },
  { telephoneNumber: n(13), msTenantId: OTHER, removalStatus: 2 },
  { telephoneNumber: n(14), msTenantId: null, removalStatus: 2 },
  { telephoneNumber: n(15), msTenantId: null, removalStatus: 3 },
  { telephoneNumber: n(16), msTenantId: OWN, removalStatus: 2 },
];
/** A number no tenant holds now, nor ever did. */
const NEVER = n(99);

const of = (...tenants: string[]) =>
  NUMBERS.filter((row) => row.msTenantId !== null && tenants.includes(row.msTenantId))
    .map((row) => row.telephoneNumber)
    .sort();

function summaryOver(...tenants: string[]) {
  const rows = NUMBERS.filter((row) => row.msTenantId !== null && tenants.includes(row.msTenantId));
  return expectedSummary(rows);
}

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const LIST = '/api/v3/oc/numbers';
const TENANTS = '/api/v3/oc/numbers/removal-status/tenants';
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR = '/api/v3/oc/action/clear-removal-status';
const REMOVE = '/api/v3/oc/numbers/action/remove';
const history = (number: string) => `/api/v3/oc/numbers/${encodeURIComponent(number)}/history`;
const reconcile = (tenant: string) => `/api/v3/oc/tenants/${tenant}/numbers/reconcile`;

type Who = 'read1' | 'write1' | 'read2' | 'write2' | 'none' | 'all';

/** The fields of a TENANT_FORBIDDEN answer that may not depend on the tenant. */
function forbidden(response: request.Response) {
  const body = expectProblem(response, 403, 'TENANT_FORBIDDEN');
  return { type: body.type, title: body.title, detail: body.detail, status: body.status, errorCode: body.errorCode };
}

describe.each(TEST_DATABASE_KINDS)('tenant isolation over HTTP on %s', (kind) => {
  let running: RunningApp | undefined;
  const tokens = {} as Record<Who, string>;

  beforeAll(async () => {
    const issuer = await testIssuer();
    running = await startApp(kind, { auth: loadConfig(jwtAuthEnv(issuer)).auth });
    const mint = (roles: string[], tid?: string | string[]) =>
      issuer.mint({ roles, azp: `client-${roles[0]}`, ...(tid !== undefined && { tid }) });
    tokens.read1 = await mint(['OcNumbers.Read'], OWN);
    tokens.write1 = await mint(['OcNumbers.ReadWrite'], OWN);
    tokens.read2 = await mint(['OcNumbers.Read'], [OWN, SECOND.toUpperCase()]);
    tokens.write2 = await mint(['OcNumbers.ReadWrite'], [SECOND, OWN]);
    tokens.none = await mint(['OcNumbers.ReadWrite']);
    tokens.all = await mint(['OcNumbers.ReadWrite.All']);
  });
  afterAll(() => running?.close());

  const app = () => {
    if (!running) throw new Error('The app is not running');
    return running;
  };
  const sql = <T = Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    withSql(app().database, (query) => query(text, params)) as Promise<T[]>;
  const get = (who: Who, path: string, query: Record<string, string | number> = {}) =>
    request(app().server).get(path).query(query).set('authorization', `Bearer ${tokens[who]}`);
  const post = (who: Who, path: string, body: unknown) =>
    request(app().server)
      .post(path)
      .set('authorization', `Bearer ${tokens[who]}`)
      .send(body as object);

  async function numbers(): Promise<Record<string, [string | null, number | null]>> {
    const rows = await sql<{ telephone_number: string; ms_tenant_id: string | null; removal_status: unknown }>(
      'SELECT telephone_number, ms_tenant_id, removal_status FROM oc_numbers ORDER BY telephone_number',
    );
    return Object.fromEntries(
      rows.map((r) => [
        r.telephone_number,
        [r.ms_tenant_id, r.removal_status === null ? null : Number(r.removal_status)] as [string | null, number | null],
      ]),
    );
  }
  const initial = () =>
    Object.fromEntries(NUMBERS.map((r) => [r.telephoneNumber, [r.msTenantId, r.removalStatus]])) as Record<
      string,
      [string | null, number | null]
    >;

  beforeEach(async () => {
    await sql('DELETE FROM oc_numbers');
    await sql('DELETE FROM oc_numbers_status_history');
    await sql('DELETE FROM oc_numbers_reconciliations');
    // n(16) was OTHER's before it became OWN's; n(17) was OTHER's only, and is gone.
    await insertNumbers(app().database, [
      { telephoneNumber: n(16), msTenantId: OTHER, removalStatus: 0 },
      { telephoneNumber: n(17), msTenantId: OTHER, removalStatus: 3 },
    ]);
    await sql('DELETE FROM oc_numbers');
    await insertNumbers(app().database, NUMBERS);
  });

  describe(`GET ${SUMMARY}`, () => {
    it.each<[Who, string]>([
      ['read1', OWN],
      ['read1', OWN.toUpperCase()],
      ['read2', OWN],
      ['read2', SECOND],
      ['write2', SECOND.toUpperCase()],
    ])("answers %s its own tenant %s's counts", async (who, tenant) => {
      const response = await get(who, SUMMARY, { msTenantId: tenant });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(summaryOver(tenant.toLowerCase()));
    });

    it.each<Who>(['read1', 'write1', 'read2', 'write2'])(
      'refuses %s another tenant alike, whether it has numbers or not',
      async (who) => {
        const other = forbidden(await get(who, SUMMARY, { msTenantId: OTHER }));
        const nowhere = forbidden(await get(who, SUMMARY, { msTenantId: NOWHERE }));
        expect(nowhere).toEqual(other);
      },
    );

    it('refuses a limited caller the second of its tenants only if its token names it', async () => {
      forbidden(await get('read1', SUMMARY, { msTenantId: SECOND }));
    });

    it('answers a malformed tenant id 400 before looking at the scope', async () => {
      expectProblem(await get('read1', SUMMARY, { msTenantId: 'not-a-guid' }), 400, 'INVALID_MS_TENANT_ID');
    });

    it("sums, without a tenant, over the caller's tenants only", async () => {
      const one = await get('read1', SUMMARY);
      expect([one.status, one.body]).toEqual([200, summaryOver(OWN)]);
      expect(one.body).toEqual({ markedForRemovalCount: 3, readyForRemovalCount: 1, totalCount: 4 });
      const two = await get('read2', SUMMARY);
      expect([two.status, two.body]).toEqual([200, summaryOver(OWN, SECOND)]);
      expect(two.body).toEqual({ markedForRemovalCount: 4, readyForRemovalCount: 3, totalCount: 7 });
      const empty = await get('read1', SUMMARY, { msTenantId: '' });
      expect(empty.body).toEqual(summaryOver(OWN));
      // Every tenant, numbers without one included: only for an all-tenant caller.
      const all = await get('all', SUMMARY);
      expect([all.status, all.body]).toEqual([200, expectedSummary(NUMBERS)]);
    });
  });

  describe(`GET ${LIST}`, () => {
    const listed = (response: request.Response) =>
      (response.body as { data: Array<{ telephoneNumber: string }> }).data.map((item) => item.telephoneNumber);

    it.each<[Who, string, string[]]>([
      ['read1', OWN, of(OWN)],
      ['read2', SECOND, of(SECOND)],
      ['write2', OWN.toUpperCase(), of(OWN)],
    ])('lists for %s its own tenant %s', async (who, tenant, expected) => {
      const response = await get(who, LIST, { msTenantId: tenant, pageSize: 1000 });
      expect(response.status).toBe(200);
      expect(listed(response)).toEqual(expected);
      expect(response.body).toMatchObject({ totalRecords: expected.length, totalPages: 1 });
    });

    it.each<Who>(['read1', 'write1', 'read2', 'write2'])(
      'refuses %s another tenant alike, as JSON and as CSV, whether it has numbers or not',
      async (who) => {
        const answers = await Promise.all([
          get(who, LIST, { msTenantId: OTHER }),
          get(who, LIST, { msTenantId: NOWHERE }),
          get(who, LIST, { msTenantId: OTHER }).set('accept', 'text/csv'),
          get(who, LIST, { msTenantId: NOWHERE, acquiredNumberStatus: 2 }).set('accept', 'text/csv'),
        ]);
        const [first, ...rest] = answers.map(forbidden);
        for (const other of rest) expect(other).toEqual(first);
      },
    );

    it('still answers a malformed filter 400', async () => {
      expectProblem(await get('read1', LIST, { msTenantId: 'x' }), 400, 'INVALID_MS_TENANT_ID');
    });

    it.each<[Who, string[]]>([
      ['read1', [OWN]],
      ['read2', [OWN, SECOND]],
    ])('lists and counts, without a tenant, only the numbers of %s', async (who, tenants) => {
      const expected = of(...tenants);
      const page = await get(who, LIST, { pageSize: 1000 });
      expect(page.status).toBe(200);
      expect(listed(page)).toEqual(expected);
      expect(page.body).toMatchObject({ totalRecords: expected.length, totalPages: 1, currentPage: 1 });
      const inRemoval = await get(who, LIST, { acquiredNumberStatus: 3, pageSize: 1000 });
      const ready = NUMBERS.filter((r) => expected.includes(r.telephoneNumber) && r.removalStatus === 3);
      expect(listed(inRemoval)).toEqual(ready.map((r) => r.telephoneNumber).sort());
      expect(inRemoval.body.totalRecords).toBe(ready.length);
      const prefixed = await get(who, LIST, { telephoneNumberPrefix: '+142555500', pageSize: 1000 });
      const under = expected.filter((number) => number.startsWith('+142555500'));
      expect([listed(prefixed), prefixed.body.totalRecords]).toEqual([under, under.length]);
      const csv = await get(who, LIST).set('accept', 'text/csv');
      expect(csv.status).toBe(200);
      const lines = csv.text.split('\r\n').slice(1, -1);
      expect(lines.map((line) => line.split(',')[0])).toEqual(expected);
      expect(new Set(lines.map((line) => line.split(',')[1]))).toEqual(new Set(tenants));
    });

    it("walks a limited caller's numbers by cursor, and its cursor serves no other scope", async () => {
      const walked: string[] = [];
      let cursor: string | undefined;
      let first: string | undefined;
      do {
        const page = await get('read1', LIST, { pageSize: 3, ...(cursor !== undefined && { cursor }) });
        expect(page.status).toBe(200);
        expect(page.body.totalRecords).toBe(of(OWN).length);
        walked.push(...listed(page));
        cursor = page.body.nextCursor as string | undefined;
        first ??= cursor;
      } while (cursor !== undefined);
      expect(walked).toEqual(of(OWN));
      expectProblem(await get('read2', LIST, { pageSize: 3, cursor: String(first) }), 400, 'INVALID_CURSOR');
      expectProblem(await get('all', LIST, { pageSize: 3, cursor: String(first) }), 400, 'INVALID_CURSOR');
      const allCursor = (await get('all', LIST, { pageSize: 3 })).body.nextCursor as string;
      expectProblem(await get('read1', LIST, { pageSize: 3, cursor: allCursor }), 400, 'INVALID_CURSOR');
      // The same caller, the same filters: the cursor goes on.
      expect((await get('write1', LIST, { pageSize: 3, cursor: String(first) })).status).toBe(200);
    });
  });

  describe(`GET ${TENANTS}`, () => {
    it.each<[Who, string[]]>([
      ['read1', [OWN]],
      ['read2', [OWN, SECOND]],
      // OTHER and SECOND have as many numbers in removal: in the order of their ids.
      ['all', [OWN, SECOND, OTHER]],
    ])('shows %s only its tenants, and counts only them', async (who, tenants) => {
      const response = await get(who, TENANTS);
      expect(response.status).toBe(200);
      const row = (tenant: string) => {
        const s = summaryOver(tenant);
        return {
          msTenantId: tenant,
          markedForRemovalCount: s.markedForRemovalCount,
          readyForRemovalCount: s.readyForRemovalCount,
          totalCount: s.totalCount,
          lastReconciledAt: null,
        };
      };
      expect(response.body).toEqual({
        currentPage: 1,
        pageSize: 100,
        totalPages: 1,
        totalRecords: tenants.length,
        data: tenants.map(row),
      });
      const second = await get(who, TENANTS, { page: 2, pageSize: 1 });
      expect(second.body).toMatchObject({ totalRecords: tenants.length, totalPages: tenants.length });
      expect(second.body.data).toEqual(tenants.length > 1 ? [row(tenants[1])] : []);
    });
  });

  describe('GET /api/v3/oc/numbers/{telephoneNumber}/history', () => {
    const nothing = { currentPage: 1, pageSize: 50, totalPages: 0, totalRecords: 0, data: [] };

    it("shows a limited caller only its tenants' entries", async () => {
      const own = await get('read1', history(n(2)));
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ totalRecords: 1, data: [{ msTenantId: OWN, newStatus: 2 }] });
      const moved = await get('read1', history(n(16)));
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ totalRecords: 1, data: [{ msTenantId: OWN, oldStatus: null, newStatus: 2 }] });
      const all = await get('all', history(n(16)));
      expect(all.body.totalRecords).toBe(3);
      expect((await get('read2', history(n(8)))).body.totalRecords).toBe(1);
    });

    it.each<Who>(['read1', 'write1', 'read2', 'write2'])(
      "answers %s for another tenant's number, now or once, as for a number that never existed",
      async (who) => {
        const never = await get(who, history(NEVER));
        expect([never.status, never.body]).toEqual([200, nothing]);
        for (const number of [n(10), n(17), n(14)]) {
          const response = await get(who, history(number));
          expect([number, response.status, response.body]).toEqual([number, 200, nothing]);
        }
        expect((await get('all', history(n(17)))).body.totalRecords).toBe(2);
      },
    );
  });

  describe('the lifecycle actions', () => {
    it.each<[string, string, number, string]>([
      [READY, 'moved to ReadyForRemoval', 3, 'ready-for-removal'],
      [CLEAR, 'returned to Active', 0, 'clear-removal-status'],
    ])('%s: reports the numbers of other tenants notFound and leaves them', async (path, done, to) => {
      const asked = [n(2), n(10), NEVER, n(14), n(7), n(13)];
      const response = await post('write1', path, { telephoneNumbers: asked });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: {
          processedCount: 6,
          successCount: 1,
          results: [
            { telephoneNumber: n(2), outcome: 'changed' },
            ...asked.slice(1).map((telephoneNumber) => ({ telephoneNumber, outcome: 'notFound' })),
          ],
        },
        status: 'success',
        succeeded: true,
        message: `1 of 6 numbers ${done}.`,
      });
      expect(await numbers()).toEqual({ ...initial(), [n(2)]: [OWN, to] });
      const two = await post('write2', path, { telephoneNumbers: [n(3), n(7), n(10), n(1)] });
      expect(two.body.data).toEqual({
        processedCount: 4,
        successCount: 2,
        results: [
          { telephoneNumber: n(3), outcome: 'changed' },
          { telephoneNumber: n(7), outcome: 'changed' },
          { telephoneNumber: n(10), outcome: 'notFound' },
          { telephoneNumber: n(1), outcome: 'wrongStatus', currentStatus: 0 },
        ],
      });
      expect(await numbers()).toEqual({ ...initial(), [n(2)]: [OWN, to], [n(3)]: [OWN, to], [n(7)]: [SECOND, to] });
    });

    it('remove: reports the numbers of other tenants notFound and keeps them', async () => {
      const asked = [n(4), n(11), n(15), NEVER, n(8)];
      const response = await post('write1', REMOVE, { telephoneNumbers: asked });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: {
          processedCount: 5,
          successCount: 1,
          results: [
            { telephoneNumber: n(4), outcome: 'changed' },
            ...asked.slice(1).map((telephoneNumber) => ({ telephoneNumber, outcome: 'notFound' })),
          ],
        },
        status: 'success',
        succeeded: true,
        message: '1 of 5 numbers removed.',
      });
      const { [n(4)]: _removed, ...rest } = initial();
      expect(await numbers()).toEqual(rest);
    });

    it.each<Who>(['write1', 'write2'])(
      'remove by tenant: refuses %s another tenant alike, whether it has numbers or not, and changes nothing',
      async (who) => {
        const other = forbidden(await post(who, REMOVE, { msTenantId: OTHER }));
        const nowhere = forbidden(await post(who, REMOVE, { msTenantId: NOWHERE.toUpperCase() }));
        expect(nowhere).toEqual(other);
        expect(await numbers()).toEqual(initial());
      },
    );

    it("remove by tenant: removes the caller's own tenant's ReadyForRemoval numbers", async () => {
      const response = await post('write2', REMOVE, { msTenantId: SECOND.toUpperCase() });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        processedCount: 3,
        successCount: 2,
        results: [
          { telephoneNumber: n(8), outcome: 'changed' },
          { telephoneNumber: n(9), outcome: 'changed' },
        ],
        omittedResultCount: 0,
      });
      const { [n(8)]: _8, [n(9)]: _9, ...rest } = initial();
      expect(await numbers()).toEqual(rest);
      forbidden(await post('write1', REMOVE, { msTenantId: SECOND }));
    });

    it('still answers a malformed body 400', async () => {
      expectProblem(await post('write1', REMOVE, { msTenantId: 'x' }), 400, 'INVALID_MS_TENANT_ID');
    });
  });

  describe('a limited caller whose token names no tenant', () => {
    it('sees nothing, counts nothing, changes nothing and is refused every tenant', async () => {
      const summary = await get('none', SUMMARY);
      expect([summary.status, summary.body]).toEqual([
        200,
        { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 },
      ]);
      const page = await get('none', LIST);
      expect([page.status, page.body]).toEqual([
        200,
        { currentPage: 1, pageSize: 100, totalPages: 0, totalRecords: 0, data: [] },
      ]);
      const csv = await get('none', LIST).set('accept', 'text/csv');
      expect([csv.status, csv.text.split('\r\n').length]).toEqual([200, 2]);
      const tenants = await get('none', TENANTS);
      expect(tenants.body).toEqual({ currentPage: 1, pageSize: 100, totalPages: 0, totalRecords: 0, data: [] });
      const entries = await get('none', history(n(2)));
      expect(entries.body).toMatchObject({ totalRecords: 0, data: [] });
      const action = await post('none', READY, { telephoneNumbers: [n(2), n(14)] });
      expect(action.body.data).toEqual({
        processedCount: 2,
        successCount: 0,
        results: [
          { telephoneNumber: n(2), outcome: 'notFound' },
          { telephoneNumber: n(14), outcome: 'notFound' },
        ],
      });
      for (const tenant of [OWN, NOWHERE]) {
        forbidden(await get('none', SUMMARY, { msTenantId: tenant }));
        forbidden(await get('none', LIST, { msTenantId: tenant }));
        forbidden(await post('none', REMOVE, { msTenantId: tenant }));
        forbidden(await post('none', `${reconcile(tenant)}?dryRun=true`, { acquiredNumbers: [] }));
      }
      expect(await numbers()).toEqual(initial());
    });
  });

  describe('POST /api/v3/oc/tenants/{msTenantId}/numbers/reconcile', () => {
    const list = (numbers: string[]) => ({ acquiredNumbers: numbers });

    it.each<Who>(['write1', 'write2'])(
      'refuses %s another tenant alike, before reading the list, whether it has numbers or not',
      async (who) => {
        const answers = await Promise.all([
          post(who, `${reconcile(OTHER)}?dryRun=true`, list([n(10)])),
          post(who, reconcile(OTHER), list([])),
          post(who, `${reconcile(NOWHERE)}?confirmMassRemoval=true`, list([n(1)])),
          post(who, reconcile(NOWHERE.toUpperCase()), { acquiredNumbers: 'not a list' }),
        ]);
        const [first, ...rest] = answers.map(forbidden);
        for (const other of rest) expect(other).toEqual(first);
        expect(await numbers()).toEqual(initial());
        expect(await sql('SELECT id FROM oc_numbers_reconciliations')).toEqual([]);
      },
    );

    it('answers a malformed tenant id 400', async () => {
      expectProblem(await post('write1', reconcile('x'), list([])), 400, 'INVALID_MS_TENANT_ID');
    });

    it.each([true, false])(
      'takes a number another tenant holds for one the inventory does not know, and leaves it (dry run: %s)',
      async (dryRun) => {
        const acquired = [n(1), n(2), n(3), n(4), n(5), n(6), n(10), n(12), NEVER];
        const response = await post('write1', `${reconcile(OWN)}?dryRun=${dryRun}`, list(acquired));
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          msTenantId: OWN,
          dryRun,
          acquiredCount: 9,
          activeCount: 2,
          markedCount: 0,
          restoredCount: 2,
          unchangedCount: 4,
          unknownCount: 3,
          marked: [],
          restored: [n(2), n(3)],
          unchanged: [n(1), n(4), n(5), n(6)],
          unknown: [n(10), n(12), NEVER],
        });
        // n(16), OWN's and MarkedForRemoval, is not listed: it stays marked.
        expect(await numbers()).toEqual(dryRun ? initial() : { ...initial(), [n(2)]: [OWN, 0], [n(3)]: [OWN, 0] });
      },
    );

    it("reconciles the second tenant of a two-tenant caller, and only that tenant's numbers", async () => {
      const response = await post('write2', `${reconcile(SECOND)}?confirmMassRemoval=true`, list([n(7), n(1)]));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ restoredCount: 1, unknownCount: 1, unknown: [n(1)] });
      expect(await numbers()).toEqual({ ...initial(), [n(7)]: [SECOND, 0] });
    });
  });
});
