import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import {
  databaseUnavailable,
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  type ProblemFields,
  problemBody,
  RETRY_AFTER_UNAVAILABLE_SECONDS,
} from './problem';
import { traceIdOf } from '../logging/trace-id';

type Problem = Pick<ProblemFields, 'type' | 'title' | 'status' | 'detail' | 'errorCode'>;

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

const INTERNAL_ERROR: Problem = {
  type: 'about:blank',
  title: 'Internal Server Error',
  status: 500,
  detail: 'The request could not be completed. Quote the errorTicket when reporting this failure.',
  errorCode: 'INTERNAL_ERROR',
};

/**
 * The one error path: every error becomes an RFC 9457 problem with a fresh errorTicket, which
 * the log line for it also carries. Only errors that describe the caller's request (4xx) say
 * what went wrong; a database that cannot answer is a 503 with Retry-After; anything else is a
 * 500 that names no cause.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, extensions, headers } = describe(error, request);
    const errorTicket = randomUUID();
    const traceId = traceIdOf(request.raw);
    const instance = request.url.split('?', 1)[0];
    const context = { errorTicket, errorCode: problem.errorCode, traceId, status: problem.status };

    if (problem.status >= 500) {
      // The log gets the error behind a problem (a driver error, a failed health check).
      const cause = error instanceof ProblemException && error.cause !== undefined ? error.cause : error;
      this.logger.error({ ...context, err: cause }, `${problem.title}: ${messageOf(cause)}`);
    } else {
      this.logger.warn(context, `${problem.title}: ${problem.detail}`);
    }
    reply
      .headers(headers ?? {})
      .status(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemBody({ ...problem, instance, errorTicket, traceId }, extensions));
  }
}

interface Described {
  problem: Problem;
  extensions?: Record<string, string>;
  headers?: Record<string, string>;
}

function describe(error: unknown, request: FastifyRequest): Described {
  if (error instanceof ProblemException) {
    return { problem: error.problem, extensions: { ...error.extensions }, headers: { ...error.headers } };
  }
  if (isDatabaseUnavailable(error)) {
    const { problem, headers } = databaseUnavailable();
    return { problem, headers: { ...headers } };
  }
  const status = error instanceof HttpException ? error.getStatus() : statusOfFrameworkError(error);
  if (status === 503) {
    return {
      problem: {
        type: 'about:blank',
        title: 'Service Unavailable',
        status,
        detail: `The service cannot answer now. Retry after ${RETRY_AFTER_UNAVAILABLE_SECONDS} seconds.`,
        errorCode: 'SERVICE_UNAVAILABLE',
      },
      headers: { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
    };
  }
  if (status === 404) {
    return {
      problem: {
        type: 'about:blank',
        title: 'Not Found',
        status,
        detail: `No operation answers ${request.method} ${request.url.split('?', 1)[0]}.`,
        errorCode: 'NOT_FOUND',
      },
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const title = STATUS_CODES[status] ?? 'Bad Request';
    const detail = error instanceof Error && error.message ? error.message : title;
    return {
      problem: { type: 'about:blank', title, status, detail, errorCode: ERROR_CODES[status] ?? 'BAD_REQUEST' },
    };
  }
  return { problem: INTERNAL_ERROR };
}

/** Fastify's own errors (a body too large, a bad content type) carry a 4xx `statusCode`. */
function statusOfFrameworkError(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'object' && error !== null ? JSON.stringify(error) : String(error);
}
