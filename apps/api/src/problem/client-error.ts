import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HEADER } from '../common/http-headers';
import { answeredByHand } from '../common/request-outcomes';
import { traceIdOf } from '../logging/trace-id';
import { PROBLEM_CONTENT_TYPE, ProblemException, type ProblemFields, problemBody } from './problem';
import { problem } from './problem-catalogue';

const logger = new Logger('ClientError');

/** Sockets already being answered: Node.js may report the same connection again meanwhile. */
const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`: answers a request that Node's HTTP parser refused before any
 * route saw it (a request head over the size limit, malformed HTTP, a client that did not send
 * its request within the request timeout) with a problem, like every other error.
 *
 * When no response is under way on the connection, the problem goes through Fastify
 * (`routeClientProblem`): it gets the trace id, security headers, rate limit, log line and
 * metrics of any answer. When the request had already reached a route (a body that trickles in
 * too slowly) and its response has not begun, the problem is written on the socket directly;
 * once a response has begun, the connection can only be cut.
 */
export function clientErrorHandler(
  routeClientProblem: (socket: Socket, problem: ProblemException) => void,
  requestTimeoutMs: number,
) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (answered.has(socket)) return;
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const refusal = new ProblemException(problemOf(error, requestTimeoutMs), {}, {}, error);
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!inFlight) {
      routeClientProblem(socket, refusal);
    } else if (inFlight.headersSent) {
      logger.warn(`A response under way was cut: ${error.code ?? error.message}`);
      socket.destroy();
    } else {
      writeProblem(socket, refusal, error, inFlight);
    }
  };
}

function problemOf(error: Error & { code?: string }, requestTimeoutMs: number) {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return problem('REQUEST_HEADER_FIELDS_TOO_LARGE');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem('REQUEST_TIMEOUT', { seconds: requestTimeoutMs / 1000 });
    default:
      return problem('BAD_REQUEST', { message: 'The request is not valid HTTP.' });
  }
}

/**
 * The problem of the request in flight, written on the socket by hand, which is then closed. It
 * has the request's trace id; the request has its line and its count as answered with this
 * status, unless its client had closed its side of the connection.
 */
function writeProblem(
  socket: Socket,
  refusal: ProblemException,
  error: Error & { code?: string },
  inFlight: ServerResponse,
): void {
  const { type, title, status, detail, errorCode } = refusal.problem;
  const fields: ProblemFields = {
    type,
    title,
    status,
    detail,
    instance: '',
    errorTicket: randomUUID(),
    errorCode,
    traceId: traceIdOf(inFlight.req),
  };
  logger.warn(
    { errorTicket: fields.errorTicket, errorCode: fields.errorCode, traceId: fields.traceId, status },
    `${fields.title}: ${error.code ?? error.message}`,
  );
  const body = problemBody(fields);
  const length = String(Buffer.byteLength(body));
  // A client that closed its side in the middle of its body has gone: its request was aborted,
  // as the connection's close will tell. Any other is answered by this problem.
  if (error.code !== 'HPE_INVALID_EOF_STATE') {
    inFlight.statusCode = status;
    inFlight.setHeader(HEADER.contentType, PROBLEM_CONTENT_TYPE);
    inFlight.setHeader(HEADER.contentLength, length);
    answeredByHand(inFlight);
  }
  socket.end(
    `HTTP/1.1 ${status} ${fields.title}\r\n` +
      `${HEADER.contentType}: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `${HEADER.contentLength}: ${length}\r\n` +
      `${HEADER.traceId}: ${fields.traceId}\r\n` +
      `${HEADER.connection}: close\r\n\r\n` +
      body,
  );
}
