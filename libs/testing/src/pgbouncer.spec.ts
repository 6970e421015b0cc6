import { jest } from '@jest/globals';
import { Client } from 'pg';
import { type OwnedPostgres, startOwnedPostgres } from './owned-postgres';
import { type PgBouncer, startPgBouncer, withPgBouncer } from './pgbouncer';

const describeWithPgBouncer = withPgBouncer(describe, 'PgBouncer tests');

jest.setTimeout(120_000);

/** The upstreams tried: an owned server (password, SCRAM) and the test server when one is given (trust, on CI). */
const upstreams: [string, () => Promise<{ url: string; dispose(): Promise<void> }>][] = [
  [
    'an owned server with a password',
    async () => {
      const owned: OwnedPostgres = await startOwnedPostgres();
      return { url: owned.url, dispose: () => owned.dispose() };
    },
  ],
];
if (process.env.TEST_DATABASE_URL) {
  const url = process.env.TEST_DATABASE_URL;
  upstreams.push(['the test server (TEST_DATABASE_URL)', async () => ({ url, dispose: async () => undefined })]);
}

describeWithPgBouncer.each(upstreams)('startPgBouncer in transaction mode, in front of %s', (_name, upstreamOf) => {
  let upstream: { url: string; dispose(): Promise<void> };
  let pgbouncer: PgBouncer;
  const clients: Client[] = [];
  const client = async () => {
    const opened = new Client({ connectionString: pgbouncer.url });
    await opened.connect();
    clients.push(opened);
    return opened;
  };
  const backendPid = async (on: Client) =>
    (await on.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  beforeAll(async () => {
    upstream = await upstreamOf();
  });
  afterAll(async () => {
    await upstream?.dispose();
  });
  // A PgBouncer of its own per case: each starts with an empty pool, so which server session a
  // transaction gets is known (PgBouncer hands out the session released last).
  beforeEach(async () => {
    pgbouncer = await startPgBouncer({ upstreamUrl: upstream.url, poolMode: 'transaction' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((opened) => opened.end().catch(() => undefined)));
    await pgbouncer.stop();
  });

  it('carries queries and transactions to the same database, on its own port', async () => {
    expect(pgbouncer.version).toMatch(/^PgBouncer \d+\.\d+/);
    expect(new URL(pgbouncer.url).port).toBe(String(pgbouncer.port));
    expect(new URL(pgbouncer.url).pathname).toBe(new URL(upstream.url).pathname);
    const through = await client();
    expect((await through.query('SELECT $1::int + 1 AS n', [41])).rows).toEqual([{ n: 42 }]);
    await through.query('BEGIN');
    await through.query('CREATE TEMP TABLE t (n int) ON COMMIT DROP');
    await through.query('INSERT INTO t VALUES (1), (2)');
    expect((await through.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 2 }]);
    await through.query('COMMIT');
    const direct = new Client({ connectionString: upstream.url });
    await direct.connect();
    clients.push(direct);
    const database = async (on: Client) => (await on.query('SELECT current_database() AS db')).rows[0].db as string;
    expect(await database(through)).toBe(await database(direct));
  });

  it('gives a client another server session once its transaction ends: a session setting stays behind', async () => {
    const a = await client();
    const b = await client();
    await a.query("SET statement_timeout = '4321ms'");
    const first = await backendPid(a);
    // b's transaction takes the server session a used; a's next statement gets another one.
    await b.query('BEGIN');
    expect(await backendPid(b)).toBe(first);
    expect((await b.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '4321ms' }]);
    expect(await backendPid(a)).not.toBe(first);
    expect((await a.query('SHOW statement_timeout')).rows[0].statement_timeout).not.toBe('4321ms');
    await b.query('COMMIT');
    // Inside one transaction a client keeps its server session; SET LOCAL ends with it.
    await a.query('BEGIN');
    await a.query("SET LOCAL statement_timeout = '1234ms'");
    expect((await a.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '1234ms' }]);
    await a.query('COMMIT');
  });

  it('loses a named prepared statement between transactions (PgBouncer before 1.21 cannot carry them)', async () => {
    const a = await client();
    const b = await client();
    const named = { name: 'oc_probe', text: 'SELECT $1::int AS n', values: [7] };
    expect((await a.query(named)).rows).toEqual([{ n: 7 }]);
    await b.query('BEGIN');
    // The driver prepared oc_probe once on this connection and now only executes it, on a server
    // session that never saw it.
    await expect(a.query(named)).rejects.toMatchObject({
      code: '26000',
      message: 'prepared statement "oc_probe" does not exist',
    });
    // Unnamed statements, parsed anew each time, are fine.
    expect((await a.query('SELECT $1::int AS n', [8])).rows).toEqual([{ n: 8 }]);
    await b.query('COMMIT');
  });
});
