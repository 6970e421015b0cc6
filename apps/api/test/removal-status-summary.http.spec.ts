import { Contract, expectProblem, TEST_DATABASE_KINDS, TRACE_ID } from '@oc-numbers/testing';
import { connect } from 'node:net';
import request from 'supertest';
import { useApp } from './app-harness';
import { expectedSummary, seedFixture, TENANT_A, TENANT_B, TENANT_C, TENANT_UNKNOWN } from './fixture';

const PATH = '/api/v3/oc/numbers/removal-status/summary';
const contract = new Contract();

const INVALID_DETAIL =
  'msTenantId must be a GUID in the 8-4-4-4-12 hexadecimal form, for example ' +
  '6f9619ff-8b86-d011-b42d-00cf4fc964ff; omit it or leave it empty for all tenants.';

describe.each(TEST_DATABASE_KINDS)('on %s', (kind) => {
  const running = useApp(kind);
  beforeAll(() => seedFixture(running().dataSource));

  /** Every response these tests receive is held to the contract as well. */
  async function get(query: string, headers: Record<string, string> = {}, path = PATH) {
    const response = await request(running().server).get(`${path}${query}`).set(headers);
    if (path === PATH) {
      expect(contract.check('get', PATH, response)).toEqual([]);
    }
    return response;
  }

  describe(`GET ${PATH}`, () => {
    it('answers the summary over all tenants when msTenantId is absent', async () => {
      const response = await get('');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ markedForRemovalCount: 9, readyForRemovalCount: 8, totalCount: 17 });
      expect(response.body).toEqual(expectedSummary());
    });

    it.each([
      ['empty', '?msTenantId='],
      ['spaces', '?msTenantId=%20%20%20'],
      ['a tab and a newline', '?msTenantId=%09%0A'],
      ['a no-break space', '?msTenantId=%C2%A0'],
    ])('treats %s as all tenants', async (_name, query) => {
      const response = await get(query);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expectedSummary());
    });

    it.each([TENANT_A, TENANT_B, TENANT_C, TENANT_UNKNOWN])('counts only tenant %s', async (tenant) => {
      const response = await get(`?msTenantId=${tenant}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expectedSummary(tenant));
    });

    it('gives the same answer for an upper-case, lower-case or mixed-case tenant id', async () => {
      const mixed = TENANT_A.split('')
        .map((c, i) => (i % 2 ? c.toUpperCase() : c))
        .join('');
      const bodies = await Promise.all(
        [TENANT_A, TENANT_A.toUpperCase(), mixed].map(async (id) => (await get(`?msTenantId=${id}`)).body),
      );
      expect(bodies).toEqual([
        { markedForRemovalCount: 3, readyForRemovalCount: 1, totalCount: 4 },
        { markedForRemovalCount: 3, readyForRemovalCount: 1, totalCount: 4 },
        { markedForRemovalCount: 3, readyForRemovalCount: 1, totalCount: 4 },
      ]);
    });

    it('ignores unknown query parameters', async () => {
      const response = await get(`?foo=bar&msTenantId=${TENANT_B}&limit=-1`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expectedSummary(TENANT_B));
    });

    it.each([
      ['a word', 'abc'],
      ['a GUID without dashes', '6f9619ff8b86d011b42d00cf4fc964ff'],
      ['a GUID in braces', `{${TENANT_A}}`],
      ['a URN', `urn:uuid:${TENANT_A}`],
      ['a GUID with spaces around it', ` ${TENANT_A} `],
      ['a GUID one digit short', TENANT_A.slice(0, -1)],
      ['a GUID one digit long', `${TENANT_A}0`],
      ['a GUID with a non-hex letter', TENANT_A.replace('f', 'g')],
      ['SQL', "' OR 1=1 --"],
      ['a NUL character', '\u0000'],
    ])('rejects %s with a 400 problem', async (_name, value) => {
      expectProblem(await get(`?msTenantId=${encodeURIComponent(value)}`), 400, 'INVALID_MS_TENANT_ID', {
        type: 'urn:oc-numbers:problem:invalid-ms-tenant-id',
        title: 'Invalid msTenantId',
        detail: INVALID_DETAIL,
        instance: PATH,
      });
    });

    it.each([
      ['two tenant ids', `?msTenantId=${TENANT_A}&msTenantId=${TENANT_B}`],
      ['the same id twice', `?msTenantId=${TENANT_A}&msTenantId=${TENANT_A}`],
      ['two empty values', '?msTenantId=&msTenantId='],
    ])('rejects a repeated msTenantId (%s) with a 400 problem', async (_name, query) => {
      expectProblem(await get(query), 400, 'INVALID_MS_TENANT_ID', {
        type: 'urn:oc-numbers:problem:invalid-ms-tenant-id',
        title: 'Invalid msTenantId',
        detail: 'msTenantId must be given at most once.',
        instance: PATH,
      });
    });

    it('takes the trace id from a valid traceparent header and echoes it', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
      const ok = await get('', { traceparent });
      expect(ok.headers['x-trace-id']).toBe(traceId);
      const bad = await get('?msTenantId=nope', { traceparent });
      expect(bad.headers['x-trace-id']).toBe(traceId);
      expect(bad.body.traceId).toBe(traceId);
    });

    it.each([
      ['malformed', 'not-a-traceparent'],
      ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
      ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ])('makes a fresh trace id when the traceparent is %s', async (_name, traceparent) => {
      const response = await get('?msTenantId=nope', { traceparent });
      expect(response.body.traceId).toMatch(TRACE_ID);
      expect(traceparent.toLowerCase()).not.toContain(response.body.traceId);
      expect(response.headers['x-trace-id']).toBe(response.body.traceId);
    });

    it('gives each failure its own errorTicket and writes it in the log line', async () => {
      const first = await get('?msTenantId=first');
      const second = await get('?msTenantId=second');
      expect(first.body.errorTicket).not.toBe(second.body.errorTicket);
      for (const { body } of [first, second]) {
        const lines = running().logs.mentioning(body.errorTicket);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({
          errorTicket: body.errorTicket,
          traceId: body.traceId,
          errorCode: 'INVALID_MS_TENANT_ID',
        });
      }
    });

    it('writes one request log line with the trace id', async () => {
      const traceId = kind === 'sqlite' ? '0af7651916cd43dd8448eb211c80319c' : '1af7651916cd43dd8448eb211c80319c';
      const response = await get('', { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
      expect(response.status).toBe(200);
      const lines = running()
        .logs.mentioning(traceId)
        .filter((l) => l.msg === 'request completed');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ traceId, req: { method: 'GET', url: PATH }, res: { statusCode: 200 } });
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['GET', '/api/v3/oc/numbers/removal-status'],
      ['GET', '/nope'],
    ])('%s %s answers a 404 problem', async (method, path) => {
      const response = await request(running().server)[method.toLowerCase() as 'get'](path);
      expectProblem(response, 404, 'NOT_FOUND', {
        type: 'about:blank',
        title: 'Not Found',
        detail: `No operation answers ${method} ${path}.`,
        instance: path,
      });
    });

    it.each(['POST', 'DELETE'])('%s on the summary answers a 405 problem with Allow', async (method) => {
      const response = await request(running().server)[method.toLowerCase() as 'post'](PATH);
      expectProblem(response, 405, 'METHOD_NOT_ALLOWED', {
        type: 'about:blank',
        title: 'Method Not Allowed',
        detail: `${method} is not a method of this path; use GET, HEAD.`,
        instance: PATH,
      });
      expect(response.headers.allow).toBe('GET, HEAD');
    });
  });
});

describe('requests the HTTP parser refuses', () => {
  const running = useApp('sqlite');

  /** Sends raw bytes and reads the whole answer, as a client below any HTTP library would. */
  async function raw(bytes: string) {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(running().baseUrl).port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(bytes);
    });
    const [head, body] = answer.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    return { statusLine, status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
  }

  it.each([
    [
      431,
      'REQUEST_HEADER_FIELDS_TOO_LARGE',
      `GET ${PATH}?msTenantId=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ],
    [400, 'BAD_REQUEST', 'NOT HTTP AT ALL\r\n\r\n'],
  ])('answers %s with a problem body', async (status, errorCode, request) => {
    const answer = await raw(request);
    expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    const problem = expectProblem(answer, status, errorCode);
    expect(contract.checkSchema('ProblemDetails', problem)).toEqual([]);
    expect(running().logs.mentioning(problem.errorTicket)).toHaveLength(1);
  });
});

describe.each(TEST_DATABASE_KINDS)('an unexpected failure on %s', (kind) => {
  const running = useApp(kind);
  // The table the summary reads disappears under the running service: the next query fails in
  // the driver.
  beforeAll(() => running().dataSource.query('DROP TABLE oc_numbers_removal_totals'));

  it('answers a 500 problem that names no cause and logs it under its ticket', async () => {
    const response = await request(running().server).get(PATH);
    expect(contract.check('get', PATH, response)).toEqual([]);
    expectProblem(response, 500, 'INTERNAL_ERROR', {
      type: 'about:blank',
      title: 'Internal Server Error',
      detail: 'The request could not be completed. Quote the errorTicket when reporting this failure.',
      instance: PATH,
    });
    expect(response.text).not.toMatch(/oc_numbers|select|sqlite|relation|stack|\bat /i);
    const [line] = running().logs.mentioning(response.body.errorTicket);
    expect(line).toMatchObject({ level: 50, errorCode: 'INTERNAL_ERROR', traceId: response.body.traceId });
    expect(JSON.stringify(line)).toMatch(/oc_numbers/);
  });
});

describe('summary requests that arrive together on SQLite', () => {
  const running = useApp('sqlite');
  beforeAll(() => seedFixture(running().dataSource));

  /** Sends requests pipelined in one write, as one batch of input, and reads every answer. */
  async function pipelined(paths: readonly string[]) {
    const bytes = paths
      .map(
        (path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`,
      )
      .join('');
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(Number(new URL(running().baseUrl).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
      socket.write(bytes);
    });
    const answers: Array<{ status: number; body: unknown }> = [];
    for (let at = 0; at < answer.length;) {
      const headEnd = answer.indexOf('\r\n\r\n', at);
      const head = answer.subarray(at, headEnd).toString('latin1');
      const length = Number(/^content-length: *(\d+)$/im.exec(head)?.[1]);
      const body = answer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      answers.push({ status: Number(head.split(' ')[1]), body: JSON.parse(body) as unknown });
      at = headEnd + 4 + length;
    }
    return answers;
  }

  /** The summary's reads so far, by statement, and the requests that shared one. */
  async function reads() {
    const text = await (await fetch(`${running().baseUrl}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    return {
      allTenants: value(/^db_query_duration_seconds_count\{query="oc_numbers_summary_all"\} (\d+)$/m),
      oneTenant: value(/^db_query_duration_seconds_count\{query="oc_numbers_summary_tenant"\} (\d+)$/m),
      shared: value(/^oc_numbers_summary_coalesced_total (\d+)$/m),
    };
  }

  it('share one read per tenant, each answered with its own counts, and a change made before is in the next answer', async () => {
    const before = await reads();
    const tenants = [undefined, TENANT_A, undefined, TENANT_A.toUpperCase(), TENANT_B, undefined];
    const answers = await pipelined(tenants.map((tenant) => (tenant ? `${PATH}?msTenantId=${tenant}` : PATH)));
    expect(answers).toEqual(tenants.map((tenant) => ({ status: 200, body: expectedSummary(tenant?.toLowerCase()) })));
    const after = await reads();
    expect(after.allTenants - before.allTenants).toBe(1);
    expect(after.oneTenant - before.oneTenant).toBe(2);
    expect(after.shared - before.shared).toBe(3);

    // A number of tenant B marked for removal now is counted by the requests that come next.
    await running().dataSource.query(
      "INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES ('+14255559999', ?, 2)",
      [TENANT_B],
    );
    const next = await pipelined([`${PATH}?msTenantId=${TENANT_B}`, PATH]);
    const plusOne = (summary: ReturnType<typeof expectedSummary>) => ({
      ...summary,
      markedForRemovalCount: summary.markedForRemovalCount + 1,
      totalCount: summary.totalCount + 1,
    });
    expect(next).toEqual([
      { status: 200, body: plusOne(expectedSummary(TENANT_B)) },
      { status: 200, body: plusOne(expectedSummary()) },
    ]);
  });
});
