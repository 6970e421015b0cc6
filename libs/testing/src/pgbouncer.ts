import { type ChildProcess, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports';
import { serverOwner, spawnAs, stopProcess, track } from './postgres-process';

/** A PgBouncer a test started, in front of one PostgreSQL server. */
export interface PgBouncer {
  /** The upstream URL with PgBouncer's address instead: same user, password and database. */
  readonly url: string;
  readonly port: number;
  /** `PgBouncer 1.18.0`, as `pgbouncer --version` says. */
  readonly version: string;
  /** Stops it (immediate shutdown: client sessions are cut) and deletes its files. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it; any database on that server can be reached through it. */
  readonly upstreamUrl: string;
  readonly poolMode?: 'session' | 'transaction' | 'statement';
  /** Server connections per user and database (default_pool_size), 10 unless given. */
  readonly poolSize?: number;
  /** More settings of its [pgbouncer] section. */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** No PgBouncer on this machine: the message says where it was looked for and how to install it. */
export class PgBouncerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgBouncerUnavailable';
  }
}

/** The PgBouncer program: PGBOUNCER if set, else Debian's /usr/sbin/pgbouncer, else one on PATH. */
export function findPgBouncer(): { readonly path: string } | { readonly reason: string } {
  const candidates = process.env.PGBOUNCER
    ? [process.env.PGBOUNCER]
    : [
        '/usr/sbin/pgbouncer',
        ...(process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, 'pgbouncer')),
      ];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path) return { path };
  return {
    reason:
      `PgBouncer is not installed (looked for ${process.env.PGBOUNCER ? process.env.PGBOUNCER : '/usr/sbin/pgbouncer and pgbouncer on PATH'}); ` +
      'on Debian: apt-get install -y --no-install-recommends pgbouncer',
  };
}

/**
 * `run` (a test framework's `describe` or `it`) where PgBouncer is installed; where it is not,
 * its `skip`, after saying on standard output that `what` is skipped and why (findPgBouncer's
 * reason), so that a run without PgBouncer shows what it did not try.
 */
export function withPgBouncer<Run extends { readonly skip: unknown }>(run: Run, what: string): Run | Run['skip'] {
  const found = findPgBouncer();
  if ('path' in found) return run;
  process.stdout.write(`\n${what} skipped: ${found.reason}\n`);
  return run.skip;
}

/**
 * Starts PgBouncer on a free port of 127.0.0.1 in front of the server of `upstreamUrl`, every
 * database of that server reachable under its own name; resolves once it accepts connections.
 * Clients authenticate as upstream does: with the URL's password (md5) when it has one, else
 * trust; PgBouncer logs in to the server with the same user and password.
 *
 * As root it runs as the `postgres` user (PgBouncer refuses to run as root). Throws
 * PgBouncerUnavailable when the program is not on the machine.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const found = findPgBouncer();
  if (!('path' in found)) throw new PgBouncerUnavailable(found.reason);
  const version = execFileSync(found.path, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  const upstream = new URL(options.upstreamUrl);
  const user = decodeURIComponent(upstream.username) || 'postgres';
  const password = decodeURIComponent(upstream.password);
  const owner = serverOwner();
  const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-pgbouncer-'));
  const port = await freePort();
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const settings: Record<string, string | number> = {
    listen_addr: '127.0.0.1',
    listen_port: port,
    unix_socket_dir: '',
    auth_type: password ? 'md5' : 'trust',
    auth_file: join(dir, 'userlist.txt'),
    pool_mode: options.poolMode ?? 'transaction',
    default_pool_size: options.poolSize ?? 10,
    max_client_conn: 500,
    logfile: join(dir, 'pgbouncer.log'),
    pidfile: join(dir, 'pgbouncer.pid'),
    ...options.settings,
  };
  const host = upstream.hostname.replace(/^\[|\]$/g, '');
  const ini = [
    '[databases]',
    // The fallback entry: any database name is that database on the upstream server.
    `* = host=${host} port=${upstream.port || 5432}`,
    '',
    '[pgbouncer]',
    ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
    '',
  ].join('\n');
  const files = { ini: join(dir, 'pgbouncer.ini'), users: join(dir, 'userlist.txt') };
  writeFileSync(files.ini, ini);
  writeFileSync(files.users, `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  if (owner) for (const path of [dir, files.ini, files.users]) chownSync(path, owner.uid, owner.gid);

  const child = track(spawnAs(found.path, [files.ini], owner));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const stop = async () => {
    // SIGTERM: immediate shutdown (SIGINT would wait for every client to leave).
    await stopProcess(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await acceptsConnections(port, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = new URL(options.upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), port, version, stop };
}

/** Resolves once `port` accepts TCP connections; rejects when the process exits first or after 30 s. */
async function acceptsConnections(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`PgBouncer exited with ${child.exitCode ?? child.signalCode}:\n${output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`PgBouncer did not listen on port ${port} in 30 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
