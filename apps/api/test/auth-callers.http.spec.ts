import { expectProblem, type TestIssuer, testIssuer } from '@oc-numbers/testing';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { startApp, type RunningApp } from './app-harness';
import { CHALLENGE, jwtConfig, KINDS } from './auth-harness';
import { TENANT_A } from './fixture';

/**
 * Who a token's caller is: Entra v1 and v2 tokens, the caller the history records, the rate
 * limit per client, and who reaches /metrics and the documentation.
 */
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const V1_ISSUER = `https://sts.windows.net/${ENTRA_TENANT}/`;
const V2_ISSUER = `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`;
const V1_CLIENT = '11111111-2222-4333-8444-555555555555';
const V2_CLIENT = '66666666-7777-4888-9999-000000000000';
const NUMBER = '+14255550100';

describe.each(KINDS)('callers of tokens (%s)', (kind) => {
  let v1: TestIssuer;
  let v2: TestIssuer;
  let running: RunningApp;

  beforeAll(async () => {
    v1 = await testIssuer({ issuer: V1_ISSUER, audience: 'api://oc-numbers', kid: 'entra-1' });
    v2 = await testIssuer({ issuer: V2_ISSUER, audience: 'api://oc-numbers', kid: 'entra-2' });
    running = await startApp(kind, jwtConfig([v1, v2]));
    const p = (i: number) => (kind === 'postgres' ? `$${i}` : '?');
    await running.dataSource.query(
      `INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) VALUES (${p(1)}, ${p(2)}, 2)`,
      [NUMBER, TENANT_A],
    );
  });
  afterAll(() => running?.close());

  it('accepts an Entra v1 token (appid, sts.windows.net) and a v2 token (azp, login.microsoftonline.com)', async () => {
    const v1Token = await v1.mint({ appid: V1_CLIENT, tid: ENTRA_TENANT, roles: ['OcNumbers.Read.All'], ver: '1.0' });
    const v2Token = await v2.mint({ azp: V2_CLIENT, tid: ENTRA_TENANT, roles: ['OcNumbers.Read.All'], ver: '2.0' });
    for (const token of [v1Token, v2Token]) {
      const response = await request(running.server).get(SUMMARY).set('Authorization', `Bearer ${token}`);
      expect(response.status).toBe(200);
    }
  });

  it("records the token's client as the caller in the history", async () => {
    const v1Token = await v1.mint({ appid: V1_CLIENT, roles: ['OcNumbers.ReadWrite.All'] });
    const marked = await request(running.server)
      .post(READY)
      .set('Authorization', `Bearer ${v1Token}`)
      .send({ telephoneNumbers: [NUMBER] });
    expect(marked.status).toBe(200);
    expect(marked.body.data.successCount).toBe(1);
    const v2Token = await v2.mint({ azp: V2_CLIENT, roles: ['OcNumbers.ReadWrite.All'] });
    const removed = await request(running.server)
      .post('/api/v3/oc/numbers/action/remove')
      .set('Authorization', `Bearer ${v2Token}`)
      .send({ telephoneNumbers: [NUMBER] });
    expect([removed.status, removed.body.data.successCount]).toEqual([200, 1]);
    const history = await request(running.server)
      .get(`/api/v3/oc/numbers/${encodeURIComponent(NUMBER)}/history`)
      .set('Authorization', `Bearer ${v2Token}`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((e: { operation: string; caller: string }) => [e.operation, e.caller])).toEqual([
      ['remove', `app:${V2_CLIENT}`],
      ['ready-for-removal', `app:${V1_CLIENT}`],
      ['sql', kind === 'postgres' ? 'sql:postgres' : null],
    ]);
  });
});

describe.each(KINDS)('the rate limit per client (%s)', (kind) => {
  let issuer: TestIssuer;
  let running: RunningApp;

  beforeAll(async () => {
    issuer = await testIssuer();
    running = await startApp(kind, {
      ...jwtConfig([issuer]),
      rateLimit: { enabled: true, max: 2, windowMs: 86_400_000 },
    });
  });
  afterAll(() => running?.close());

  it('counts each client of one address on its own, and requests without a token by the address', async () => {
    const get = (token?: string) => {
      const call = request(running.server).get(SUMMARY);
      return token ? call.set('Authorization', `Bearer ${token}`) : call;
    };
    const a = await issuer.mint({ azp: 'client-a', roles: ['OcNumbers.Read.All'] });
    const b = await issuer.mint({ azp: 'client-b', roles: ['OcNumbers.Read.All'] });
    expect([(await get(a)).status, (await get(a)).status]).toEqual([200, 200]);
    expectProblem(await get(a), 429, 'TOO_MANY_REQUESTS', { limit: 'client' });
    // Another token of client a counts against the same limit.
    expectProblem(
      await get(await issuer.mint({ azp: 'client-a', roles: ['OcNumbers.Read.All'] })),
      429,
      'TOO_MANY_REQUESTS',
      { limit: 'client' },
    );
    expect([(await get(b)).status, (await get(b)).status]).toEqual([200, 200]);
    expectProblem(await get(b), 429, 'TOO_MANY_REQUESTS', { limit: 'client' });
    // Refused requests count by the address, which has its own limit.
    const first = await get();
    expectProblem(first, 401, 'UNAUTHENTICATED');
    expect(first.headers['ratelimit-remaining']).toBe('1');
    expectProblem(await get('not.a.token'), 401, 'INVALID_TOKEN');
    expectProblem(await get(), 429, 'TOO_MANY_REQUESTS', { limit: 'client' });
  });
});

describe.each(['open', 'token', 'off'] as const)('METRICS_ACCESS and DOCS_ACCESS %s', (access) => {
  let issuer: TestIssuer;
  let running: RunningApp;

  beforeAll(async () => {
    issuer = await testIssuer();
    running = await startApp('sqlite', jwtConfig([issuer], { METRICS_ACCESS: access, DOCS_ACCESS: access }));
  });
  afterAll(() => running?.close());

  const PATHS = ['/metrics', '/api/docs', '/api/openapi.yaml', '/api/openapi.json', '/api/docs/swagger-ui.css'];

  it.each(PATHS)('%s', async (path) => {
    const bare = await request(running.server).get(path);
    const reader = await request(running.server)
      .get(path)
      .set('Authorization', `Bearer ${await issuer.mint({ roles: ['OcNumbers.Read'] })}`);
    const noRole = await request(running.server)
      .get(path)
      .set('Authorization', `Bearer ${await issuer.mint({ roles: [] })}`);
    if (access === 'open') {
      expect([bare.status, reader.status, noRole.status]).toEqual([200, 200, 200]);
    } else if (access === 'token') {
      expectProblem(bare, 401, 'UNAUTHENTICATED');
      expect(bare.headers['www-authenticate']).toBe(CHALLENGE.none);
      expect(reader.status).toBe(200);
      expectProblem(noRole, 403, 'INSUFFICIENT_ROLE');
      expect(noRole.headers['www-authenticate']).toBe(CHALLENGE.insufficient);
    } else {
      for (const answer of [bare, reader, noRole]) {
        expectProblem(answer, 404, 'NOT_FOUND', { detail: `No operation answers GET ${path}.`, instance: path });
      }
      expectProblem(await request(running.server).post(path), 404, 'NOT_FOUND');
    }
  });

  it('leaves the probes open', async () => {
    expect((await request(running.server).get('/health/live')).status).toBe(200);
    expect((await request(running.server).get('/health/ready')).status).toBe(200);
  });
});

describe('authentication off', () => {
  describe('by default', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp('sqlite', { metricsAccess: 'off', docsAccess: 'off' });
    });
    afterAll(() => running?.close());

    it('serves without a token, and says so in a warning at start', async () => {
      expect((await request(running.server).get(SUMMARY)).status).toBe(200);
      expect(running.logs.mentioning('Authentication is off')).toEqual([
        expect.objectContaining({ level: 40, context: 'Bootstrap' }),
      ]);
    });

    it('answers an endpoint that is off 404, as an unknown path', async () => {
      for (const path of ['/metrics', '/api/docs', '/api/openapi.json']) {
        expectProblem(await request(running.server).get(path), 404, 'NOT_FOUND', { instance: path });
      }
    });
  });

  it('says nothing when AUTH_MODE=none is set', async () => {
    const config = loadConfig({ AUTH_MODE: 'none' });
    const running = await startApp('sqlite', { auth: config.auth });
    try {
      const before = running.logs.mentioning('Authentication is off').length;
      await request(running.server).get('/health/live');
      expect(running.logs.mentioning('Authentication is off').length).toBe(before);
    } finally {
      await running.close();
    }
  });
});
