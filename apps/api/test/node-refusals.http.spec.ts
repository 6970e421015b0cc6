import { Contract, eventually, expectProblem } from '@oc-numbers/testing';
import { connect, type Socket } from 'node:net';
import request from 'supertest';
import { countsOf } from './aborted-requests';
import { useApp } from './app-harness';

const contract = new Contract();
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
/** A small request timeout, so that a slow client is cut in about a second. */
const REQUEST_TIMEOUT_MS = 1000;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Milliseconds from connecting to the connection's end. */
  ms: number;
}

/**
 * Opens a connection, lets `write` send what it likes on it, and reads everything the service
 * answers until it closes the connection.
 */
function rawExchange(port: number, write: (socket: Socket) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const opened = performance.now();
    const socket = connect(port, '127.0.0.1', () => write(socket));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const body = text.slice(end + 4);
      resolve({
        status: Number(statusLine?.split(' ')[1]),
        headers,
        body: body ? JSON.parse(body) : undefined,
        ms: performance.now() - opened,
      });
    });
  });
}

/** Writes `piece` every 100 ms until the connection closes, as a slow client does. */
function trickle(socket: Socket, piece: string): void {
  const timer = setInterval(() => {
    if (socket.writable) socket.write(piece);
  }, 100);
  socket.on('close', () => clearInterval(timer));
}

describe('a client that sends its request too slowly', () => {
  const running = useApp('sqlite', { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const port = () => Number(new URL(running().baseUrl).port);

  it('gets a 408 problem at the request timeout when its headers trickle in', async () => {
    const answer = await rawExchange(port(), (socket) => {
      socket.write(`GET ${SUMMARY} HTTP/1.1\r\nHost: x\r\n`);
      trickle(socket, 'X-Slow: a\r\n');
    });
    const body = expectProblem(answer, 408, 'REQUEST_TIMEOUT', {
      title: 'Request Timeout',
      detail: 'The request did not arrive whole within 1 seconds.',
      instance: '',
    });
    expect(contract.checkSchema('ProblemDetails', body)).toEqual([]);
    expect(answer.headers).toMatchObject({
      'x-trace-id': body.traceId,
      'x-content-type-options': 'nosniff',
      'ratelimit-limit': '600',
      connection: 'close',
    });
    // Cut at the timeout, checked every second: not before it, and well before the old 30 s.
    expect(answer.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
    expect(running().logs.mentioning(body.errorTicket).length).toBeGreaterThan(0);
    const metrics = await request(running().server).get('/metrics');
    expect(metrics.text).toMatch(/http_requests_total\{route="unmatched",method="GET",status="408"\} [1-9]/);
  });

  it('gets a 408 problem when its body trickles in, logged and counted as its answer', async () => {
    const before = await countsOf(running().server, '/health/live', 'POST');
    const answer = await rawExchange(port(), (socket) => {
      socket.write(
        'POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      trickle(socket, ' ');
    });
    const body = expectProblem(answer, 408, 'REQUEST_TIMEOUT', { instance: '' });
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
    // The request's own trace id, in the answer and in its one line.
    expect(answer.headers['x-trace-id']).toBe(body.traceId);
    const lines = () =>
      running()
        .logs.mentioning(body.traceId)
        .filter((l) => typeof l.msg === 'string' && l.msg.startsWith('request '));
    await eventually('the line of the request', () => lines().length > 0);
    expect(lines()).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        route: '/health/live',
        res: expect.objectContaining({ statusCode: 408 }),
      }),
    ]);
    const metrics = await request(running().server).get('/metrics');
    expect(metrics.text).toMatch(/http_requests_total\{route="\/health\/live",method="POST",status="408"\} [1-9]/);
    expect(await countsOf(running().server, '/health/live', 'POST')).toEqual({
      answered: before.answered + 1,
      aborted: before.aborted,
    });
  });

  it('serves a client that sends its request in time', async () => {
    expect((await request(running().server).get(SUMMARY)).status).toBe(200);
  });
});

describe('requests Node.js would answer itself', () => {
  const running = useApp('sqlite');
  const port = () => Number(new URL(running().baseUrl).port);

  it('answers an HTTP/1.1 request without Host with a 400 problem', async () => {
    const answer = await rawExchange(port(), (socket) =>
      socket.write(`GET ${SUMMARY} HTTP/1.1\r\nConnection: close\r\n\r\n`),
    );
    const body = expectProblem(answer, 400, 'BAD_REQUEST', {
      detail: 'An HTTP/1.1 request must have a Host header.',
      instance: SUMMARY,
    });
    expect(contract.checkSchema('ProblemDetails', body)).toEqual([]);
    expect(answer.headers).toMatchObject({ 'x-trace-id': body.traceId, 'x-content-type-options': 'nosniff' });
    expect(running().logs.mentioning(body.errorTicket).length).toBeGreaterThan(0);
  });

  it('serves an HTTP/1.0 request without Host', async () => {
    const answer = await rawExchange(port(), (socket) => socket.write(`GET ${SUMMARY} HTTP/1.0\r\n\r\n`));
    expect(answer.status).toBe(200);
  });

  it('answers an Expect other than 100-continue with a 417 problem', async () => {
    const answer = await rawExchange(port(), (socket) =>
      socket.write(`GET ${SUMMARY} HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n`),
    );
    const body = expectProblem(answer, 417, 'EXPECTATION_FAILED', { instance: SUMMARY });
    expect(contract.checkSchema('ProblemDetails', body)).toEqual([]);
    expect(answer.headers).toMatchObject({ 'x-trace-id': body.traceId, 'x-content-type-options': 'nosniff' });
  });

  it('answers a request head over 16 KiB with a 431 problem through every hook', async () => {
    const answer = await rawExchange(port(), (socket) =>
      socket.write(`GET ${SUMMARY} HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`),
    );
    const body = expectProblem(answer, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', { instance: '' });
    expect(answer.headers).toMatchObject({
      'x-trace-id': body.traceId,
      'x-content-type-options': 'nosniff',
      'ratelimit-limit': '600',
    });
  });

  it('answers CONNECT, which Node.js would leave unanswered, with a 400 problem', async () => {
    const answer = await rawExchange(port(), (socket) =>
      socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    );
    const body = expectProblem(answer, 400, 'BAD_REQUEST', {
      detail: 'The service is not a proxy: it does not serve CONNECT.',
      instance: '',
    });
    expect(answer.headers).toMatchObject({ 'x-trace-id': body.traceId, 'x-content-type-options': 'nosniff' });
  });

  it('answers malformed HTTP with a 400 problem', async () => {
    const answer = await rawExchange(port(), (socket) => socket.write('NOT HTTP AT ALL\r\n\r\n'));
    expectProblem(answer, 400, 'BAD_REQUEST', { detail: 'The request is not valid HTTP.', instance: '' });
  });
});
