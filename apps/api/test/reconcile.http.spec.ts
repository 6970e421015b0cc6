import { Contract, expectProblem, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import request from 'supertest';
import { useApp } from './app-harness';

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const TEMPLATE = '/api/v3/oc/tenants/{msTenantId}/numbers/reconcile';
const PATH = `/api/v3/oc/tenants/${TENANT}/numbers/reconcile`;
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const contract = new Contract();

const n = (i: number) => `+1425555${String(i).padStart(4, '0')}`;
/** Ten Active numbers of the tenant, one MarkedForRemoval, one ReadyForRemoval. */
const NUMBERS = Array.from({ length: 12 }, (_, i) => n(i));
const STATUSES = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3];

describe.each(TEST_DATABASE_KINDS)('on %s', (kind) => {
  const running = useApp(kind);
  const p = (i: number) => (kind === 'postgres' ? `$${i}` : '?');

  beforeAll(async () => {
    for (const [i, number] of NUMBERS.entries()) {
      await running().dataSource.query(
        `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
        [number, TENANT, STATUSES[i]],
      );
    }
  });

  async function statuses(): Promise<number[]> {
    const rows = (await running().dataSource.query(
      `SELECT removal_status AS status FROM oc_numbers ORDER BY telephone_number`,
    )) as Array<{ status: number | string }>;
    return rows.map((row) => Number(row.status));
  }

  /** Every answer is held to the contract as well. */
  async function post(
    query: string,
    body: string | Buffer | undefined,
    contentType: string | null = 'application/json',
    path = PATH,
  ) {
    let call = request(running().server).post(`${path}${query}`);
    if (contentType !== null) call = call.set('content-type', contentType);
    const response = await (body === undefined ? call : call.send(body));
    expect(contract.check('post', TEMPLATE, response)).toEqual([]);
    return response;
  }
  const json = (numbers: unknown) => JSON.stringify({ acquiredNumbers: numbers });

  describe(`POST ${TEMPLATE}`, () => {
    it('answers a dry run, then reconciles JSON and CSV bodies alike', async () => {
      const listed = [...NUMBERS.slice(1), n(9999)];
      const dry = await post('?dryRun=true', json(listed));
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        dryRun: true,
        massRemovalGuard: 'passed',
        markedCount: 1,
        restoredCount: 1,
        unchangedCount: 10,
        unknownCount: 1,
        marked: [n(0)],
      });
      expect(await statuses()).toEqual(STATUSES);
      const withMark = await post('?dryRun=true', `\uFEFF${json(listed)}`);
      expect(withMark.body).toEqual({ ...dry.body, durationMs: withMark.body.durationMs });
      // With a byte order mark (spreadsheet exports write one) and no header: the first line is a
      // number, not a header to leave out.
      const csv = `\uFEFF${listed.join('\r\n')}\r\n`;
      const real = await post('?dryRun=false', csv, 'text/csv; charset=utf-8');
      expect(real.status).toBe(200);
      expect(real.body).toMatchObject({ dryRun: false, markedCount: 1, restoredCount: 1 });
      expect(real.body.reconciliationId).toEqual(expect.any(String));
      expect(await statuses()).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
      const summary = await request(running().server).get(`${SUMMARY}?msTenantId=${TENANT}`);
      expect(summary.body).toEqual({ markedForRemovalCount: 1, readyForRemovalCount: 1, totalCount: 2 });
      // Back as it was, for the tests that follow.
      const back = await post('?confirmMassRemoval=true', json(NUMBERS.slice(0, 10)));
      expect(back.body).toMatchObject({ markedCount: 1, restoredCount: 1 });
      expect(await statuses()).toEqual(STATUSES);
    });

    it('refuses a mass removal with a 409 that says how many of how many, and changes nothing', async () => {
      const response = await post('', json(NUMBERS.slice(3)));
      expectProblem(response, 409, 'MASS_REMOVAL_GUARD', {
        type: 'urn:oc-numbers:problem:mass-removal-guard',
        title: 'Mass removal refused',
        detail:
          "The list would mark 3 of the tenant's 10 Active numbers for removal, more than the 20% allowed at " +
          'once; nothing changed. Send confirmMassRemoval=true if this is meant.',
        instance: PATH,
      });
      expect(await statuses()).toEqual(STATUSES);
      const empty = await post('', json([]));
      expectProblem(empty, 409, 'MASS_REMOVAL_GUARD');
      expect(empty.body.detail).toContain("The list is empty: it would mark 10 of the tenant's 10 Active numbers");
      const dry = await post('?dryRun=true', json([]));
      expect(dry.body).toMatchObject({ massRemovalGuard: 'wouldRefuse', markedCount: 10 });
      expect(await statuses()).toEqual(STATUSES);
    });

    const many = (count: number, make: (i: number) => unknown) => Array.from({ length: count }, (_, i) => make(i));

    it.each<[string, string, string | Buffer | undefined, string | null, number, string, RegExp | string]>([
      ['not a GUID', '', json(NUMBERS), 'application/json', 400, 'INVALID_MS_TENANT_ID', /^msTenantId must be a GUID/],
      [
        'dryRun not a flag',
        '?dryRun=yes',
        json(NUMBERS),
        'application/json',
        400,
        'INVALID_PARAMETER',
        'dryRun must be true or false.',
      ],
      [
        'confirmMassRemoval repeated',
        '?confirmMassRemoval=true&confirmMassRemoval=true',
        json(NUMBERS),
        'application/json',
        400,
        'INVALID_PARAMETER',
        'confirmMassRemoval must be given at most once.',
      ],
      [
        'not JSON',
        '',
        '{"acquiredNumbers": [',
        'application/json',
        400,
        'INVALID_REQUEST_BODY',
        'The body is not valid JSON.',
      ],
      [
        'an empty JSON body',
        '',
        '',
        'application/json',
        400,
        'INVALID_REQUEST_BODY',
        'The body is empty; send a JSON object.',
      ],
      [
        'no acquiredNumbers',
        '',
        '{"numbers": []}',
        'application/json',
        400,
        'INVALID_REQUEST_BODY',
        /acquiredNumbers array/,
      ],
      [
        'acquiredNumbers not an array',
        '',
        json('+14255550000'),
        'application/json',
        400,
        'INVALID_REQUEST_BODY',
        /array/,
      ],
      ['a JSON array', '', '["+14255550000"]', 'application/json', 400, 'INVALID_REQUEST_BODY', /JSON object/],
      ['null', '', 'null', 'application/json', 400, 'INVALID_REQUEST_BODY', /JSON object/],
      [
        'entries that are not strings, not E.164, or repeated',
        '',
        json([n(1), 42, '4255550001', n(1), null, '+0123']),
        'application/json',
        400,
        'INVALID_ACQUIRED_NUMBERS',
        '5 entries of acquiredNumbers cannot be used (the first 5 named): [1] 42: not a string; ' +
          '[2] "4255550001": not E.164; [3] "+14255550001": duplicate; [4] null: not a string; [5] "+0123": not E.164.',
      ],
      [
        'more than 20 offending entries',
        '',
        json(many(30, (i) => `x${i}`)),
        'application/json',
        400,
        'INVALID_ACQUIRED_NUMBERS',
        /^30 entries of acquiredNumbers cannot be used \(the first 20 named\): \[0\] "x0": not E\.164; .*\[19\] "x19": not E\.164\.$/,
      ],
      [
        'a CSV with garbage lines',
        '',
        `telephoneNumber\n${n(1)}\nabc\n\n${n(1)}\n+1 425 555\n`,
        'text/csv',
        400,
        'INVALID_ACQUIRED_NUMBERS',
        '4 lines of the CSV body cannot be used (the first 4 named): line 3 "abc": not E.164; line 4 "": not E.164; ' +
          'line 5 "+14255550001": duplicate; line 6 "+1 425 555": not E.164.',
      ],
      ['a text body', '', 'hello', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json or text\/csv/],
      ['an image', '', Buffer.from([0x89, 0x50]), 'image/png', 415, 'UNSUPPORTED_MEDIA_TYPE', /Unsupported Media Type/],
      [
        'a form',
        '',
        'acquiredNumbers=%2B14255550000',
        'application/x-www-form-urlencoded',
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the acquired numbers as application/json or text/csv.',
      ],
      ['no body', '', undefined, null, 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json or text\/csv/],
      [
        'more than 1,000,000 numbers',
        '',
        '1\n'.repeat(1_000_001),
        'text/csv',
        413,
        'TOO_MANY_NUMBERS',
        'The list holds 1000001 numbers; a reconciliation takes at most 1000000.',
      ],
      [
        'a body over 32 MiB',
        '',
        Buffer.alloc(33 * 1024 * 1024, 0x31),
        'text/csv',
        413,
        'PAYLOAD_TOO_LARGE',
        /too large/,
      ],
    ])('refuses %s, changing nothing', async (name, query, body, contentType, status, errorCode, detail) => {
      const path = name === 'not a GUID' ? '/api/v3/oc/tenants/not-a-guid/numbers/reconcile' : PATH;
      const response = await post(query, body, contentType, path);
      const problem = expectProblem(response, status, errorCode);
      expect(problem.detail).toEqual(typeof detail === 'string' ? detail : expect.stringMatching(detail));
      expect(await statuses()).toEqual(STATUSES);
    });

    it('takes a body over 16 KiB on this route only', async () => {
      const big = json(many(2000, (i) => `+1999${String(i).padStart(7, '0')}`));
      expect(big.length).toBeGreaterThan(16 * 1024);
      const dry = await post('?dryRun=true', big);
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({ unknownCount: 2000 });
      const elsewhere = await request(running().server).post(SUMMARY).set('content-type', 'application/json').send(big);
      expectProblem(elsewhere, 413, 'PAYLOAD_TOO_LARGE');
    });
  });
});
