import { Contract, TEST_DATABASE_KINDS } from '@oc-numbers/testing';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

describe.each(TEST_DATABASE_KINDS)('GET /metrics on %s', (kind) => {
  const running = useApp(kind);

  async function metrics(): Promise<string> {
    const response = await request(running().server).get('/metrics');
    expect(contract.check('get', '/metrics', { ...response, body: response.text })).toEqual([]);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text;
  }

  it('counts requests by route template, method and status, with their durations', async () => {
    await request(running().server).get(SUMMARY).expect(200);
    await request(running().server).get(`${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff`).expect(200);
    await request(running().server).get(`${SUMMARY}?msTenantId=nope`).expect(400);
    const text = await metrics();
    expect(text).toContain(`http_requests_total{route="${SUMMARY}",method="GET",status="200"} 2`);
    expect(text).toContain(`http_requests_total{route="${SUMMARY}",method="GET",status="400"} 1`);
    expect(text).toMatch(
      new RegExp(`http_request_duration_seconds_count\\{route="${SUMMARY}",method="GET",status="200"\\} 2`),
    );
    expect(text).not.toContain('msTenantId');
  });

  it('labels a request no operation answers "unmatched", never with its URL', async () => {
    const segment = randomBytes(8).toString('hex');
    await request(running().server).get(`/${segment}/x/${segment}`).expect(404);
    await request(running().server).get(`/api/v3/oc/numbers/${segment}`).expect(404);
    const text = await metrics();
    expect(text).not.toContain(segment);
    expect(text).toMatch(/http_requests_total\{route="unmatched",method="GET",status="404"\} [2-9]/);
  });

  it('reports database query durations, pool usage and process metrics', async () => {
    await request(running().server).get('/health/ready').expect(200);
    const text = await metrics();
    expect(text).toMatch(/db_query_duration_seconds_count\{statement="SELECT"\} [1-9]/);
    expect(text).toMatch(/db_pool_connections\{state="total"\} [1-9]/);
    if (kind === 'postgres') {
      expect(text).toMatch(/db_pool_connections\{state="idle"\} \d/);
      expect(text).toMatch(/db_pool_connections\{state="waiting"\} \d/);
      expect(text).toMatch(/db_pool_max_connections 10\n/);
    } else {
      expect(text).toMatch(/db_pool_connections\{state="total"\} 1\n/);
      expect(text).not.toMatch(/db_pool_connections\{state="idle"\}/);
      expect(text).toMatch(/db_pool_max_connections 1\n/);
    }
    expect(text).toMatch(/process_resident_memory_bytes [1-9]/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds /);
  });
});
