import request from 'supertest';
import { useApp } from './app-harness';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

describe('the request log', () => {
  const running = useApp('sqlite');

  const requestLine = (traceId: string) => {
    const lines = running()
      .logs.mentioning(traceId)
      .filter((l) => l.msg === 'request completed');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('writes one JSON line per request with method, route template, status, duration and trace id', async () => {
    const response = await request(running().server).get(`${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff`);
    expect(response.status).toBe(200);
    const traceId = response.headers['x-trace-id'];
    expect(requestLine(traceId)).toMatchObject({
      level: 30,
      traceId,
      route: SUMMARY,
      durationMs: expect.any(Number),
      req: { method: 'GET', url: `${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff` },
      res: {
        statusCode: 200,
        headers: {
          'content-type': response.headers['content-type'],
          'content-length': response.headers['content-length'],
        },
      },
    });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('writes an error line with the errorTicket beside the request line of a failed request', async () => {
    const response = await request(running().server).get(`${SUMMARY}?msTenantId=nope`);
    expect(response.status).toBe(400);
    const { traceId, errorTicket } = response.body;
    expect(requestLine(traceId)).toMatchObject({ route: SUMMARY, res: { statusCode: 400 } });
    expect(running().logs.mentioning(errorTicket)).toEqual([
      expect.objectContaining({ level: 40, traceId, errorTicket, errorCode: 'INVALID_MS_TENANT_ID' }),
    ]);
  });

  it('never writes credentials', async () => {
    const secret = 'hunter2-do-not-log';
    const response = await request(running().server)
      .get(SUMMARY)
      .set('Authorization', `Bearer ${secret}`)
      .set('Cookie', `session=${secret}`)
      .set('Proxy-Authorization', `Basic ${secret}`);
    const line = requestLine(response.headers['x-trace-id']);
    expect(JSON.stringify(running().logs.lines)).not.toContain(secret);
    expect(line).toMatchObject({
      req: { headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'proxy-authorization': '[Redacted]' } },
    });
  });
});
