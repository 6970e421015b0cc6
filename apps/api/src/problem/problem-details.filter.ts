import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DatabaseOutage, isDatabaseUnavailable } from '../database/database-unavailable';
import { traceIdOf } from '../logging/trace-id';
import {
  databaseUnavailable,
  PROBLEM_CONTENT_TYPE,
  ProblemException,
  problemBody,
  serviceUnavailable,
} from './problem';
import { MAX_PARAM_LENGTH } from '../security/request-limits';
import { frameworkProblem, type Problem, problem } from './problem-catalogue';
import { restoreRoutedAgainUrl, routerErrorOf } from './router-problems';

/**
 * The one error path: every error becomes an RFC 9457 problem with a fresh errorTicket, which
 * the log line for it also carries. Only errors that describe the caller's request (4xx) say
 * what went wrong; a database that cannot answer is a 503 with Retry-After; anything else is a
 * 500 that names no cause.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  constructor(private readonly outage: DatabaseOutage) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    restoreRoutedAgainUrl(request);
    const reply = http.getResponse<FastifyReply>();
    const { problem, extensions, headers } = describe(routerErrorOf(request.raw) ?? error, request);
    const errorTicket = randomUUID();
    const traceId = traceIdOf(request.raw);
    const instance = pathOf(request);
    const context = { errorTicket, errorCode: problem.errorCode, traceId, status: problem.status };

    if (problem.status >= 500) {
      // The log gets the error behind a problem (a driver error, a failed health check).
      const cause = error instanceof ProblemException && error.cause !== undefined ? error.cause : error;
      // An outage's cause is logged once per episode, not with a stack per request.
      if (problem.errorCode === 'DATABASE_UNAVAILABLE') this.outage.failed(context, cause, messageOf(cause));
      // Impossible counts are logged once per episode where they are found (CountsConsistency).
      else if (problem.errorCode === 'COUNTS_INCONSISTENT') this.logger.debug(context, problem.title);
      else this.logger.error({ ...context, err: cause }, `${problem.title}: ${messageOf(cause)}`);
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
  if (error instanceof ProblemException) return described(error);
  const routerError = routerProblem(error);
  if (routerError) return { problem: routerError };
  const status = error instanceof HttpException ? error.getStatus() : statusOfFrameworkError(error);
  if (status === 404) {
    return { problem: problem('NOT_FOUND', { method: request.method, path: pathOf(request) }) };
  }
  // The framework's word that the request is at fault comes first: a body cut short by its
  // client's going away is a 400 with ECONNRESET, the code of a database connection reset too.
  if (status !== undefined && status >= 400 && status < 500) {
    return { problem: frameworkProblem(status, error instanceof Error ? error.message : undefined) };
  }
  if (isDatabaseUnavailable(error)) return described(databaseUnavailable());
  if (status === 503) return described(serviceUnavailable('SERVICE_UNAVAILABLE'));
  return { problem: problem('INTERNAL_ERROR') };
}

function described({ problem, extensions, headers }: ProblemException): Described {
  return { problem, extensions: { ...extensions }, headers: { ...headers } };
}

/** The longest path a problem repeats; a longer one is cut (the client knows what it sent). */
const MAX_PATH_SHOWN = 1024;

/**
 * The request's path, without its query: the problem's `instance`. Whatever the client sent, it
 * is a valid URI reference of bounded length: characters a URI path may not hold are
 * percent-encoded (a `%` not followed by two hexadecimal digits included), and a long path is
 * cut at a character boundary.
 */
export function pathOf(request: Pick<FastifyRequest, 'url'>): string {
  const raw = request.url.split('?', 1)[0];
  let shown = '';
  for (let i = 0; i < raw.length;) {
    const char = String.fromCodePoint(raw.codePointAt(i) ?? 0);
    i += char.length;
    const piece =
      (char === '%' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i, i + 2))) || URI_PATH_CHAR.test(char)
        ? char
        : percentEncoded(char);
    if (shown.length + piece.length > MAX_PATH_SHOWN) break;
    shown += piece;
  }
  return shown;
}

/** The characters a URI path holds as they are (RFC 3986 `pchar` and `/`), but `%`. */
const URI_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;

function percentEncoded(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return encodeURIComponent('\uFFFD'); // a lone surrogate
  }
}

/**
 * Fastify's router refusing a path, in the service's words (the router's repeat the raw path).
 * (A body that is not JSON is refused by the service's own parser: security/request-limits.ts.)
 */
function routerProblem(error: unknown): Problem | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_ERR_BAD_URL') {
    return problem('BAD_REQUEST', { message: 'The path is not valid: a % must start a percent-encoded byte.' });
  }
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return frameworkProblem(
      414,
      `A segment of the path is longer than the ${MAX_PARAM_LENGTH} characters the service reads.`,
    );
  }
  return undefined;
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
