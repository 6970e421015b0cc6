import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { HEADER } from '../common/http-headers';
import { PROBLEM_CONTENT_TYPE, type ProblemFields, problemBody } from './problem';
import { problem } from './problem-catalogue';

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
  const { type, title, status, detail, errorCode } =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? problem('REQUEST_HEADER_FIELDS_TOO_LARGE')
      : problem('BAD_REQUEST', { message: 'The request is not valid HTTP.' });
  const fields: ProblemFields = {
    type,
    title,
    status,
    detail,
    instance: '',
    errorTicket: randomUUID(),
    errorCode,
    traceId: randomBytes(16).toString('hex'),
  };
  logger.warn(
    { errorTicket: fields.errorTicket, errorCode: fields.errorCode, traceId: fields.traceId, status },
    `${fields.title}: ${error.code ?? error.message}`,
  );
  const body = problemBody(fields);
  socket.end(
    `HTTP/1.1 ${status} ${fields.title}\r\n` +
      `${HEADER.contentType}: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `${HEADER.contentLength}: ${Buffer.byteLength(body)}\r\n` +
      `${HEADER.traceId}: ${fields.traceId}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `${HEADER.connection}: close\r\n\r\n` +
      body,
  );
}
