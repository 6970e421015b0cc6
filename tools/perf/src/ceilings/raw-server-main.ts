import { createServer, type ServerResponse } from 'node:http';
import { countersReader } from './counters-reader';

/**
 * The database ceiling: `node:http` and the database driver alone, one small query per request,
 * nothing around them. `GET /summary?msTenantId=<id>` reads one tenant's removal counters the
 * way the service does; without a tenant, the totals row (see countersReader). DATABASE_URL is
 * `postgres://…` or `sqlite:<path>`. Listens on HOST:PORT.
 */
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const read = countersReader(process.env.DATABASE_URL ?? '');
const server = createServer((req, res) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  read(query.get('msTenantId') ?? undefined).then(
    (summary) => send(res, 200, summary),
    (error: Error) => send(res, 500, { error: error.message }),
  );
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
