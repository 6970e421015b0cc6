import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, workspaceRoot } from '@oc-numbers/testing';

export interface PrismProxy {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

const PRISM_ERROR = 'https://stoplight.io/prism/errors#';

/**
 * Starts `prism proxy` in errors mode in front of `upstream`, with the contract from openapi/:
 * an independent validator of every request and response that passes through it.
 */
export async function startPrism(upstream: string): Promise<PrismProxy> {
  const root = workspaceRoot();
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(root, 'node_modules/.bin/prism'),
    [
      'proxy',
      join(root, 'openapi/oc-numbers.yaml'),
      upstream,
      '--errors',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`prism proxy did not start in 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`prism proxy exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Prism's verdict on an exchange: undefined when it passed the answer through, else the kind of
 * error Prism raised (e.g. UNPROCESSABLE_ENTITY for a request the contract calls invalid,
 * VIOLATIONS for a response that breaks it) with the violations it listed.
 */
export function prismVerdict(body: unknown): { kind: string; violations: string } | undefined {
  const type = (body as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !type.startsWith(PRISM_ERROR)) return undefined;
  const { detail, validation } = body as { detail?: string; validation?: unknown };
  return { kind: type.slice(PRISM_ERROR.length), violations: JSON.stringify(validation ?? detail ?? body) };
}
