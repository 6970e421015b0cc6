import { createOcNumbersClient, OcNumbersApiError } from '@oc-numbers/client';
import {
  createTestDatabase,
  expectedSummary,
  insertNumbers,
  jwtAuthEnv,
  type NumberRow,
  type ServerProcess,
  startServer,
  TEST_DATABASE_KINDS,
  type TestDatabase,
  type TestIssuer,
  testIssuer,
} from '@oc-numbers/testing';

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';
const OTHER = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** [tenant, status]: written with plain SQL, as the operator's sync job would. */
const NUMBERS: readonly NumberRow[] = (
  [
    [TENANT, 2],
    [TENANT, 2],
    [TENANT, 3],
    [TENANT, 0],
    [OTHER, 3],
    [OTHER, 1],
    [null, 2],
  ] as const
).map(([msTenantId, removalStatus], i) => ({
  telephoneNumber: `+1206555${String(i).padStart(4, '0')}`,
  msTenantId,
  removalStatus,
}));

describe.each(TEST_DATABASE_KINDS)('the client against the built service on %s', (kind) => {
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServer({ DATABASE_URL: database.url });
    await insertNumbers(database, NUMBERS);
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await database?.drop();
  });

  it('gets the summary of all tenants', async () => {
    const client = createOcNumbersClient({ baseUrl: server.baseUrl });
    await expect(client.getRemovalStatusSummary()).resolves.toEqual(expectedSummary(NUMBERS));
  });

  it('gets the summary of one tenant, in any letter case', async () => {
    const client = createOcNumbersClient({ baseUrl: server.baseUrl });
    const expected = expectedSummary(NUMBERS, TENANT);
    await expect(client.getRemovalStatusSummary({ msTenantId: TENANT })).resolves.toEqual(expected);
    await expect(client.getRemovalStatusSummary({ msTenantId: TENANT.toUpperCase() })).resolves.toEqual(expected);
  });

  it('rejects with the problem details of a 400', async () => {
    const client = createOcNumbersClient({ baseUrl: server.baseUrl });
    const error = await client.getRemovalStatusSummary({ msTenantId: 'not-a-guid' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcNumbersApiError);
    const { status, problem, message } = error as OcNumbersApiError;
    expect(status).toBe(400);
    expect(problem).toMatchObject({
      status: 400,
      title: 'Invalid msTenantId',
      errorCode: 'INVALID_MS_TENANT_ID',
      instance: '/api/v3/oc/numbers/removal-status/summary',
    });
    expect(message).toContain(problem?.errorTicket);
  });

  it('reaches the other operations through their generated functions, reading each answer as its type', async () => {
    const client = createOcNumbersClient({ baseUrl: server.baseUrl });
    await expect(client.getNumberRemovalStatusSummary({ msTenantId: TENANT })).resolves.toEqual(
      expectedSummary(NUMBERS, TENANT),
    );
    await expect(client.getLiveness()).resolves.toMatchObject({ status: 'ok' });
    await expect(client.getReadiness()).resolves.toMatchObject({ status: 'ok' });
    await expect(client.getMetrics()).resolves.toContain('# TYPE http_requests_total counter');
    await expect(client.getApiDocs()).resolves.toMatch(/<html/i);
    await expect(client.getOpenApiYaml()).resolves.toMatch(/^openapi: 3\.1\.0\n/);
    await expect(client.getOpenApiJson()).resolves.toMatchObject({ openapi: '3.1.0' });
  });

  it('answers the two-command quick start: an empty database gives zeros', async () => {
    const empty = await createTestDatabase(kind);
    const fresh = await startServer({ DATABASE_URL: empty.url });
    try {
      const response = await fetch(`${fresh.baseUrl}/api/v3/oc/numbers/removal-status/summary`);
      expect(await response.text()).toBe('{"markedForRemovalCount":0,"readyForRemovalCount":0,"totalCount":0}');
    } finally {
      expect(await fresh.stop()).toBe(0);
      await empty.drop();
    }
  });
});

describe.each(TEST_DATABASE_KINDS)(
  'the client with a token against the built service with AUTH_MODE=jwt on %s',
  (kind) => {
    let database: TestDatabase;
    let server: ServerProcess;
    let issuer: TestIssuer;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      issuer = await testIssuer();
      server = await startServer({ DATABASE_URL: database.url, ...jwtAuthEnv(issuer), LOG_LEVEL: 'error' });
      await insertNumbers(database, NUMBERS);
    });

    afterAll(async () => {
      expect(await server?.stop()).toBe(0);
      await database?.drop();
    });

    it('calls the token provider before every request, and is served with the token it gives', async () => {
      const given: string[] = [];
      const client = createOcNumbersClient({
        baseUrl: server.baseUrl,
        token: async () => {
          const token = await issuer.mint({ roles: ['OcNumbers.Read.All'], azp: 'client-e2e' });
          given.push(token);
          return token;
        },
      });
      await expect(client.getRemovalStatusSummary()).resolves.toEqual(expectedSummary(NUMBERS));
      await expect(client.getNumberRemovalStatusSummary({ msTenantId: TENANT })).resolves.toEqual(
        expectedSummary(NUMBERS, TENANT),
      );
      expect(given).toHaveLength(2);
      expect(new Set(given).size).toBe(2);
    });

    it("gives a tenant-limited caller its own tenant's counts", async () => {
      const token = await issuer.mint({ roles: ['OcNumbers.Read'], tid: OTHER });
      const client = createOcNumbersClient({ baseUrl: server.baseUrl, token });
      await expect(client.getRemovalStatusSummary()).resolves.toEqual(expectedSummary(NUMBERS, OTHER));
    });

    it('rejects without sending anything when the token provider fails', async () => {
      const failure = new Error('the identity provider is unreachable');
      let sent = 0;
      const client = createOcNumbersClient({
        baseUrl: server.baseUrl,
        token: () => Promise.reject(failure),
        fetch: (input: Request) => {
          sent += 1;
          return fetch(input);
        },
      });
      await expect(client.getRemovalStatusSummary()).rejects.toBe(failure);
      expect(sent).toBe(0);
    });

    it('rejects a 401 and a 403 with OcNumbersApiError and their problem details', async () => {
      const anonymous = createOcNumbersClient({ baseUrl: server.baseUrl });
      const unauthenticated = await anonymous.getRemovalStatusSummary().catch((e: unknown) => e);
      expect(unauthenticated).toBeInstanceOf(OcNumbersApiError);
      expect(unauthenticated).toMatchObject({ status: 401, problem: { status: 401, errorCode: 'UNAUTHENTICATED' } });

      const reader = createOcNumbersClient({
        baseUrl: server.baseUrl,
        token: () => issuer.mint({ roles: ['OcNumbers.Read.All'] }),
      });
      const forbidden = await reader
        .markNumbersReadyForRemoval({ telephoneNumbers: ['+12065550000'] })
        .catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(OcNumbersApiError);
      expect(forbidden).toMatchObject({ status: 403, problem: { status: 403, errorCode: 'INSUFFICIENT_ROLE' } });

      const limited = createOcNumbersClient({
        baseUrl: server.baseUrl,
        token: () => issuer.mint({ roles: ['OcNumbers.Read'], tid: OTHER }),
      });
      const otherTenant = await limited.getRemovalStatusSummary({ msTenantId: TENANT }).catch((e: unknown) => e);
      expect(otherTenant).toBeInstanceOf(OcNumbersApiError);
      expect(otherTenant).toMatchObject({ status: 403, problem: { status: 403, errorCode: 'TENANT_FORBIDDEN' } });
    });
  },
);
