import { createServer } from 'node:net';
import { databaseNameOf, DatabaseUrlError, parseDatabaseUrl, withDatabaseName } from './database-url';
import { followRef } from './openapi-refs.mjs';
import { freePort } from './ports';
import { expectProblem } from './problem';
import { expectedSummary } from './summary';

describe('expectProblem', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const answer = (change: Record<string, unknown> = {}, headers: Record<string, string> = {}) => ({
    status: 400,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'x-trace-id': TRACE, ...headers },
    body: {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'No.',
      instance: '/x',
      errorCode: 'BAD_REQUEST',
      errorTicket: '3e2a8ff3-46c0-447b-8fe3-3a509db20f15',
      traceId: TRACE,
      ...change,
    },
  });

  it('passes the problem it describes and returns its body', () => {
    expect(expectProblem(answer(), 400, 'BAD_REQUEST', { title: 'Bad Request' }).errorTicket).toBe(
      '3e2a8ff3-46c0-447b-8fe3-3a509db20f15',
    );
    expect(() =>
      expectProblem({ ...answer(), headers: new Headers(answer().headers) }, 400, 'BAD_REQUEST'),
    ).not.toThrow();
  });

  it.each([
    ['another status', () => expectProblem(answer(), 404, 'BAD_REQUEST')],
    ['another errorCode', () => expectProblem(answer(), 400, 'NOT_FOUND')],
    ['another pinned field', () => expectProblem(answer(), 400, 'BAD_REQUEST', { title: 'Not Found' })],
    ['plain JSON', () => expectProblem(answer({}, { 'content-type': 'application/json' }), 400, 'BAD_REQUEST')],
    ['a ticket that is no UUID', () => expectProblem(answer({ errorTicket: 'x' }), 400, 'BAD_REQUEST')],
    ['a field more', () => expectProblem(answer({ stack: 'at x' }), 400, 'BAD_REQUEST')],
    ['a field less', () => expectProblem(answer({ detail: undefined }), 400, 'BAD_REQUEST')],
    ['a trace id other than the header', () => expectProblem(answer({ traceId: '0'.repeat(32) }), 400, 'BAD_REQUEST')],
    ['no X-Trace-Id header', () => expectProblem(answer({}, { 'x-trace-id': '' }), 400, 'BAD_REQUEST')],
  ])('fails on %s', (_name, check) => {
    expect(check).toThrow();
  });
});

describe('expectedSummary', () => {
  const rows = [
    { msTenantId: 'aa', removalStatus: 2 },
    { msTenantId: 'aa', removalStatus: 3 },
    { msTenantId: 'aa', removalStatus: 1 },
    { msTenantId: 'bb', removalStatus: 2 },
    { msTenantId: null, removalStatus: 3 },
    { msTenantId: null, removalStatus: null },
  ];

  it('counts statuses 2 and 3 for all tenants, numbers without a tenant included', () => {
    expect(expectedSummary(rows)).toEqual({ markedForRemovalCount: 2, readyForRemovalCount: 2, totalCount: 4 });
  });

  it('counts one tenant in any letter case', () => {
    expect(expectedSummary(rows, 'AA')).toEqual({ markedForRemovalCount: 1, readyForRemovalCount: 1, totalCount: 2 });
    expect(expectedSummary(rows, 'cc')).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });
  });
});

describe('the DATABASE_URL rules', () => {
  it('read SQLite paths and PostgreSQL URLs, and refuse the rest', () => {
    expect(parseDatabaseUrl(undefined)).toMatchObject({
      kind: 'sqlite',
      path: expect.stringMatching(/\/data\/oc-numbers\.sqlite$/),
    });
    expect(parseDatabaseUrl('sqlite:/tmp/x.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/tmp/x.sqlite',
      url: 'sqlite:/tmp/x.sqlite',
    });
    expect(parseDatabaseUrl(' postgres://u:p@h:5432/db ')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@h:5432/db',
    });
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow(DatabaseUrlError);
  });

  it('name another database on the same server', () => {
    const url = withDatabaseName('postgres://u:p@h:5432/db?sslmode=disable', 'oc_bench_10k');
    expect(url).toBe('postgres://u:p@h:5432/oc_bench_10k?sslmode=disable');
    expect(databaseNameOf(url)).toBe('oc_bench_10k');
  });
});

describe('followRef', () => {
  const document = {
    components: { responses: { A: { $ref: '#/components/responses/B' }, B: { description: 'b' }, 'x/y': { ok: 1 } } },
  };

  it('follows references to the object they name, and says which it reached', () => {
    expect(followRef(document, { $ref: '#/components/responses/A' })).toEqual({
      value: { description: 'b' },
      pointer: '#/components/responses/B',
    });
    expect(followRef(document, { $ref: '#/components/responses/x~1y' }).value).toEqual({ ok: 1 });
    expect(followRef(document, { description: 'inline' })).toEqual({
      value: { description: 'inline' },
      pointer: undefined,
    });
    expect(followRef(document, { $ref: '#/components/responses/none' }).value).toEqual({});
  });
});

describe('freePort', () => {
  it('finds ports below the ephemeral range (which listen(0) hands out) that can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThanOrEqual(32_767);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: '127.0.0.1' }, resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
