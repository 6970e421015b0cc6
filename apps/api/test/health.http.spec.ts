import { Contract, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import { Client } from 'pg';
import request from 'supertest';
import { startApp, type RunningApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const TICKET = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(TEST_DATABASE_KINDS)('health probes on %s', (kind) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(kind);
  });
  afterAll(() => running?.close());

  async function get(path: string) {
    const response = await request(running.server).get(path);
    expect(contract.check('get', path, response)).toEqual([]);
    return response;
  }

  describe('GET /health/live', () => {
    it('answers ok without checking anything', async () => {
      const response = await get('/health/live');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });
  });

  describe('GET /health/ready', () => {
    it('answers ok when the database answers', async () => {
      const response = await get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up', responseTime: expect.any(Number) } },
        error: {},
        details: { database: { status: 'up', responseTime: expect.any(Number) } },
      });
    });
  });
});

describe('when the PostgreSQL database goes away and comes back', () => {
  let running: RunningApp;
  const admin = () => {
    const url = new URL(running.database.url);
    const name = url.pathname.slice(1);
    url.pathname = '/postgres';
    return { name, url: url.toString() };
  };
  const onServer = async (sql: string) => {
    const client = new Client({ connectionString: admin().url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    running = await startApp('postgres');
  });
  afterAll(() => running?.close());

  it('answers 503 problems with Retry-After, then serves again without a restart', async () => {
    await onServer(`DROP DATABASE ${admin().name} WITH (FORCE)`);

    for (const path of ['/health/ready', SUMMARY]) {
      const response = await request(running.server).get(path);
      expect(contract.check('get', path, response)).toEqual([]);
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The database is not available. Retry after 5 seconds.',
        instance: path,
        errorCode: 'DATABASE_UNAVAILABLE',
        errorTicket: expect.stringMatching(TICKET),
        traceId: response.headers['x-trace-id'],
      });
      expect(running.logs.mentioning(response.body.errorTicket)).toHaveLength(1);
    }
    const live = await request(running.server).get('/health/live');
    expect(live.status).toBe(200);

    await onServer(`CREATE DATABASE ${admin().name}`);
    await running.dataSource.runMigrations({ transaction: 'each' });
    expect((await request(running.server).get('/health/ready')).status).toBe(200);
    const summary = await request(running.server).get(SUMMARY);
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });
  });
});

describe('when the SQLite database cannot answer', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp('sqlite');
  });
  afterAll(() => running?.close());

  it('reports readiness down with a 503 problem while liveness stays up', async () => {
    await running.dataSource.destroy();
    const ready = await request(running.server).get('/health/ready');
    expect(contract.check('get', '/health/ready', ready)).toEqual([]);
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(ready.body).toMatchObject({ status: 503, errorCode: 'DATABASE_UNAVAILABLE', instance: '/health/ready' });
    expect((await request(running.server).get('/health/live')).status).toBe(200);
  });
});
