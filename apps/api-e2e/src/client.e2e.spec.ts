import { createOcNumbersClient, OcNumbersApiError } from '@oc-numbers/client';
import {
  createTestDatabase,
  expectedSummary,
  insertNumbers,
  type NumberRow,
  type ServerProcess,
  startServer,
  TEST_DATABASE_KINDS,
  type TestDatabase,
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
