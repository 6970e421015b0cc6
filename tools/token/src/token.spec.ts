import { startServer } from '@oc-numbers/testing';
import { decodeJwt } from 'jose';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, runToken, TOKEN_USAGE } from './token';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const TENANT = '6F9619FF-8B86-D011-B42D-00CF4FC964FF';

/** Runs the tool; its exit code and what it wrote. */
async function token(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runToken(argv, { write: (t: string) => (out += t) }, { write: (t: string) => (err += t) });
  return { code, out, err };
}

describe('npm run token', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-token-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--init writes a key pair once and prints the settings', async () => {
    const keys = join(dir, 'keys');
    const first = await token('--init', '--dir', keys);
    expect(first.code).toBe(0);
    expect(first.out).toBe(
      `AUTH_MODE=jwt\nAUTH_ISSUERS=${DEV_ISSUER}\nAUTH_AUDIENCE=${DEV_AUDIENCE}\nAUTH_PUBLIC_KEYS=${join(keys, 'public.pem')}\n`,
    );
    expect(statSync(join(keys, 'private.pem')).mode & 0o077).toBe(0);
    const again = await token('--init', '--dir', keys);
    expect([again.code, again.out, again.err]).toEqual([0, first.out, expect.stringContaining('is kept')]);
  });

  it('mints a token with the roles, tenants, client and lifetime asked for', async () => {
    const keys = join(dir, 'keys');
    const { code, out } = await token(
      '--dir',
      keys,
      '--role',
      'OcNumbers.Read',
      '--role',
      'OcNumbers.ReadWrite',
      '--tenant',
      TENANT,
      '--tenant',
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '--client',
      'my-app',
      '--expires',
      '30m',
    );
    expect(code).toBe(0);
    const claims = decodeJwt(out.trim());
    expect(claims).toMatchObject({
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      azp: 'my-app',
      sub: 'my-app',
      roles: ['OcNumbers.Read', 'OcNumbers.ReadWrite'],
      tid: [TENANT.toLowerCase(), '0f8fad5b-d9cb-469f-a165-70867728950e'],
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(1800);
  });

  it.each([
    [['--role'], '--role needs a value'],
    [['--tenant', 'tenant-a'], '--tenant must be a GUID (got "tenant-a")'],
    [['--expires', '1y'], '--expires must be a time such as 90s, 30m, 1h or 2d, at most 30d (got "1y")'],
    [['--client', 'a', '--client', 'b'], '--client is given twice'],
    [['--init', '--role', 'OcNumbers.Read'], '--init takes only --dir (not --role)'],
    [['--colour'], 'Unknown option --colour'],
    [['now'], 'Unexpected argument "now"'],
  ])('%j is a usage error: exit 2 with the usage', async (argv, message) => {
    const { code, out, err } = await token(...argv);
    expect([code, out]).toEqual([2, '']);
    expect(err).toBe(`${message}\n\n${TOKEN_USAGE}`);
  });

  it('refuses to mint without a key pair', async () => {
    const { code, err } = await token('--dir', join(dir, 'none'), '--role', 'OcNumbers.Read');
    expect(code).toBe(2);
    expect(err).toContain('There is no development key in');
  });

  it('mints tokens the service accepts with the printed settings, and only with them', async () => {
    const keys = join(dir, 'keys');
    const settings = Object.fromEntries(
      (await token('--init', '--dir', keys)).out
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
    const server = await startServer({ ...settings, DATABASE_URL: `sqlite:${join(dir, 'token.sqlite')}` });
    try {
      const get = (bearer?: string) =>
        fetch(`${server.baseUrl}${SUMMARY}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
      const reader = (await token('--dir', keys, '--role', 'OcNumbers.Read.All')).out.trim();
      expect((await get(reader)).status).toBe(200);
      expect((await get()).status).toBe(401);
      const noRole = (await token('--dir', keys)).out.trim();
      expect((await get(noRole)).status).toBe(403);
      // A key pair the service was not given: its tokens do not verify.
      await token('--init', '--dir', join(dir, 'other'));
      const stranger = (await token('--dir', join(dir, 'other'), '--role', 'OcNumbers.Read.All')).out.trim();
      const refused = await get(stranger);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer realm="oc-numbers", error="invalid_token", error_description="the signature does not verify"',
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
