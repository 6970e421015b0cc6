import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { workspaceRoot } from './workspace';

export interface ServerProcess {
  readonly baseUrl: string;
  readonly output: () => string;
  /** The exit code, or null while the process runs. */
  readonly exitCode: () => number | null;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface RunOptions {
  /** Run as this user and group (a test running as root uses it to meet file permissions). */
  readonly uid?: number;
  readonly gid?: number;
}

const MAIN = join(workspaceRoot(), 'dist/apps/api/src/main.js');

/**
 * Runs the built service as a real process, as `npm start` does, on a free port (unless `PORT`
 * is given), and waits until it answers HTTP.
 */
export async function startServer(env: Record<string, string>, options: RunOptions = {}): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = run({ ...env, PORT: port }, options);
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  let exited: number | null | undefined;
  child.stdout?.on('data', (chunk: Buffer) => (output = keepTail(output + chunk.toString('utf8'))));
  child.stderr?.on('data', (chunk: Buffer) => (output = keepTail(output + chunk.toString('utf8'))));
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`The service exited with ${exited}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The service did not answer in 20 s:\n${output}`);
    }
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    baseUrl,
    output: () => output,
    exitCode: () => child.exitCode,
    stop: () => stop(child),
  };
}

/** The last 64 KiB of a process's output are enough to say why it failed. */
function keepTail(text: string): string {
  return text.length > 65_536 ? text.slice(-65_536) : text;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs the built service until it exits by itself; resolves with its exit code and output. */
export async function runToExit(
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<{ code: number | null; output: string }> {
  const child = run(env, options);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

function run(env: Record<string, string>, options: RunOptions = {}): ChildProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the api first (npx nx build api)`);
  return spawn(process.execPath, [MAIN], {
    cwd: workspaceRoot(),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
