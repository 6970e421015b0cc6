import {
  createTestDatabase,
  freePort,
  jwtAuthEnv,
  startServer,
  type TestDatabase,
  testIssuer,
  workspaceRoot,
} from '@oc-numbers/testing';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REMOTE_BASE_URL } from './settings';

const RUNNER = join(workspaceRoot(), 'apps/api-contract/bin/contract.mjs');

/** Runs `npm run contract -- …` as a user would; these cases all end before the suite starts. */
function contract(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return contractWith({}, ...args);
}

/** The same, with these environment variables (the suite's CONTRACT_TOKEN is not passed on). */
function contractWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUNNER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONTRACT_TOKEN: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The runner's own checks; against --base-url the suite tests that instance, not the runner.
(REMOTE_BASE_URL ? describe.skip : describe)('npm run contract', () => {
  it('prints its usage with --help, and exits 2 with it on a bad command line', async () => {
    const help = await contract('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run contract -- \[--base-url URL\]/);
    const bad = await contract('--base-url', 'ftp://example.com');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^contract: --base-url must be an http:\/\/ or https:\/\/ URL .*\n\nUsage:/);
  });

  it('stops in one line, exit 2, when nothing listens at --base-url', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await contract('--base-url', url);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `contract: nothing answers HTTP at ${url} (GET ${url}/health/live: connection refused). ` +
        'Start the service there, or give the URL of a running instance.\n',
    });
  });

  it('stops in one line, exit 2, when what listens at --base-url does not speak HTTP', async () => {
    const server = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const run = await contract('--base-url', `http://127.0.0.1:${port}`);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the answer is not HTTP');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  describe('against an instance that requires a token', () => {
    let database: TestDatabase;
    let server: Awaited<ReturnType<typeof startServer>>;

    beforeAll(async () => {
      database = await createTestDatabase('sqlite');
      server = await startServer({
        DATABASE_URL: database.url,
        ...jwtAuthEnv(await testIssuer()),
        RATE_LIMIT_ENABLED: 'false',
        LOG_LEVEL: 'error',
      });
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('says to set CONTRACT_TOKEN, and exits 2 before the suite starts', async () => {
      const run = await contract('--base-url', server.baseUrl, '--no-prism');
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 2,
        stderr:
          `contract: ${server.baseUrl} requires a bearer token (GET ${server.baseUrl}/api/v3/oc/numbers/removal-status/summary ` +
          'answers 401 UNAUTHENTICATED). Set CONTRACT_TOKEN to a token with the role OcNumbers.ReadWrite.All.\n',
      });
    });

    it('says the token is refused, and exits 2 before the suite starts', async () => {
      const run = await contractWith({ CONTRACT_TOKEN: 'not.a.token' }, '--base-url', server.baseUrl, '--no-prism');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^contract: http:\/\/127\.0\.0\.1:\d+ does not accept the token in CONTRACT_TOKEN \(GET .* answers 401 INVALID_TOKEN\)\. Give a valid token with the role OcNumbers\.ReadWrite\.All\.\n$/,
      );
    });
  });

  describe('against an instance whose rate limit would refuse the suite', () => {
    let database: TestDatabase;
    let server: Awaited<ReturnType<typeof startServer>>;

    beforeAll(async () => {
      database = await createTestDatabase('sqlite');
      server = await startServer({ DATABASE_URL: database.url, RATE_LIMIT_MAX: '50', LOG_LEVEL: 'error' });
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('says to turn the rate limit off or raise it, and exits 2 before the suite starts', async () => {
      const run = await contract('--base-url', server.baseUrl, '--runs', '300', '--no-prism');
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 2,
        stderr:
          `contract: the rate limit of ${server.baseUrl} would refuse the suite: it allows 50 requests per client ` +
          'and window (RateLimit-Limit), and this run sends more than 300. Turn the rate limit off on the instance ' +
          '(RATE_LIMIT_ENABLED=false) or raise RATE_LIMIT_MAX.\n',
      });
    });
  });
});
