import { Contract, expectProblem } from '@oc-numbers/testing';
import request from 'supertest';
import { useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
// A day-long window: no window ends while a test runs, so the counts below are exact.
const DAY_MS = 86_400_000;

describe('the rate limit', () => {
  const running = useApp('sqlite', { rateLimit: { enabled: true, max: 3, windowMs: DAY_MS } });

  it('answers 429 problems with Retry-After and RateLimit headers once a client is over its limit', async () => {
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push(await request(running().server).get(SUMMARY));
    expect(allowed.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(allowed.map((r) => r.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    for (const response of allowed) {
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(contract.check('get', SUMMARY, response)).toEqual([]);
    }

    for (const path of [SUMMARY, '/health/live', '/health/ready', '/metrics']) {
      const response = await request(running().server).get(path);
      expect(contract.check('get', path, response)).toEqual([]);
      const retryAfter = Number(response.headers['retry-after']);
      expectProblem(response, 429, 'TOO_MANY_REQUESTS', {
        type: 'about:blank',
        title: 'Too Many Requests',
        detail: `More than 3 requests in 86400 seconds from this client. Retry after ${retryAfter} seconds.`,
        instance: path,
        limit: 'client',
      });
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(DAY_MS / 1000);
      expect(response.headers['ratelimit-reset']).toBe(response.headers['retry-after']);
      expect(response.headers['ratelimit-remaining']).toBe('0');
    }
  });
});

describe('with the rate limit turned off', () => {
  const running = useApp('sqlite', { rateLimit: { enabled: false, max: 1, windowMs: DAY_MS } });

  it('serves every request and sends no RateLimit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await request(running().server).get(SUMMARY);
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('protective defaults', () => {
  const running = useApp('sqlite');

  it('sends security headers and no framework banner', async () => {
    const response = await request(running().server).get(SUMMARY);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers.server).toBeUndefined();
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const response = await request(running().server).get(SUMMARY).set('Origin', 'https://evil.example.com');
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a request head over 16 KiB with a 431 and stays up', async () => {
    const response = await request(running().server)
      .get(SUMMARY)
      .set('X-Padding', 'a'.repeat(20 * 1024));
    expect(response.status).toBe(431);
    expect((await request(running().server).get('/health/live')).status).toBe(200);
  });

  it('refuses a body over the limit with a 413 problem', async () => {
    const response = await request(running().server)
      .post('/health/live')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'a'.repeat(32 * 1024) }));
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE', { instance: '/health/live' });
  });
});

describe('CORS for configured origins', () => {
  const DASHBOARD = 'https://dashboard.example.com';
  const running = useApp('sqlite', { corsOrigins: [DASHBOARD] });

  it('allows a configured origin to read the API and its headers', async () => {
    const response = await request(running().server).get(SUMMARY).set('Origin', DASHBOARD);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(response.headers['access-control-expose-headers']).toContain('X-Trace-Id');
    expect(response.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
  });

  it('answers a preflight for a configured origin only', async () => {
    const ok = await request(running().server)
      .options(SUMMARY)
      .set('Origin', DASHBOARD)
      .set('Access-Control-Request-Method', 'GET');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(DASHBOARD);
    const other = await request(running().server).get(SUMMARY).set('Origin', 'https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
