import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { HEADER } from '../common/http-headers';
import { PROBLEM_CONTENT_TYPE, type ProblemFields, problemBody } from './problem';

const logger = new Logger('ClientError');

/**
 * Answers a request that Node's HTTP parser refused before any route saw it (a request head
 * over the size limit, malformed HTTP) with a problem body like every other error, instead of
 * Node's own JSON. Nothing of the request can be trusted here, so `instance` is empty and the
 * trace id is always new.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  /** Further headers, such as the client's RateLimit headers. */
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const problem: ProblemFields = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail:
      status === 431
        ? 'The request line and headers are larger than the service accepts (16 KiB).'
        : 'The request is not valid HTTP.',
    instance: '',
    errorTicket: randomUUID(),
    errorCode: status === 431 ? 'REQUEST_HEADER_FIELDS_TOO_LARGE' : 'BAD_REQUEST',
    traceId: randomBytes(16).toString('hex'),
  };
  logger.warn(
    { errorTicket: problem.errorTicket, errorCode: problem.errorCode, traceId: problem.traceId, status },
    `${problem.title}: ${error.code ?? error.message}`,
  );
  const body = problemBody(problem);
  socket.end(
    `HTTP/1.1 ${status} ${problem.title}\r\n` +
      `${HEADER.contentType}: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `${HEADER.contentLength}: ${Buffer.byteLength(body)}\r\n` +
      `${HEADER.traceId}: ${problem.traceId}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `${HEADER.connection}: close\r\n\r\n` +
      body,
  );
}
