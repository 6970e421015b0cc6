import { Contract, eventually, expectProblem, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import fc from 'fast-check';
import { get as httpGet } from 'node:http';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { countsOf } from './aborted-requests';
import { useApp } from './app-harness';

const LIST = '/api/v3/oc/numbers';
const TENANTS = '/api/v3/oc/numbers/removal-status/tenants';
const contract = new Contract();

const TENANT_IDS = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
] as const;

interface Row {
  telephoneNumber: string;
  msTenantId: string | null;
  removalStatus: number | null;
}

/**
 * Random inventory, reproducible: numbers in a few prefixes (so prefix filters select
 * something), every status and a missing one, three tenants and none.
 */
function inventory(seed: number, size: number): Row[] {
  const rows = fc.sample(
    fc.record({
      area: fc.constantFrom('+1425', '+1426', '+4420', '+1429', '+9999'),
      line: fc.integer({ min: 0, max: 9_999_999 }),
      msTenantId: fc.constantFrom<string | null>(...TENANT_IDS, null),
      removalStatus: fc.constantFrom<number | null>(0, 0, 0, 1, 2, 2, 3, null),
    }),
    { seed, numRuns: size },
  );
  const seen = new Set<string>();
  return rows
    .map((r) => ({
      telephoneNumber: `${r.area}${String(r.line).padStart(7, '0')}`,
      msTenantId: r.msTenantId,
      removalStatus: r.removalStatus,
    }))
    .filter((r) => !seen.has(r.telephoneNumber) && seen.add(r.telephoneNumber));
}

function placeholder(dataSource: DataSource) {
  return (i: number) => (dataSource.options.type === 'postgres' ? `$${i}` : '?');
}

async function insert(dataSource: DataSource, rows: readonly Row[]): Promise<void> {
  const p = placeholder(dataSource);
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    await dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ${chunk
        .map((_, j) => `(${p(3 * j + 1)}, ${p(3 * j + 2)}, ${p(3 * j + 3)})`)
        .join(', ')}`,
      chunk.flatMap((r) => [r.telephoneNumber, r.msTenantId, r.removalStatus]),
    );
  }
}

interface Filters {
  statuses?: number[];
  tenant?: string;
  prefix?: string;
}

function queryOf({ statuses, tenant, prefix }: Filters, extra: Record<string, string | number> = {}): string {
  const parts = [
    ...(statuses ?? []).map((s) => `acquiredNumberStatus=${s}`),
    ...(tenant === undefined ? [] : [`msTenantId=${tenant}`]),
    ...(prefix === undefined ? [] : [`telephoneNumberPrefix=${encodeURIComponent(prefix)}`]),
    ...Object.entries(extra).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`),
  ];
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** The numbers that match, by a plain SELECT independent of the service, in number order. */
async function matching(dataSource: DataSource, f: Filters): Promise<string[]> {
  const p = placeholder(dataSource);
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.statuses) where.push(`COALESCE(removal_status, 0) IN (${f.statuses.join(', ') || '-1'})`);
  if (f.tenant) {
    params.push(f.tenant.toLowerCase());
    where.push(`ms_tenant_id = ${p(params.length)}`);
  }
  if (f.prefix) {
    params.push(`${f.prefix}%`);
    where.push(`telephone_number LIKE ${p(params.length)}`);
  }
  const rows = (await dataSource.query(
    `SELECT telephone_number FROM oc_numbers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    params,
  )) as Array<{ telephone_number: string }>;
  // Sorted here, by code point, not by the database's collation.
  return rows.map((r) => r.telephone_number).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function countOf(dataSource: DataSource, f: Filters): Promise<number> {
  return (await matching(dataSource, f)).length;
}

describe.each(TEST_DATABASE_KINDS)('on %s', (kind) => {
  const running = useApp(kind, { rateLimit: { enabled: false, max: 600, windowMs: 60_000 } });

  async function get(path: string, query = '', headers: Record<string, string> = {}) {
    const response = await request(running().server).get(`${path}${query}`).set(headers);
    const csv = String(response.headers['content-type'] ?? '').startsWith('text/csv');
    expect(contract.check('get', path, csv ? { ...response, body: response.text } : response)).toEqual([]);
    return response;
  }

  /** Every page of a cursor walk, in order. */
  async function walk(f: Filters, pageSize: number, between?: (page: number) => Promise<void>) {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const response = await get(LIST, queryOf(f, { pageSize, ...(cursor ? { cursor } : {}) }));
      expect(response.status).toBe(200);
      expect(response.body.currentPage).toBe(page);
      seen.push(...response.body.data.map((n: { telephoneNumber: string }) => n.telephoneNumber));
      cursor = response.body.nextCursor;
      if (cursor === undefined) return seen;
      await between?.(page);
    }
  }

  describe(`GET ${LIST}`, () => {
    const rows = inventory(20261128, 300);
    beforeAll(() => insert(running().dataSource, rows));

    const filters: Filters[] = [
      {},
      { statuses: [0] },
      { statuses: [2, 3] },
      { statuses: [1] },
      { statuses: [0, 3] },
      { statuses: [0, 1, 2, 3] },
      { tenant: TENANT_IDS[0] },
      { tenant: TENANT_IDS[1].toUpperCase(), statuses: [2] },
      { tenant: TENANT_IDS[2], statuses: [0, 1] },
      { prefix: '+1425' },
      { prefix: '+142', statuses: [3] },
      { prefix: '+1429', tenant: TENANT_IDS[0] },
      { prefix: '+99' },
      { prefix: '+9999', statuses: [0] },
      { prefix: '+7' },
      { tenant: 'deadbeef-dead-beef-dead-beefdeadbeef' },
    ];

    it.each(filters.map((f) => [JSON.stringify(f), f] as const))(
      'walks %s by cursor: every match once, in order, totalRecords a plain COUNT',
      async (_name, f) => {
        const expected = await matching(running().dataSource, f);
        expect(await walk(f, 7)).toEqual(expected);
        const first = await get(LIST, queryOf(f, { pageSize: 7 }));
        expect(first.body).toMatchObject({
          currentPage: 1,
          pageSize: 7,
          totalRecords: expected.length,
          totalPages: Math.ceil(expected.length / 7),
        });
      },
    );

    it('answers totalRecords equal to a plain COUNT for random filter combinations', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            statuses: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), {
              nil: undefined,
            }),
            tenant: fc.option(fc.constantFrom(...TENANT_IDS), { nil: undefined }),
            prefix: fc.option(fc.constantFrom('+1', '+14', '+1425', '+4420', '+9'), { nil: undefined }),
          }),
          async (f) => {
            const response = await get(LIST, queryOf(f, { pageSize: 1000 }));
            const expected = await matching(running().dataSource, f);
            expect(response.body.totalRecords).toBe(expected.length);
            expect(response.body.data.map((n: { telephoneNumber: string }) => n.telephoneNumber)).toEqual(expected);
          },
        ),
        { seed: 7, numRuns: 40 },
      );
    });

    it('answers numbered pages as slices of the order, items with every field', async () => {
      const all = await matching(running().dataSource, {});
      const response = await get(LIST, '?page=3&pageSize=11');
      expect(response.status).toBe(200);
      expect(response.body.data.map((n: { telephoneNumber: string }) => n.telephoneNumber)).toEqual(all.slice(22, 33));
      const byNumber = new Map(rows.map((r) => [r.telephoneNumber, r]));
      for (const item of response.body.data) {
        const row = byNumber.get(item.telephoneNumber) as Row;
        expect(item).toEqual({
          telephoneNumber: row.telephoneNumber,
          msTenantId: row.msTenantId,
          acquiredNumberStatus: row.removalStatus ?? 0,
          removalStatusChangedAt: null,
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        });
      }
      // Its cursor leads on to page 4.
      const next = await get(LIST, `?pageSize=11&cursor=${response.body.nextCursor}`);
      expect(next.body.currentPage).toBe(4);
      expect(next.body.data.map((n: { telephoneNumber: string }) => n.telephoneNumber)).toEqual(all.slice(33, 44));
      // A page past the end is empty, with the totals.
      const past = await get(LIST, '?page=1000&pageSize=11');
      expect(past.body).toEqual({
        currentPage: 1000,
        pageSize: 11,
        totalPages: Math.ceil(all.length / 11),
        totalRecords: all.length,
        data: [],
      });
    });

    it('answers 100 numbers a page by default', async () => {
      const response = await get(LIST);
      expect(response.body.pageSize).toBe(100);
      expect(response.body.data).toHaveLength(100);
    });

    it('exports the same numbers as CSV as the JSON walk, with a header line', async () => {
      for (const f of [{}, { statuses: [2, 3] }, { tenant: TENANT_IDS[1], prefix: '+1' }] as Filters[]) {
        const response = await get(LIST, queryOf(f), { accept: 'text/csv' });
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
        const lines = response.text.split('\r\n');
        expect(lines.shift()).toBe('telephoneNumber,msTenantId,acquiredNumberStatus,removalStatusChangedAt,createdAt');
        expect(lines.pop()).toBe('');
        const json: Array<Record<string, unknown>> = [];
        let cursor: string | undefined;
        do {
          const page = await get(LIST, queryOf(f, { pageSize: 50, ...(cursor ? { cursor } : {}) }));
          json.push(...page.body.data);
          cursor = page.body.nextCursor;
        } while (cursor);
        expect(lines).toEqual(
          json.map(
            (n) =>
              `${n.telephoneNumber},${n.msTenantId ?? ''},${n.acquiredNumberStatus},${n.removalStatusChangedAt ?? ''},${n.createdAt}`,
          ),
        );
      }
    });

    it('chooses JSON or CSV by Accept, JSON when both are equal', async () => {
      for (const [accept, type] of [
        ['application/json', 'application/json'],
        ['*/*', 'application/json'],
        ['text/csv;q=0.9, application/json', 'application/json'],
        ['application/json;q=0.5, text/csv', 'text/csv'],
        ['text/*', 'text/csv'],
      ]) {
        const response = await get(LIST, '?pageSize=1', { accept });
        if (type === 'text/csv') {
          // The export takes no pageSize.
          expect(response.status).toBe(400);
        } else {
          expect(response.headers['content-type']).toMatch(/^application\/json/);
        }
      }
      expect((await get(LIST, '', { accept: 'text/*' })).headers['content-type']).toBe('text/csv; charset=utf-8');
    });

    it('answers 406 to an Accept that names neither JSON nor CSV', async () => {
      const response = await get(LIST, '', { accept: 'application/xml' });
      expectProblem(response, 406, 'NOT_ACCEPTABLE', {
        detail: 'The list answers with application/json or text/csv; Accept named neither.',
        instance: LIST,
      });
    });

    it.each([
      [
        '?acquiredNumberStatus=4',
        'INVALID_ACQUIRED_NUMBER_STATUS',
        'acquiredNumberStatus must be an integer from 0 to 3 (got "4").',
      ],
      [
        '?acquiredNumberStatus=',
        'INVALID_ACQUIRED_NUMBER_STATUS',
        'acquiredNumberStatus must be an integer from 0 to 3 (got "").',
      ],
      [
        '?acquiredNumberStatus=1&acquiredNumberStatus=x',
        'INVALID_ACQUIRED_NUMBER_STATUS',
        'acquiredNumberStatus must be an integer from 0 to 3 (got "x").',
      ],
      [
        '?acquiredNumberStatus=01',
        'INVALID_ACQUIRED_NUMBER_STATUS',
        'acquiredNumberStatus must be an integer from 0 to 3 (got "01").',
      ],
      ['?msTenantId=nope', 'INVALID_MS_TENANT_ID', undefined],
      [
        `?msTenantId=${TENANT_IDS[0]}&msTenantId=${TENANT_IDS[1]}`,
        'INVALID_MS_TENANT_ID',
        'msTenantId must be given at most once.',
      ],
      ['?telephoneNumberPrefix=1425', 'INVALID_TELEPHONE_NUMBER_PREFIX', undefined],
      ['?telephoneNumberPrefix=%2B0', 'INVALID_TELEPHONE_NUMBER_PREFIX', undefined],
      ['?telephoneNumberPrefix=%2B', 'INVALID_TELEPHONE_NUMBER_PREFIX', undefined],
      ['?telephoneNumberPrefix=%2B1234567890123456', 'INVALID_TELEPHONE_NUMBER_PREFIX', undefined],
      ['?page=0', 'INVALID_PAGE', 'page must be an integer from 1 to 100001 (got "0").'],
      ['?page=1.5', 'INVALID_PAGE', 'page must be an integer from 1 to 100001 (got "1.5").'],
      ['?page=-1', 'INVALID_PAGE', undefined],
      ['?page=abc', 'INVALID_PAGE', undefined],
      ['?page=1&page=2', 'INVALID_PAGE', 'page must be given at most once.'],
      ['?page=1002', 'INVALID_PAGE', undefined],
      ['?page=200&pageSize=1000', 'INVALID_PAGE', undefined],
      ['?pageSize=0', 'INVALID_PAGE_SIZE', 'pageSize must be an integer from 1 to 1000 (got "0").'],
      ['?pageSize=1001', 'INVALID_PAGE_SIZE', 'pageSize must be an integer from 1 to 1000 (got "1001").'],
      ['?pageSize=1e2', 'INVALID_PAGE_SIZE', undefined],
      ['?cursor=not-a-cursor', 'INVALID_CURSOR', undefined],
      ['?cursor=%24%24', 'INVALID_CURSOR', undefined],
    ])('answers %s with a 400 %s', async (query, code, detail) => {
      const response = await get(LIST, query);
      const body = expectProblem(response, 400, code, { instance: LIST, ...(detail ? { detail } : {}) });
      expect(body.detail).toMatch(/^(acquiredNumberStatus|msTenantId|telephoneNumberPrefix|page|pageSize|cursor) /);
    });

    it('refuses a cursor with page, with other filters, altered, or made up', async () => {
      const first = await get(LIST, '?acquiredNumberStatus=0&pageSize=5');
      const cursor: string = first.body.nextCursor;
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expectProblem(await get(LIST, `?acquiredNumberStatus=0&cursor=${cursor}&page=2`), 400, 'INVALID_CURSOR', {
        detail: 'cursor cannot be combined with page: a cursor names its own page.',
      });
      for (const other of ['?acquiredNumberStatus=1', '', `?acquiredNumberStatus=0&msTenantId=${TENANT_IDS[0]}`]) {
        expectProblem(await get(LIST, `${other}${other ? '&' : '?'}cursor=${cursor}`), 400, 'INVALID_CURSOR', {
          detail:
            'cursor was made for other filters; send the filters of the walk it belongs to, or start again without it.',
        });
      }
      // The same filters in another order and letter case are the same filters.
      expect((await get(LIST, `?acquiredNumberStatus=0&acquiredNumberStatus=0&cursor=${cursor}`)).status).toBe(200);
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      const forged = Buffer.from(decoded.replace(/\+\d+/, '+19999999999'), 'utf8').toString('base64url');
      const made = Buffer.from('v1.+14255550100.2.abc.def', 'utf8').toString('base64url');
      for (const bad of [forged, made, cursor.slice(0, -2), `${cursor}A`]) {
        expectProblem(await get(LIST, `?acquiredNumberStatus=0&cursor=${bad}`), 400, 'INVALID_CURSOR', {
          detail:
            'cursor is not a cursor this service made; pass the nextCursor of a previous page unchanged, or omit it.',
        });
      }
    });

    it('refuses paging parameters with the CSV export', async () => {
      for (const [query, code] of [
        ['?page=1', 'INVALID_PAGE'],
        ['?pageSize=10', 'INVALID_PAGE_SIZE'],
        ['?cursor=abc', 'INVALID_CURSOR'],
        ['?acquiredNumberStatus=9', 'INVALID_ACQUIRED_NUMBER_STATUS'],
      ]) {
        expectProblem(await get(LIST, query, { accept: 'text/csv' }), 400, code);
      }
    });
  });

  describe('a cursor walk while rows change', () => {
    it('never skips or repeats a number that existed and matched throughout', async () => {
      const { dataSource } = running();
      const p = placeholder(dataSource);
      await dataSource.query('DELETE FROM oc_numbers');
      const base = inventory(99, 400);
      await insert(dataSource, base);
      const f: Filters = { statuses: [0, 2] };
      const stable = new Set(await matching(dataSource, f));
      const changing = new Set<string>();
      let next = 0;
      const seen = await walk(f, 13, async (page) => {
        // Between pages: insert numbers before and after the position, delete some, move some
        // in and out of the filter. Each touched number is no longer "matched throughout".
        const fresh = inventory(1000 + page, 6).map((r) => ({
          ...r,
          telephoneNumber: `+1555${String(next++).padStart(7, '0')}`,
        }));
        await insert(dataSource, fresh);
        for (const r of fresh) changing.add(r.telephoneNumber);
        const victims = [...stable]
          .filter((n) => !changing.has(n))
          .filter((_, i) => (i * 7 + page) % 23 === 0)
          .slice(0, 3);
        for (const [i, n] of victims.entries()) {
          changing.add(n);
          if (i === 0) await dataSource.query(`DELETE FROM oc_numbers WHERE telephone_number = ${p(1)}`, [n]);
          else
            await dataSource.query(
              `UPDATE oc_numbers SET removal_status = ${i === 1 ? 1 : 3} WHERE telephone_number = ${p(1)}`,
              [n],
            );
        }
        // And one that does not match now enters the filter.
        const outsider = base.find(
          (r) => (r.removalStatus === 1 || r.removalStatus === 3) && !changing.has(r.telephoneNumber),
        );
        if (outsider) {
          changing.add(outsider.telephoneNumber);
          await dataSource.query(`UPDATE oc_numbers SET removal_status = 2 WHERE telephone_number = ${p(1)}`, [
            outsider.telephoneNumber,
          ]);
        }
      });
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(seen);
      const throughout = [...stable].filter((n) => !changing.has(n));
      const seenSet = new Set(seen);
      expect(throughout.filter((n) => !seenSet.has(n))).toEqual([]);
      expect(throughout.length).toBeGreaterThan(100);
      // And the totals follow the changes exactly.
      const response = await get(LIST, queryOf(f));
      expect(response.body.totalRecords).toBe(await countOf(dataSource, f));
    });
  });

  describe('the CSV export when a read fails after the first line', () => {
    it('cuts the transfer instead of ending it as if whole', async () => {
      const { dataSource, baseUrl } = running();
      await dataSource.query('DELETE FROM oc_numbers');
      // More than the loopback connection's buffers hold (several MB), so the export is still being read
      // when the client pauses.
      const many = Array.from({ length: 150_000 }, (_, i) => ({
        telephoneNumber: `+1888${String(i).padStart(7, '0')}`,
        msTenantId: null,
        removalStatus: 0,
      }));
      await insert(dataSource, many);
      const before = await countsOf(running().server, LIST, 'GET');
      const outcome = await new Promise<{ status: number; lines: number; ended: boolean; aborted: boolean }>(
        (resolve, reject) => {
          httpGet(`${baseUrl}${LIST}`, { headers: { accept: 'text/csv' } }, (response) => {
            let text = '';
            let paused = false;
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
              if (paused) return;
              // The client stops reading; the service stops reading ahead (backpressure). Then
              // the table goes away under it, and the client reads on.
              paused = true;
              response.pause();
              void dataSource
                .query('ALTER TABLE oc_numbers RENAME TO oc_numbers_away')
                .then(() => response.resume(), reject);
            });
            const done = (ended: boolean, aborted: boolean) =>
              resolve({ status: response.statusCode ?? 0, lines: text.split('\r\n').length - 1, ended, aborted });
            response.on('end', () => done(!response.aborted && response.complete, false));
            response.on('aborted', () => done(false, true));
            response.on('error', () => done(false, true));
          }).on('error', reject);
        },
      );
      await dataSource.query('ALTER TABLE oc_numbers_away RENAME TO oc_numbers');
      expect(outcome.status).toBe(200);
      expect(outcome.ended).toBe(false);
      expect(outcome.lines).toBeGreaterThan(0);
      expect(outcome.lines).toBeLessThan(many.length + 1);
      // Counted as a request whose answer was cut, not as one answered.
      await eventually(
        'the count of the cut export',
        async () => (await countsOf(running().server, LIST, 'GET')).aborted > before.aborted,
      );
      expect(await countsOf(running().server, LIST, 'GET')).toEqual({
        answered: before.answered,
        aborted: before.aborted + 1,
      });
    }, 90_000);
  });

  describe(`GET ${TENANTS}`, () => {
    it('lists tenants by numbers in removal, ties by id, with counts and the last reconciliation', async () => {
      const { dataSource } = running();
      const p = placeholder(dataSource);
      await dataSource.query('DELETE FROM oc_numbers');
      const tenant = (i: number) => `0000000${i}-0000-4000-8000-000000000000`;
      const rows: Row[] = [];
      let n = 0;
      const add = (t: string | null, status: number | null, count: number) => {
        for (let i = 0; i < count; i++)
          rows.push({ telephoneNumber: `+1777${String(n++).padStart(7, '0')}`, msTenantId: t, removalStatus: status });
      };
      add(tenant(1), 2, 2); // 2 in removal
      add(tenant(2), 2, 3);
      add(tenant(2), 3, 2); // 5
      add(tenant(3), 3, 2); // 2, ties with tenant 1
      add(tenant(3), 0, 4);
      add(tenant(4), 0, 3); // 0
      add(tenant(5), 1, 1); // 0
      add(tenant(5), null, 1);
      add(null, 2, 5); // no tenant: in no entry
      await insert(dataSource, rows);
      // A tenant whose numbers are all gone is not listed.
      add(tenant(6), 2, 1);
      await insert(dataSource, rows.slice(-1));
      await dataSource.query(`DELETE FROM oc_numbers WHERE ms_tenant_id = ${p(1)}`, [tenant(6)]);
      const pg = dataSource.options.type === 'postgres';
      const at = (iso: string) => (pg ? iso : iso.replace('T', ' ').replace('Z', ''));
      for (const [id, finished] of [
        ['a0000000-0000-4000-8000-000000000001', '2026-11-20T10:00:00.000Z'],
        ['a0000000-0000-4000-8000-000000000002', '2026-11-27T06:00:04.512Z'],
      ]) {
        await dataSource.query(
          `INSERT INTO oc_numbers_reconciliations (id, ms_tenant_id, started_at, finished_at, acquired_count,
             marked_count, restored_count, unchanged_count, unknown_count)
           VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 0, 0, 0, 0, 0)`,
          [id, tenant(2), at(finished), at(finished)],
        );
      }
      const entry = (i: number, marked: number, ready: number, last: string | null = null) => ({
        msTenantId: tenant(i),
        markedForRemovalCount: marked,
        readyForRemovalCount: ready,
        totalCount: marked + ready,
        lastReconciledAt: last,
      });
      const all = [
        entry(2, 3, 2, '2026-11-27T06:00:04.512Z'),
        entry(1, 2, 0),
        entry(3, 0, 2),
        entry(4, 0, 0),
        entry(5, 0, 0),
      ];
      const response = await get(TENANTS);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ currentPage: 1, pageSize: 100, totalPages: 1, totalRecords: 5, data: all });
      const second = await get(TENANTS, '?page=2&pageSize=2');
      expect(second.body).toEqual({
        currentPage: 2,
        pageSize: 2,
        totalPages: 3,
        totalRecords: 5,
        data: all.slice(2, 4),
      });
      const past = await get(TENANTS, '?page=9&pageSize=2');
      expect(past.body).toEqual({ currentPage: 9, pageSize: 2, totalPages: 3, totalRecords: 5, data: [] });
      // Each entry agrees with the summary of its tenant.
      for (const e of all) {
        const summary = await request(running().server).get(
          `/api/v3/oc/numbers/removal-status/summary?msTenantId=${e.msTenantId}`,
        );
        expect(summary.body).toEqual({
          markedForRemovalCount: e.markedForRemovalCount,
          readyForRemovalCount: e.readyForRemovalCount,
          totalCount: e.totalCount,
        });
      }
    });

    it.each([
      ['?page=0', 'INVALID_PAGE'],
      ['?page=100001', 'INVALID_PAGE'],
      ['?page=x', 'INVALID_PAGE'],
      ['?pageSize=5000', 'INVALID_PAGE_SIZE'],
      ['?pageSize=1&pageSize=2', 'INVALID_PAGE_SIZE'],
    ])('answers %s with a 400 %s', async (query, code) => {
      expectProblem(await get(TENANTS, query), 400, code, { instance: TENANTS });
    });
  });
});

describe('the PostgreSQL connections', () => {
  const running = useApp('postgres');

  it('compile no code for a statement (a page would pay the compilation on every execution)', async () => {
    const [setting] = (await running().dataSource.query('SHOW jit')) as Array<{ jit: string }>;
    expect(setting.jit).toBe('off');
  });
});
