import { runToExit } from '@oc-numbers/testing';

describe('starting the service with bad settings', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535 (got "70000")'],
    [{ DATABASE_URL: 'mysql://root:secret@db/oc' }, 'DATABASE_URL must be unset'],
    [{ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL sqlite:<path> needs a file path'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN must be true or false (got "maybe")'],
  ])('%j stops with a message that names the variable', async (env, message) => {
    const { code, output } = await runToExit(env);
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration');
    expect(output).toContain(message);
    expect(output).not.toContain('secret');
  });

  it('names every bad variable at once', async () => {
    const { code, output } = await runToExit({ PORT: '-1', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(output).toMatch(/PORT must be/);
    expect(output).toMatch(/LOG_LEVEL must be/);
  });

  it('refuses to start in production without AUTH_MODE', async () => {
    const { code, output } = await runToExit({ NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration');
    expect(output).toContain('AUTH_MODE must be set (jwt or none) when NODE_ENV is production');
  });

  it('stops with a clear message when AUTH_PUBLIC_KEYS holds no usable key', async () => {
    const { code, output } = await runToExit({
      AUTH_MODE: 'jwt',
      AUTH_ISSUERS: 'https://issuer.test/',
      AUTH_AUDIENCE: 'api://oc-numbers-test',
      AUTH_PUBLIC_KEYS: '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----',
    });
    expect(code).toBe(1);
    expect(output).toContain('OC Numbers could not start: AUTH_PUBLIC_KEYS: block 1 is not a valid public key');
  });

  it('stops with a clear message when PostgreSQL cannot be reached', async () => {
    const { code, output } = await runToExit({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(code).toBe(1);
    expect(output).toContain('OC Numbers could not start');
    expect(output).toMatch(/ECONNREFUSED/);
  });
});
