import { loadConfig } from '../config/app-config';
import { ALL_TENANTS } from './caller';
import { callerOfClaims, TokenRejected } from './token-verifier';

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
