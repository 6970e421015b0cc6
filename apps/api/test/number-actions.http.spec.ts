import { Contract, expectProblem, insertNumbers, TEST_DATABASE_KINDS, withSql } from '@oc-numbers/testing';
import request from 'supertest';
import { useApp } from './app-harness';

/**
 * The lifecycle's actions over HTTP, on both databases: each rule, each per-number outcome,
 * repeats, the status history they leave, and every kind of bad input, which changes nothing.
 */
const contract = new Contract();
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR = '/api/v3/oc/action/clear-removal-status';
const REMOVE = '/api/v3/oc/numbers/action/remove';
const HISTORY = '/api/v3/oc/numbers/{telephoneNumber}/history';
const T1 = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const T2 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const CALLER = 'ip:127.0.0.1';

/** +1425555 and four digits: a number of the tests. */
const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;

describe.each(TEST_DATABASE_KINDS)('the lifecycle actions on %s', (kind) => {
  const running = useApp(kind);
  const sql = <T = Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    withSql(running().database, (query) => query(text, params)) as Promise<T[]>;

  beforeEach(async () => {
    await sql('DELETE FROM oc_numbers');
    await sql('DELETE FROM oc_numbers_status_history');
    await insertNumbers(running().database, [
      { telephoneNumber: n(1), msTenantId: T1, removalStatus: 2 },
      { telephoneNumber: n(2), msTenantId: T1, removalStatus: 2 },
      { telephoneNumber: n(3), msTenantId: T1, removalStatus: 3 },
      { telephoneNumber: n(4), msTenantId: T1, removalStatus: 0 },
      { telephoneNumber: n(5), msTenantId: T1, removalStatus: 1 },
      { telephoneNumber: n(6), msTenantId: T2, removalStatus: 3 },
      { telephoneNumber: n(7), msTenantId: T2, removalStatus: null },
      { telephoneNumber: n(8), msTenantId: null, removalStatus: 3 },
    ]);
  });

  const post = (path: string, body: unknown) =>
    request(running().server)
      .post(path)
      .send(body as object);

  async function statuses(): Promise<Record<string, number | null>> {
    const rows = await sql<{ telephone_number: string; removal_status: number | null }>(
      'SELECT telephone_number, removal_status FROM oc_numbers ORDER BY telephone_number',
    );
    return Object.fromEntries(
      rows.map((r) => [r.telephone_number, r.removal_status === null ? null : Number(r.removal_status)]),
    );
  }

  async function serviceHistory(): Promise<Array<[string, number | null, number | null, string, string | null]>> {
    const rows = await sql<Record<string, unknown>>(
      "SELECT telephone_number, old_status, new_status, operation, caller FROM oc_numbers_status_history WHERE operation <> 'sql' ORDER BY id",
    );
    return rows.map((r) => [
      String(r.telephone_number),
      r.old_status === null ? null : Number(r.old_status),
      r.new_status === null ? null : Number(r.new_status),
      String(r.operation),
      (r.caller as string | null) ?? null,
    ]);
  }

  describe('POST ready-for-removal', () => {
    it('moves MarkedForRemoval numbers only, one outcome per number, and records each change', async () => {
      const response = await post(READY, { telephoneNumbers: [n(1), n(3), n(4), n(9), n(2), n(5)] });
      expect(contract.check('post', READY, response)).toEqual([]);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        data: {
          processedCount: 6,
          successCount: 2,
          results: [
            { telephoneNumber: n(1), outcome: 'changed' },
            { telephoneNumber: n(3), outcome: 'wrongStatus', currentStatus: 3 },
            { telephoneNumber: n(4), outcome: 'wrongStatus', currentStatus: 0 },
            { telephoneNumber: n(9), outcome: 'notFound' },
            { telephoneNumber: n(2), outcome: 'changed' },
            { telephoneNumber: n(5), outcome: 'wrongStatus', currentStatus: 1 },
          ],
        },
        status: 'success',
        succeeded: true,
        message: '2 of 6 numbers moved to ReadyForRemoval.',
      });
      expect(await statuses()).toMatchObject({ [n(1)]: 3, [n(2)]: 3, [n(3)]: 3, [n(4)]: 0, [n(5)]: 1 });
      expect(await serviceHistory()).toEqual([
        [n(1), 2, 3, 'ready-for-removal', CALLER],
        [n(2), 2, 3, 'ready-for-removal', CALLER],
      ]);
      const [row] = await sql<{ changed: unknown }>(
        'SELECT removal_status_changed_at AS changed FROM oc_numbers WHERE telephone_number = ?',
        [n(1)],
      );
      expect(row.changed).not.toBeNull();
    });

    it('is harmless to repeat: the second time the numbers are ReadyForRemoval and nothing changes', async () => {
      await post(READY, { telephoneNumbers: [n(1)] });
      const before = [await statuses(), await serviceHistory()];
      const response = await post(READY, { telephoneNumbers: [n(1)] });
      expect(response.body).toMatchObject({
        data: {
          processedCount: 1,
          successCount: 0,
          results: [{ telephoneNumber: n(1), outcome: 'wrongStatus', currentStatus: 3 }],
        },
        message: '0 of 1 number moved to ReadyForRemoval.',
      });
      expect([await statuses(), await serviceHistory()]).toEqual(before);
    });
  });

  it("leaves no context on the service's pooled connections: its next plain writes are recorded as sql", async () => {
    await post(READY, { telephoneNumbers: [n(1)] });
    // The pool hands out the connection it got back last: the one the action used.
    for (const status of [2, 3]) {
      await running().dataSource.query(
        `UPDATE oc_numbers SET removal_status = ${status} WHERE telephone_number = '${n(1)}'`,
      );
    }
    const rows = await sql<{ operation: string; caller: string | null }>(
      'SELECT operation, caller FROM oc_numbers_status_history WHERE telephone_number = ? ORDER BY id',
      [n(1)],
    );
    expect(rows.map((row) => row.operation)).toEqual(['sql', 'ready-for-removal', 'sql', 'sql']);
    expect(rows[1].caller).toBe(CALLER);
    expect(rows[3].caller).not.toBe(CALLER);
  });

  it('serves concurrent actions, each in its own transaction', async () => {
    const responses = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) => [
        post(READY, { telephoneNumbers: [n(i)] }),
        post(CLEAR, { telephoneNumbers: [n(i)] }),
        request(running().server).get(`/api/v3/oc/numbers/${n(i)}/history`),
      ]),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    // n(1) and n(2) were MarkedForRemoval: one of the two actions took each of them.
    const [first, second] = [1, 2].map((i) =>
      responses.filter((r, at) => at % 3 < 2 && r.body.data.results[0].telephoneNumber === n(i)),
    );
    for (const pair of [first, second]) {
      expect(pair.map((r) => r.body.data.successCount).sort()).toEqual([0, 1]);
    }
  });

  describe('POST clear-removal-status', () => {
    it('returns MarkedForRemoval numbers to Active; ReadyForRemoval cannot be cleared', async () => {
      const response = await post(CLEAR, { telephoneNumbers: [n(3), n(1), n(7), n(9)] });
      expect(contract.check('post', CLEAR, response)).toEqual([]);
      expect(response.body).toEqual({
        data: {
          processedCount: 4,
          successCount: 1,
          results: [
            { telephoneNumber: n(3), outcome: 'wrongStatus', currentStatus: 3 },
            { telephoneNumber: n(1), outcome: 'changed' },
            // A missing status is Active.
            { telephoneNumber: n(7), outcome: 'wrongStatus', currentStatus: 0 },
            { telephoneNumber: n(9), outcome: 'notFound' },
          ],
        },
        status: 'success',
        succeeded: true,
        message: '1 of 4 numbers returned to Active.',
      });
      expect(await statuses()).toMatchObject({ [n(1)]: 0, [n(3)]: 3, [n(7)]: null });
      expect(await serviceHistory()).toEqual([[n(1), 2, 0, 'clear-removal-status', CALLER]]);
      const again = await post(CLEAR, { telephoneNumbers: [n(1)] });
      expect(again.body.data.results).toEqual([{ telephoneNumber: n(1), outcome: 'wrongStatus', currentStatus: 0 }]);
    });
  });

  describe('POST remove', () => {
    it('removes ReadyForRemoval numbers by list and refuses the others per number; the history stays', async () => {
      const response = await post(REMOVE, { telephoneNumbers: [n(3), n(1), n(9), n(8)] });
      expect(contract.check('post', REMOVE, response)).toEqual([]);
      expect(response.body).toEqual({
        data: {
          processedCount: 4,
          successCount: 2,
          results: [
            { telephoneNumber: n(3), outcome: 'changed' },
            { telephoneNumber: n(1), outcome: 'wrongStatus', currentStatus: 2 },
            { telephoneNumber: n(9), outcome: 'notFound' },
            { telephoneNumber: n(8), outcome: 'changed' },
          ],
        },
        status: 'success',
        succeeded: true,
        message: '2 of 4 numbers removed.',
      });
      expect(Object.keys(await statuses())).not.toContain(n(3));
      expect(await serviceHistory()).toEqual([
        [n(3), 3, null, 'remove', CALLER],
        [n(8), 3, null, 'remove', CALLER],
      ]);
      const again = await post(REMOVE, { telephoneNumbers: [n(3)] });
      expect(again.body.data).toEqual({
        processedCount: 1,
        successCount: 0,
        results: [{ telephoneNumber: n(3), outcome: 'notFound' }],
      });

      const history = await request(running().server).get(`/api/v3/oc/numbers/${encodeURIComponent(n(3))}/history`);
      expect(contract.check('get', HISTORY, history)).toEqual([]);
      expect(history.body).toMatchObject({ currentPage: 1, pageSize: 50, totalPages: 1, totalRecords: 2 });
      expect(
        history.body.data.map((e: { oldStatus: unknown; newStatus: unknown; operation: string }) => [
          e.oldStatus,
          e.newStatus,
          e.operation,
        ]),
      ).toEqual([
        [3, null, 'remove'],
        [null, 3, 'sql'],
      ]);
    });

    it("removes every ReadyForRemoval number of a tenant, any letter case, counting the tenant's numbers", async () => {
      const response = await post(REMOVE, { msTenantId: T1.toUpperCase() });
      expect(contract.check('post', REMOVE, response)).toEqual([]);
      expect(response.body).toEqual({
        data: {
          processedCount: 5,
          successCount: 1,
          results: [{ telephoneNumber: n(3), outcome: 'changed' }],
          omittedResultCount: 0,
        },
        status: 'success',
        succeeded: true,
        message: "1 of the tenant's 5 numbers removed (those ReadyForRemoval).",
      });
      expect(Object.keys(await statuses())).toEqual([n(1), n(2), n(4), n(5), n(6), n(7), n(8)]);
      const again = await post(REMOVE, { msTenantId: T1 });
      expect(again.body.data).toEqual({ processedCount: 4, successCount: 0, results: [], omittedResultCount: 0 });
    });

    it('lists at most 1000 removed numbers of a tenant, and counts them all', async () => {
      await insertNumbers(
        running().database,
        Array.from({ length: 1003 }, (_, i) => ({
          telephoneNumber: `+1999${String(i).padStart(7, '0')}`,
          msTenantId: T2,
          removalStatus: 3,
        })),
      );
      const response = await post(REMOVE, { msTenantId: T2 });
      expect(response.status).toBe(200);
      expect(contract.check('post', REMOVE, response)).toEqual([]);
      expect(response.body.data).toMatchObject({ processedCount: 1005, successCount: 1004, omittedResultCount: 4 });
      expect(response.body.data.results).toHaveLength(1000);
      expect(response.body.data.results[0]).toEqual({ telephoneNumber: n(6), outcome: 'changed' });
      expect(response.body.data.results[1]).toEqual({ telephoneNumber: '+19990000000', outcome: 'changed' });
    });
  });

  describe('bad input changes nothing and is a problem that says what is wrong', () => {
    const numbers = (count: number) => Array.from({ length: count }, (_, i) => `+1888${String(i).padStart(7, '0')}`);
    const cases: ReadonlyArray<[string, string, (r: request.Test) => request.Test, number, string, string?]> = [
      [
        'not JSON',
        READY,
        (r) => r.set('content-type', 'application/json').send('{"telephoneNumbers": ['),
        400,
        'INVALID_REQUEST_BODY',
        'The body is not valid JSON.',
      ],
      [
        'an empty JSON body',
        CLEAR,
        (r) => r.set('content-type', 'application/json').send(''),
        400,
        'INVALID_REQUEST_BODY',
        'The body is empty; send a JSON object.',
      ],
      ['no body at all', REMOVE, (r) => r, 400, 'INVALID_REQUEST_BODY'],
      [
        'text/plain',
        READY,
        (r) => r.set('content-type', 'text/plain').send('+14255550001'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'The body must be application/json (got text/plain).',
      ],
      [
        'a type nothing reads',
        CLEAR,
        (r) => r.set('content-type', 'application/xml').send('<a/>'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['a JSON array', READY, (r) => r.send([n(1)]), 400, 'INVALID_REQUEST_BODY'],
      ['null', READY, (r) => r.set('content-type', 'application/json').send('null'), 400, 'INVALID_REQUEST_BODY'],
      ['no telephoneNumbers', READY, (r) => r.send({}), 400, 'INVALID_REQUEST_BODY'],
      [
        'telephoneNumbers not an array',
        CLEAR,
        (r) => r.send({ telephoneNumbers: n(1) }),
        400,
        'INVALID_REQUEST_BODY',
        'telephoneNumbers must be an array of 1 to 500 E.164 numbers.',
      ],
      [
        'no entries',
        READY,
        (r) => r.send({ telephoneNumbers: [] }),
        400,
        'INVALID_REQUEST_BODY',
        'telephoneNumbers must hold 1 to 500 numbers (got 0).',
      ],
      [
        '501 entries',
        READY,
        (r) => r.send({ telephoneNumbers: numbers(501) }),
        400,
        'INVALID_REQUEST_BODY',
        'telephoneNumbers must hold 1 to 500 numbers (got 501).',
      ],
      [
        'an unknown field',
        READY,
        (r) => r.send({ telephoneNumbers: [n(1)], dryRun: true }),
        400,
        'INVALID_REQUEST_BODY',
        'The body has a field the operation does not know: "dryRun"; it takes telephoneNumbers only.',
      ],
      [
        'entries not strings, not E.164, repeated',
        READY,
        (r) => r.send({ telephoneNumbers: [n(1), 14255550002, '4255550003', n(1), null, '+1 425 555 0004'] }),
        400,
        'INVALID_TELEPHONE_NUMBERS',
        '5 entries of telephoneNumbers cannot be used: [1] 14255550002 is not a string; [2] "4255550003" is not E.164; ' +
          '[3] "+14255550001" is a duplicate; [4] null is not a string; [5] "+1 425 555 0004" is not E.164.',
      ],
      [
        'both forms of removal',
        REMOVE,
        (r) => r.send({ telephoneNumbers: [n(3)], msTenantId: T1 }),
        400,
        'INVALID_REQUEST_BODY',
        'The body must have telephoneNumbers or msTenantId, not both.',
      ],
      ['a tenant that is not a GUID', REMOVE, (r) => r.send({ msTenantId: 'tenant-1' }), 400, 'INVALID_MS_TENANT_ID'],
      ['a tenant that is not a string', REMOVE, (r) => r.send({ msTenantId: 7 }), 400, 'INVALID_MS_TENANT_ID'],
      [
        'msTenantId to an action that has no tenant form',
        CLEAR,
        (r) => r.send({ msTenantId: T1 }),
        400,
        'INVALID_REQUEST_BODY',
      ],
      ['a body over 16 KiB', REMOVE, (r) => r.send({ telephoneNumbers: numbers(1500) }), 413, 'PAYLOAD_TOO_LARGE'],
    ];

    it.each(cases.map(([name, ...rest]) => [name, rest] as const))(
      '%s',
      async (_name, [path, send, status, errorCode, detail]) => {
        const before = [await statuses(), await sql('SELECT COUNT(*) AS c FROM oc_numbers_status_history')];
        const response = await send(request(running().server).post(path));
        expectProblem(response, status, errorCode, {
          instance: path,
          ...(detail === undefined ? {} : { detail }),
          ...(errorCode === 'INVALID_TELEPHONE_NUMBERS' ? { offendingCount: '5' } : {}),
        });
        expect(contract.check('post', path, response)).toEqual([]);
        expect([await statuses(), await sql('SELECT COUNT(*) AS c FROM oc_numbers_status_history')]).toEqual(before);
      },
    );

    it('names the first 20 offending entries and says how many there are', async () => {
      const bad = Array.from({ length: 45 }, (_, i) => `x${i}`);
      const response = await post(READY, { telephoneNumbers: bad });
      const body = expectProblem(response, 400, 'INVALID_TELEPHONE_NUMBERS', { offendingCount: '45' });
      expect(body.detail).toMatch(/^45 entries of telephoneNumbers cannot be used: \[0\] "x0" is not E\.164;/);
      expect(body.detail).toContain('[19] "x19" is not E.164; and 25 more.');
      expect(body.detail).not.toContain('"x20"');
    });
  });

  describe('GET history', () => {
    it('reads the number with + percent-encoded or raw, newest first, paged', async () => {
      await post(READY, { telephoneNumbers: [n(1)] });
      await post(REMOVE, { telephoneNumbers: [n(1)] });
      for (const path of [`/api/v3/oc/numbers/%2B${n(1).slice(1)}/history`, `/api/v3/oc/numbers/${n(1)}/history`]) {
        const response = await request(running().server).get(path);
        expect(contract.check('get', HISTORY, response)).toEqual([]);
        expect(response.body).toMatchObject({ currentPage: 1, pageSize: 50, totalPages: 1, totalRecords: 3 });
        expect(response.body.data[0]).toEqual({
          changedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          oldStatus: 3,
          newStatus: null,
          operation: 'remove',
          caller: CALLER,
          reconciliationId: null,
          msTenantId: T1,
        });
      }
      const page2 = await request(running().server)
        .get(`/api/v3/oc/numbers/%2B${n(1).slice(1)}/history`)
        .query({ page: 2, pageSize: 2 });
      expect(page2.body).toMatchObject({ currentPage: 2, pageSize: 2, totalPages: 2, totalRecords: 3 });
      expect(page2.body.data.map((e: { operation: string }) => e.operation)).toEqual(['sql']);
      const beyond = await request(running().server).get(`/api/v3/oc/numbers/${n(1)}/history?page=9`);
      expect(beyond.body).toMatchObject({ currentPage: 9, totalPages: 1, totalRecords: 3, data: [] });
    });

    it('answers a number without history with an empty page', async () => {
      const response = await request(running().server).get('/api/v3/oc/numbers/%2B19995550000/history');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ currentPage: 1, pageSize: 50, totalPages: 0, totalRecords: 0, data: [] });
    });

    it.each([
      ['14255550001', 'INVALID_TELEPHONE_NUMBER'],
      ['%2B0425', 'INVALID_TELEPHONE_NUMBER'],
      ['%2B1%20425', 'INVALID_TELEPHONE_NUMBER'],
      ['%2B1234567890123456', 'INVALID_TELEPHONE_NUMBER'],
      ['%2B14255550001?page=0', 'INVALID_PAGE'],
      ['%2B14255550001?pageSize=201', 'INVALID_PAGE_SIZE'],
      ['%2B14255550001?page=1&page=2', 'INVALID_PAGE'],
      ['%2B14255550001?pageSize=1.5', 'INVALID_PAGE_SIZE'],
    ])('refuses %s with %s', async (tail, errorCode) => {
      const [number, query] = tail.split('?');
      const response = await request(running().server).get(
        `/api/v3/oc/numbers/${number}/history${query ? `?${query}` : ''}`,
      );
      expectProblem(response, 400, errorCode);
      expect(contract.check('get', HISTORY, response)).toEqual([]);
    });
  });
});
