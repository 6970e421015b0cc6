import { createServer, type ServerResponse } from 'node:http';
import { Pool } from 'pg';
import SqliteOnNodeApi10 from 'better-sqlite3';
import SqliteOnNode20 from 'better-sqlite3-node20';

/**
 * The database ceiling: `node:http` and the database driver alone, one small query per request,
 * nothing around them. `GET /summary?msTenantId=<id>` reads one tenant's removal counters the
 * way the service does (by primary key, plus PostgreSQL's delta rows in the same statement);
 * without a tenant, the totals row. DATABASE_URL is `postgres://…` (pg, a pool of 10 like
 * the service's) or `sqlite:<path>` (better-sqlite3). Listens on HOST:PORT.
 */
/** The better-sqlite3 this Node.js loads safely, as the service picks it. */
const Sqlite: typeof SqliteOnNodeApi10 = Number(process.versions.napi) >= 10 ? SqliteOnNodeApi10 : SqliteOnNode20;

const url = process.env.DATABASE_URL ?? '';
const postgres = /^postgres(ql)?:\/\//.test(url);

function sql(tenant: string | undefined): string {
  const where = tenant === undefined ? '' : ` WHERE ms_tenant_id = ${tenant}`;
  const base =
    tenant === undefined
      ? 'SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_totals'
      : `SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_counts${where}`;
  const deltas = postgres
    ? ` UNION ALL SELECT marked_for_removal, ready_for_removal FROM oc_numbers_removal_count_deltas${where}`
    : '';
  return `SELECT COALESCE(SUM(marked_for_removal), 0) AS marked, COALESCE(SUM(ready_for_removal), 0) AS ready FROM (${base}${deltas}) AS counters`;
}

type Row = { marked: string | number; ready: string | number };
type Read = (tenant: string | undefined) => Promise<Row>;

function reader(): Read {
  if (postgres) {
    const pool = new Pool({ connectionString: url, max: 10 });
    const all = { name: 'all', text: sql(undefined) };
    const one = { name: 'one', text: sql('$1') };
    return async (tenant) =>
      (await (tenant === undefined ? pool.query<Row>(all) : pool.query<Row>({ ...one, values: [tenant] }))).rows[0];
  }
  const db = new Sqlite(url.replace(/^sqlite:/, ''), { readonly: true });
  const all = db.prepare(sql(undefined));
  const one = db.prepare(sql('?'));
  return (tenant) => Promise.resolve((tenant === undefined ? all.get() : one.get(tenant)) as Row);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const read = reader();
const server = createServer((req, res) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  read(query.get('msTenantId') ?? undefined).then(
    (row) => {
      const marked = Number(row.marked);
      const ready = Number(row.ready);
      send(res, 200, { markedForRemovalCount: marked, readyForRemovalCount: ready, totalCount: marked + ready });
    },
    (error: Error) => send(res, 500, { error: error.message }),
  );
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
