import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, SERVICE_MAIN, serviceEnv, workspaceRoot } from '@oc-numbers/testing';
import { stopOnInterrupt } from './interrupt';

/** A server the benchmark runs as a process of its own: the service, or a ceiling. */
export interface BenchServer {
  readonly baseUrl: string;
  readonly pid: number;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL if it has not exited after 30 s). */
  stop(): Promise<number | null>;
}

/** The ceilings' entry points, built with the benchmark (tools/perf). */
export const CEILING_MAIN = {
  /** A bare NestJS + Fastify app with one GET answering the summary's JSON (with DATABASE_URL, from one query). */
  bare: 'dist/tools/perf/src/ceilings/bare-nest-main.js',
  /** `node:http` and the database driver alone, one small query per request. */
  raw: 'dist/tools/perf/src/ceilings/raw-server-main.js',
} as const;

export interface SpawnOptions {
  /** The script: its path from the workspace root, or an absolute one. */
  readonly main: string;
  readonly env: Record<string, string>;
  /** The path that must answer HTTP (any status) before the server counts as started. */
  readonly probePath: string;
  /** Where standard output goes: a file (truncated first), or nowhere. Standard error is kept. */
  readonly stdout?: string;
  /** Node.js options before the script (`--cpu-prof`, say). */
  readonly nodeArgs?: readonly string[];
  /** The working directory; the workspace root when not given. */
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/**
 * Runs a built script on a free port (unless `PORT` is given) and waits until it answers HTTP.
 * Its standard output (the service's request log) goes to a file or to /dev/null, never through
 * a pipe to this process, so that reading it costs the benchmark nothing.
 */
export async function spawnServer(options: SpawnOptions): Promise<BenchServer> {
  const { timeoutMs = 60_000 } = options;
  const port = options.env.PORT ?? String(await freePort());
  const out = openSync(options.stdout ? resolve(options.stdout) : '/dev/null', 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...(options.nodeArgs ?? []), resolve(workspaceRoot(), options.main)], {
      cwd: options.cwd ?? workspaceRoot(),
      env: serviceEnv({ ...options.env, PORT: port }),
      stdio: ['ignore', out, 'pipe'],
    });
  } finally {
    closeSync(out);
  }
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-16_384)));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const where = options.stdout ? ` (its output: ${options.stdout})` : '';
    if (exited !== undefined) throw new Error(`${options.main} exited with ${exited}${where}:\n${errors}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${options.main} did not answer ${options.probePath} in ${timeoutMs / 1000} s${where}:\n${errors}`,
      );
    }
    try {
      await fetch(`${baseUrl}${options.probePath}`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return { baseUrl, pid: child.pid ?? 0, stop: stopOnInterrupt(() => stop(child)) };
}

/** The built service, its request log to `stdout` (a file) or nowhere. */
export function spawnService(
  env: Record<string, string>,
  options: Omit<SpawnOptions, 'main' | 'env' | 'probePath'> & { probePath?: string } = {},
): Promise<BenchServer> {
  return spawnServer({ probePath: '/health/live', ...options, main: SERVICE_MAIN, env });
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
    child.kill('SIGTERM');
  });
}
