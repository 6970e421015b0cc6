/** Requests whose client goes away before their answer, and what the service counts of them. */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { eventually } from '@oc-numbers/testing';
import request from 'supertest';

/** The reconciliation's route template: a request with a body the tests leave unfinished. */
export const RECONCILE = '/api/v3/oc/tenants/:msTenantId/numbers/reconcile';

/** Looks often: each wait is for a line or an answer a few milliseconds away. */
export const OFTEN = { everyMs: 10 };

/** A new trace id, and the `traceparent` header that gives it to the service. */
export function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** A connection to the service with what it has answered so far, as text. */
export async function openConnection(port: number): Promise<{ socket: Socket; received: () => string }> {
  let text = '';
  const socket = await new Promise<Socket>((resolve, reject) => {
    const opened: Socket = connect(port, '127.0.0.1', () => resolve(opened)).on('error', reject);
  });
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return { socket, received: () => text };
}

/**
 * What the service's metrics count of a route and method: requests answered (any status), and
 * requests whose client went away before their answer.
 */
export async function countsOf(
  server: Parameters<typeof request>[0],
  route: string,
  method: string,
): Promise<{ answered: number; aborted: number }> {
  const metrics = await request(server).get('/metrics');
  expect(metrics.status).toBe(200);
  const sum = (prefix: string) =>
    metrics.text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    answered: sum(`http_requests_total{route="${route}",method="${method}",`),
    aborted: sum(`http_requests_aborted_total{route="${route}",method="${method}"}`),
  };
}

/**
 * Sends the head of a reconciliation with `Expect: 100-continue` and part of its body, on a
 * connection already open. Node.js writes "100 Continue" as it hands the request to the
 * router, so once the client reads it the request is in flight; the rest of the body never comes.
 */
export async function startReconciliation(connection: Awaited<ReturnType<typeof openConnection>>, traceparent: string) {
  const before = connection.received().length;
  const path = RECONCILE.replace(':msTenantId', '6f9619ff-8b86-d011-b42d-00cf4fc964ff');
  connection.socket.write(
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\ntraceparent: ${traceparent}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
  );
  await eventually('100 Continue', () => connection.received().slice(before).includes('HTTP/1.1 100 Continue'), OFTEN);
  connection.socket.write('{"numbers":["+1');
}
