import { jest } from '@jest/globals';
import { jwtAuthEnv, type TestIssuer, testIssuer } from '@oc-numbers/testing';
import { loadConfig } from '../config/app-config';
import { ALL_TENANTS } from './caller';
import { loadPublicKeys } from './token-keys';
import { callerOfClaims, TOKEN_CACHE_MAX_AGE_MS, TokenRejected, TokenVerifier } from './token-verifier';

const { auth } = loadConfig({});
const T1 = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const T2 = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('the caller of verified claims', () => {
  it('is named by azp, else appid, else sub', () => {
    expect(callerOfClaims({ azp: 'a', appid: 'b', sub: 'c' }, auth).id).toBe('app:a');
    expect(callerOfClaims({ appid: 'b', sub: 'c' }, auth)).toMatchObject({ id: 'app:b', rateLimitKey: 'app:b' });
    expect(callerOfClaims({ sub: 'c' }, auth).id).toBe('app:c');
    expect(() => callerOfClaims({ azp: '' }, auth)).toThrow(TokenRejected);
  });

  it.each([
    [['OcNumbers.Read.All'], true, false, ALL_TENANTS],
    [['OcNumbers.ReadWrite.All'], true, true, ALL_TENANTS],
    [['OcNumbers.Read'], true, false, { all: false, tenants: [T1] }],
    [['OcNumbers.ReadWrite'], true, true, { all: false, tenants: [T1] }],
    [['Other'], false, false, { all: false, tenants: [T1] }],
    // A limited write role never writes every tenant, whatever read role goes with it.
    [['OcNumbers.Read.All', 'OcNumbers.ReadWrite'], true, true, { all: false, tenants: [T1] }],
    [['OcNumbers.Read', 'OcNumbers.ReadWrite.All'], true, true, ALL_TENANTS],
  ])('roles %j: read %s, write %s, scope %j', (roles, canRead, canWrite, scope) => {
    expect(callerOfClaims({ azp: 'x', roles, tid: T1 }, auth)).toMatchObject({ canRead, canWrite, scope });
  });

  it('takes no roles from a claim that is not an array', () => {
    expect(callerOfClaims({ azp: 'x', roles: 'OcNumbers.Read.All' }, auth)).toMatchObject({
      canRead: false,
      canWrite: false,
    });
  });

  it.each([
    ['no tenant claim', undefined, []],
    ['one GUID, upper-case', T1.toUpperCase(), [T1]],
    ['an array, repeats and non-GUIDs left out', [T1, T2, T1.toUpperCase(), 'tenant', 7, null], [T1, T2]],
    ['a number', 42, []],
  ])('limited tenants from %s', (_name, tid, tenants) => {
    expect(callerOfClaims({ azp: 'x', roles: ['OcNumbers.Read'], tid }, auth).scope).toEqual({ all: false, tenants });
  });

  it('reads the tenants from the claim AUTH_TENANT_CLAIM names', () => {
    const config = { ...auth, tenantClaim: 'extension_tenants' };
    expect(
      callerOfClaims({ azp: 'x', roles: ['OcNumbers.Read'], tid: T2, extension_tenants: [T1] }, config).scope,
    ).toEqual({
      all: false,
      tenants: [T1],
    });
  });
});

describe('verified tokens kept', () => {
  const config = (tokenCacheSize: number, issuer: TestIssuer) =>
    loadConfig({ ...jwtAuthEnv(issuer), AUTH_TOKEN_CACHE_SIZE: String(tokenCacheSize) }).auth;

  /** A verifier on a clock the test moves, and how often it checked a signature. */
  async function verifierOf(tokenCacheSize: number) {
    const issuer = await testIssuer();
    let now = Date.now();
    const verifier = new TokenVerifier(
      config(tokenCacheSize, issuer),
      loadPublicKeys(issuer.publicPem),
      undefined,
      () => now,
    );
    const verify = jest.spyOn(verifier, 'verify');
    return { issuer, verifier, verify, advance: (ms: number) => (now += ms) };
  }

  it('knows a token verified before by a lookup, for at most 5 minutes', async () => {
    const { issuer, verifier, verify, advance } = await verifierOf(10);
    const token = await issuer.mint({ azp: 'dashboard', roles: ['OcNumbers.Read.All'] });
    const first = await verifier.caller(token);
    advance(TOKEN_CACHE_MAX_AGE_MS - 1);
    expect(await verifier.caller(token)).toBe(first);
    expect(verify).toHaveBeenCalledTimes(1);
    advance(1);
    expect(await verifier.caller(token)).toEqual(first);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('answers a known token without a promise, and nothing for one it must verify', async () => {
    const { issuer, verifier, verify, advance } = await verifierOf(10);
    const token = await issuer.mint({ azp: 'dashboard', roles: ['OcNumbers.Read.All'] });
    expect(verifier.knownCaller(token)).toBeUndefined();
    const caller = await verifier.caller(token);
    expect(verifier.knownCaller(token)).toBe(caller);
    expect(verifier.knownCaller(`${token}x`)).toBeUndefined();
    advance(TOKEN_CACHE_MAX_AGE_MS);
    expect(verifier.knownCaller(token)).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('says what it knows of a token, and whether that is still known, until it stops knowing it', async () => {
    const { issuer, verifier, advance } = await verifierOf(10);
    const token = await issuer.mint({ azp: 'dashboard', roles: ['OcNumbers.Read.All'] }, { expiresInS: 30 });
    expect(verifier.knownToken(token)).toBeUndefined();
    const caller = await verifier.caller(token);
    const known = verifier.knownToken(token);
    expect(known?.caller).toBe(caller);
    if (!known) return;
    // Until the token's exp (whole seconds, 30 s from now) and the clock skew (60 s) have passed.
    const start = advance(0);
    expect(known.until - start).toBeGreaterThan(89_000);
    expect(known.until - start).toBeLessThanOrEqual(90_000);
    advance(known.until - start - 1);
    expect(verifier.stillKnown(known)).toBe(caller);
    advance(1);
    expect(verifier.stillKnown(known)).toBeUndefined();
    expect(verifier.knownToken(token)).toBeUndefined();
  });

  it('no longer honours what it knew of a token it let go when full', async () => {
    const { issuer, verifier } = await verifierOf(1);
    const [a, b] = await Promise.all(['a', 'b'].map((azp) => issuer.mint({ azp })));
    await verifier.caller(a);
    const known = verifier.knownToken(a);
    expect(known && verifier.stillKnown(known)).toBeDefined();
    await verifier.caller(b);
    expect(known && verifier.stillKnown(known)).toBeUndefined();
  });

  it('knows a token no longer than it is valid, with the clock skew', async () => {
    const { issuer, verifier, verify, advance } = await verifierOf(10);
    const token = await issuer.mint({ azp: 'dashboard', roles: ['OcNumbers.Read.All'] }, { expiresInS: 30 });
    await verifier.caller(token);
    advance((30 + 60) * 1000 - 1000);
    await verifier.caller(token);
    expect(verify).toHaveBeenCalledTimes(1);
    advance(2000);
    await verifier.caller(token);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('keeps none that failed, and lets the oldest go when full', async () => {
    const { issuer, verifier, verify } = await verifierOf(2);
    const stranger = await (
      await testIssuer({ issuer: issuer.issuer, audience: issuer.audience, kid: issuer.kid })
    ).mint();
    await expect(verifier.caller(stranger)).rejects.toEqual(new TokenRejected('signature'));
    await expect(verifier.caller(stranger)).rejects.toEqual(new TokenRejected('signature'));
    expect(verify).toHaveBeenCalledTimes(2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((azp) => issuer.mint({ azp })));
    for (const token of [a, b, c, c, b]) await verifier.caller(token);
    expect(verify).toHaveBeenCalledTimes(5);
    await verifier.caller(a);
    expect(verify).toHaveBeenCalledTimes(6);
  });

  it('verifies every request with AUTH_TOKEN_CACHE_SIZE=0', async () => {
    const { issuer, verifier, verify } = await verifierOf(0);
    const token = await issuer.mint();
    await verifier.caller(token);
    await verifier.caller(token);
    expect(verify).toHaveBeenCalledTimes(2);
  });
});
