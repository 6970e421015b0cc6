import { Contract, expectProblem } from '@oc-numbers/testing';
import request from 'supertest';
import { ACTION_ROUTES } from '../src/rate-limit/rate-limiter';
import { useApp } from './app-harness';

/**
 * The lifecycle actions' own limit (the vendor's 300 a minute), per client and per operation, on
 * top of the client's limit over all operations. Not a database behaviour: SQLite serves.
 */
const contract = new Contract();
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR = '/api/v3/oc/action/clear-removal-status';
const REMOVE = '/api/v3/oc/numbers/action/remove';
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const DAY_MS = 86_400_000;
const BODY = { telephoneNumbers: ['+19995550000'] };

describe("an action's own rate limit", () => {
  const running = useApp('sqlite', {
    rateLimit: { enabled: true, max: 10, windowMs: DAY_MS },
    actionRateLimit: { max: 2, windowMs: DAY_MS },
  });

  it('counts each client per operation, names the limit that binds, and leaves other operations alone', async () => {
    const served = [];
    for (let i = 0; i < 2; i++) served.push(await request(running().server).post(READY).send(BODY));
    expect(served.map((r) => r.status)).toEqual([200, 200]);
    expect(served.map((r) => [r.headers['ratelimit-remaining'], r.headers['ratelimit-policy']])).toEqual([
      ['1', '2;w=86400;name="route"'],
      ['0', '2;w=86400;name="route"'],
    ]);
    for (const response of served) expect(contract.check('post', READY, response)).toEqual([]);

    const refused = await request(running().server).post(READY).send(BODY);
    expect(contract.check('post', READY, refused)).toEqual([]);
    const retryAfter = Number(refused.headers['retry-after']);
    expectProblem(refused, 429, 'TOO_MANY_REQUESTS', {
      type: 'about:blank',
      title: 'Too Many Requests',
      detail: `More than 2 requests in 86400 seconds from this client to this operation. Retry after ${retryAfter} seconds.`,
      instance: READY,
      limit: 'route',
    });
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-policy': '2;w=86400;name="route"' });

    // Another action has its own count; an operation without a limit of its own only the client's.
    const clear = await request(running().server).post(CLEAR).send(BODY);
    expect([clear.status, clear.headers['ratelimit-policy']]).toEqual([200, '2;w=86400;name="route"']);
    const summary = await request(running().server).get(SUMMARY);
    expect(summary.status).toBe(200);
    expect(summary.headers['ratelimit-policy']).toBeUndefined();
    // 3 of READY, 1 of CLEAR, 1 summary: the client has 5 requests left of its 10.
    expect(summary.headers['ratelimit-remaining']).toBe('5');
  });

  it("names the client's limit when it binds first", async () => {
    // Requests so far: 5 (above). Five more spend the client's limit; REMOVE's own has 2.
    for (let i = 0; i < 4; i++) await request(running().server).get(SUMMARY);
    const last = await request(running().server).post(REMOVE).send(BODY);
    expect([last.status, last.headers['ratelimit-remaining'], last.headers['ratelimit-policy']]).toEqual([
      200,
      '0',
      '10;w=86400;name="client"',
    ]);
    const refused = await request(running().server).post(REMOVE).send(BODY);
    expectProblem(refused, 429, 'TOO_MANY_REQUESTS', { instance: REMOVE, limit: 'client' });
    expect(refused.headers['ratelimit-policy']).toBe('10;w=86400;name="client"');
    expect(contract.check('post', REMOVE, refused)).toEqual([]);
  });

  it("covers the reconciliation's route template as well", () => {
    expect([...ACTION_ROUTES]).toEqual([
      `POST ${READY}`,
      `POST ${CLEAR}`,
      `POST ${REMOVE}`,
      'POST /api/v3/oc/tenants/:msTenantId/numbers/reconcile',
    ]);
  });
});

describe("with the actions' own limit off (ACTION_RATE_LIMIT_MAX=0)", () => {
  const running = useApp('sqlite', {
    rateLimit: { enabled: true, max: 100, windowMs: DAY_MS },
    actionRateLimit: { max: 0, windowMs: DAY_MS },
  });

  it("counts the actions against the client's limit only", async () => {
    for (let i = 0; i < 4; i++) {
      const response = await request(running().server).post(READY).send(BODY);
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-policy']).toBeUndefined();
      expect(response.headers['ratelimit-limit']).toBe('100');
    }
  });
});
