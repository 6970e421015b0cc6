import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './ports';
import { workspacePath, workspaceRoot } from './workspace';

/** The built service's entry point, from the workspace root (`npx nx build api` makes it). */
export const SERVICE_MAIN = 'dist/apps/api/src/main.js';

export interface ServerProcess {
  readonly baseUrl: string;
  readonly pid: number;
  /** The last 64 KiB of what the process wrote. */
  readonly output: () => string;
  /** The exit code, or null while the process runs. */
  readonly exitCode: () => number | null;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL if it has not exited after 30 s). */
  stop(): Promise<number | null>;
}

export interface RunOptions {
  /**
   * Root passes every file-permission check. With this, a service that root starts runs
   * without the capabilities that bypass file modes (through util-linux `setpriv`), so it meets
   * them as a deployment's service user would, and still reads a checkout only root may enter.
   */
  readonly honourFileModes?: boolean;
  /** Called with everything the process writes on stdout and stderr. */
  readonly onOutput?: (text: string) => void;
}

export interface StartOptions extends RunOptions {
  /** The path that must answer HTTP (any status) before the service counts as started; default `/`. */
  readonly probePath?: string;
  /** How long the service may take to answer; default 20 s. */
  readonly timeoutMs?: number;
}

/** The capabilities that let root ignore file modes. */
const FILE_MODE_OVERRIDES = '-dac_override,-dac_read_search';

/** The command line that runs the built service; throws when it is not built. */
export function serviceCommand(options: RunOptions = {}): { command: string; args: string[] } {
  const main = workspacePath(SERVICE_MAIN);
  if (!existsSync(main)) throw new Error(`${main} is missing: build the service first (npx nx build api)`);
  if (options.honourFileModes && process.getuid?.() === 0) {
    return {
      command: 'setpriv',
      args: [
        `--inh-caps=${FILE_MODE_OVERRIDES}`,
        `--bounding-set=${FILE_MODE_OVERRIDES}`,
        '--',
        process.execPath,
        main,
      ],
    };
  }
  return { command: process.execPath, args: [main] };
}

/** The service's environment: nothing of the caller's but PATH; 127.0.0.1 and any free port unless given. */
export function serviceEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env };
}

/**
 * Runs the built service as a real process, as `npm start` does, on a free port (unless `PORT`
 * is given), and waits until it answers HTTP.
 */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const { probePath = '/', timeoutMs = 20_000 } = options;
  const port = env.PORT ?? String(await freePort());
  const { child, output } = run({ ...env, PORT: port }, options);
  const baseUrl = `http://127.0.0.1:${port}`;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`The service exited with ${exited}:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The service did not answer ${probePath} in ${timeoutMs / 1000} s:\n${output()}`);
    }
    try {
      await fetch(`${baseUrl}${probePath}`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    baseUrl,
    pid: child.pid ?? 0,
    output,
    exitCode: () => child.exitCode,
    stop: () => stop(child),
  };
}

/** Runs the built service until it exits by itself (SIGKILL after 20 s); resolves with its exit code and output. */
export async function runToExit(
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<{ code: number | null; output: string }> {
  const { child, output } = run(env, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output: output() };
}

function run(env: Record<string, string>, options: RunOptions): { child: ChildProcess; output: () => string } {
  const { command, args } = serviceCommand(options);
  const child = spawn(command, args, { cwd: workspaceRoot(), env: serviceEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    // The last 64 KiB of a process's output are enough to say why it failed.
    output = (output + text).slice(-65_536);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return { child, output: () => output };
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}
