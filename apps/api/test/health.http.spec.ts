import { Contract, expectProblem, onPostgresServer, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import request from 'supertest';
import { useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

describe.each(TEST_DATABASE_KINDS)('health probes on %s', (kind) => {
  const running = useApp(kind);

  async function get(path: string) {
    const response = await request(running().server).get(path);
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
  const running = useApp('postgres');

  it('answers 503 problems with Retry-After, then serves again without a restart', async () => {
    await onPostgresServer(running().database.url, 'DROP DATABASE {database} WITH (FORCE)');

    const tickets: string[] = [];
    for (const path of ['/health/ready', SUMMARY, SUMMARY]) {
      const response = await request(running().server).get(path);
      expect(contract.check('get', path, response)).toEqual([]);
      const problem = expectProblem(response, 503, 'DATABASE_UNAVAILABLE', {
        type: 'about:blank',
        title: 'Service Unavailable',
        detail: 'The database is not available. Retry after 5 seconds.',
        instance: path,
      });
      expect(response.headers['retry-after']).toBe('5');
      tickets.push(problem.errorTicket);
    }
    // The outage's cause is logged once, with its stack; the later failures are only counted.
    const [first, ...later] = tickets;
    expect(running().logs.mentioning(first)).toEqual([
      expect.objectContaining({ level: 50, errorCode: 'DATABASE_UNAVAILABLE', err: expect.anything() }),
    ]);
    for (const ticket of later) expect(running().logs.mentioning(ticket)).toEqual([]);
    const live = await request(running().server).get('/health/live');
    expect(live.status).toBe(200);

    await onPostgresServer(running().database.url, 'CREATE DATABASE {database}');
    await running().dataSource.runMigrations({ transaction: 'each' });
    expect((await request(running().server).get('/health/ready')).status).toBe(200);
    const summary = await request(running().server).get(SUMMARY);
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({ markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 });
    // The recovery is one line.
    expect(running().logs.lines.filter((line) => /answers again after/.test(String(line.msg)))).toEqual([
      expect.objectContaining({ level: 30, msg: expect.stringContaining('3 request(s) failed meanwhile') }),
    ]);
  });
});

describe('when the SQLite database cannot answer', () => {
  const running = useApp('sqlite');

  it('reports readiness down with a 503 problem while liveness stays up', async () => {
    await running().dataSource.destroy();
    const ready = await request(running().server).get('/health/ready');
    expect(contract.check('get', '/health/ready', ready)).toEqual([]);
    expectProblem(ready, 503, 'DATABASE_UNAVAILABLE', { instance: '/health/ready' });
    expect(ready.headers['retry-after']).toBe('5');
    expect((await request(running().server).get('/health/live')).status).toBe(200);
    const [line] = running().logs.mentioning(ready.body.errorTicket);
    expect(line).toMatchObject({
      level: 50,
      errorCode: 'DATABASE_UNAVAILABLE',
      msg: expect.stringContaining('"down"'),
    });
  });
});
