import { freePort, runToExit, serviceCommand, serviceEnv, startServer, workspaceRoot } from '@oc-numbers/testing';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the built service with a terminal as its standard output (util-linux `script` makes
 * one), until it logs that it listens; returns what it wrote.
 */
function outputAtTerminal(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const { command, args } = serviceCommand();
    const commandLine = [command, ...args].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', commandLine, '/dev/null'], {
      cwd: workspaceRoot(),
      env: serviceEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // The process group of `script` and the service, so that one signal reaches both.
    const group = -(child.pid ?? 0);
    let output = '';
    const timer = setTimeout(() => {
      process.kill(group, 'SIGKILL');
      reject(new Error(`The service did not start in 20 s:\n${output}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/listening on http/.test(output)) {
        clearTimeout(timer);
        child.once('exit', () => resolve(output));
        process.kill(group, 'SIGTERM');
      }
    });
  });
}

describe('log output', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-numbers-logs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one JSON object per line when standard output is not a terminal', async () => {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'piped.sqlite')}` });
    await fetch(`${server.baseUrl}/health/live`);
    expect(await server.stop()).toBe(0);
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ msg: 'request completed', route: '/health/live', durationMs: expect.any(Number) }),
    );
  });

  it('keeps a request line small and free of headers that are not on the allow-list', async () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const server = await startServer({
      DATABASE_URL: `sqlite:${join(dir, 'lean.sqlite')}`,
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
    });
    const response = await fetch(`${server.baseUrl}/api/v3/oc/numbers/removal-status/summary`, {
      headers: { 'X-Api-Key': secret, 'User-Agent': 'dashboard/1.0' },
    });
    const traceId = response.headers.get('x-trace-id') ?? '';
    expect(await server.stop()).toBe(0);
    const output = server.output();
    expect(output).not.toContain(secret);
    const line = output.split('\n').find((l) => l.includes('request completed') && l.includes(traceId)) ?? '';
    expect(JSON.parse(line)).toMatchObject({
      traceId,
      route: '/api/v3/oc/numbers/removal-status/summary',
      durationMs: expect.any(Number),
      req: { method: 'GET', headers: { 'user-agent': 'dashboard/1.0' } },
      res: { statusCode: 200 },
    });
    // pino's own fields, the trace id, the route and URL, status, duration and two response
    // headers come to about 450 bytes; the response's security and rate-limit headers (the same
    // on every answer) no longer make it 1.4 KB.
    expect(Buffer.byteLength(line)).toBeLessThan(600);
  });

  it('tells a failed start in production in JSON lines, once, without promising a retry', async () => {
    // A port nothing listens on: the connection is refused at once.
    const port = await freePort();
    const { code, output } = await runToExit({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/oc`,
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
    });
    expect(code).toBe(1);
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(output).not.toMatch(/Retrying/);
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 60, msg: expect.stringMatching(/^OC Numbers could not start: .*ECONNREFUSED/) }),
    );
  });

  it('is human-readable for a person at a terminal', async () => {
    const output = await outputAtTerminal({ DATABASE_URL: `sqlite:${join(dir, 'tty.sqlite')}` });
    const listening = output.split('\n').find((line) => line.includes('listening on')) ?? '';
    expect(listening).toMatch(/INFO/);
    expect(listening.trim().startsWith('{')).toBe(false);
  });

  it('stays JSON at a terminal in production', async () => {
    const output = await outputAtTerminal({
      DATABASE_URL: `sqlite:${join(dir, 'prod.sqlite')}`,
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
    });
    const listening = output.split('\n').find((line) => line.includes('listening on')) ?? '';
    expect(JSON.parse(listening)).toMatchObject({ level: 30, context: 'Bootstrap' });
  });
});
