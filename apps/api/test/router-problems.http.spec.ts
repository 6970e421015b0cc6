import { Contract, expectProblem } from '@oc-numbers/testing';
import fc from 'fast-check';
import { connect } from 'node:net';
import request from 'supertest';
import { useApp } from './app-harness';

// The router's answers do not depend on the database: one kind is enough.
const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';

/** Sends a request head as given (no client normalises the path) and reads the whole answer. */
function raw(port: number, head: string): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [top, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
      const [statusLine, ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) });
    });
  });
}

describe("the router's own refusals", () => {
  const running = useApp('sqlite');
  const port = () => Number(new URL(running().baseUrl).port);

  it('answers a path that is not valid percent-encoding with a 400 problem like every other answer', async () => {
    const answer = await raw(port(), `GET ${SUMMARY}/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const body = expectProblem(answer, 400, 'BAD_REQUEST', { instance: `${SUMMARY}/%25zz` });
    expect(contract.checkSchema('ProblemDetails', body)).toEqual([]);
    expect(answer.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'ratelimit-limit': '600' });
    expect(running().logs.mentioning(body.errorTicket).length).toBeGreaterThan(0);
    const requestLines = running()
      .logs.mentioning(answer.headers['x-trace-id'])
      .filter((line) => line.req !== undefined);
    // The request line and the error line both show what the client sent, not the internal route.
    expect(new Set(requestLines.map((line) => (line.req as { url?: unknown }).url))).toEqual(
      new Set([`${SUMMARY}/%25zz`]),
    );
    const metrics = await request(running().server).get('/metrics');
    expect(metrics.text).toMatch(/http_requests_total\{route="unmatched",method="GET",status="400"\} [1-9]/);
  });

  it('answers a path parameter over the length limit with a 414 problem', async () => {
    const response = await request(running().server).get(`/api/docs/${'a'.repeat(300)}`);
    const body = expectProblem(response, 414, 'URI_TOO_LONG');
    const requestLine = running()
      .logs.mentioning(body.traceId)
      .find((line) => line.req !== undefined);
    expect((requestLine?.req as { url?: unknown } | undefined)?.url).toBe(`/api/docs/${'a'.repeat(246)}…`);
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['ratelimit-limit']).toBe('600');
  });

  it('answers a known path asked with another method with a 405 problem and Allow', async () => {
    const response = await request(running().server).post(SUMMARY);
    expectProblem(response, 405, 'METHOD_NOT_ALLOWED', { instance: SUMMARY });
    expect(response.headers.allow).toBe('GET, HEAD');
    expect((await request(running().server).head(SUMMARY)).status).toBe(200);
    expect((await request(running().server).delete('/metrics')).headers.allow).toBe('GET, HEAD');
  });

  it('answers any path with a problem whose detail and instance the contract accepts', async () => {
    const pathChar = fc.oneof(
      fc.constantFrom(...'abc/%.~-_!$&\'()*+,;=:@<>"{}|\\^`[]#'.split('')),
      fc.integer({ min: 0x21, max: 0xff }).map((code) => String.fromCharCode(code)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(pathChar, { maxLength: 40 }),
        fc.integer({ min: 0, max: 6000 }),
        async (chars, padding) => {
          const path = `/${chars.join('').replace(/[#?]/g, '')}${'z'.repeat(padding)}`;
          const answer = await raw(port(), `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(contract.checkSchema('ProblemDetails', answer.body)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('TRUST_PROXY=true', () => {
  const running = useApp('sqlite', { trustProxy: true });

  it('warns at start that any client can choose its address', () => {
    const warnings = running()
      .logs.mentioning('TRUST_PROXY=true')
      .filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
  });
});
