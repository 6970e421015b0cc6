import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { requestContext } from './request-context';
import { loggedResponse, serializeRequest } from './log-options';
import { traceIdOf } from './trace-id';

/**
 * The application's logger (nestjs-pino's Logger on one pino logger) without nestjs-pino's
 * request middleware: that ran pino-http through Express-style middleware on Fastify, made a
 * child logger and an async context per request. The request line is written by a Fastify
 * hook instead (logRequests), with the same fields, through the same pino logger.
 */
@Global()
@Module({})
export class AppLoggerModule {
  static forRoot(params: Params): DynamicModule {
    return {
      module: AppLoggerModule,
      providers: [{ provide: PARAMS_PROVIDER_TOKEN, useValue: params }, PinoLogger, Logger],
      exports: [PinoLogger, Logger],
    };
  }
}

/**
 * One line per request, when its response has been sent (or the client went away first):
 * `req`, `traceId`, `route`, `res`, `durationMs`, as pino-http wrote it. The line's object is
 * built once, in one shape, from the logged fields only: pino has no serializer to run on it.
 */
export function logRequests(fastify: FastifyInstance, root: Pick<Pino, 'isLevelEnabled' | 'child'>): void {
  if (!root.isLevelEnabled('info')) return;
  // Plain objects under `req` and `res`: the root logger's serializers are pino-http's, for raw ones.
  const logger = root.child({}, { serializers: { req: same, res: same } });
  fastify.addHook('onResponse', (request, reply, done) => {
    const { statusCode } = reply;
    const raw = request.raw;
    const line: RequestLine = {
      req: loggedRequest(raw),
      traceId: traceIdOf(raw),
      route: requestContext(raw).route,
      // Fastify's look-up: the answer's headers are Fastify's, written by Node.js at once.
      res: loggedResponse(statusCode, (name) => reply.getHeader(name)),
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    // pino-http's words: a 5xx answer "errored" (the error filter's line says why).
    logger.info(line, statusCode >= 500 ? 'request errored' : 'request completed');
    done();
  });
  // A client that goes away before its answer: its line all the same, without a response.
  fastify.addHook('onRequestAbort', (request, done) => {
    const raw = request.raw;
    const line: RequestLine = { req: loggedRequest(raw), traceId: traceIdOf(raw), route: requestContext(raw).route };
    logger.info(line, 'request aborted');
    done();
  });
}

/** A request line's fields; pino leaves out those that are undefined. */
interface RequestLine {
  req: Record<string, unknown>;
  traceId: string;
  route: string | undefined;
  res?: Record<string, unknown>;
  durationMs?: number;
}

function loggedRequest(raw: IncomingMessage): Record<string, unknown> {
  return serializeRequest({
    method: raw.method,
    url: raw.url,
    headers: raw.headers,
    remoteAddress: raw.socket?.remoteAddress,
    raw,
  });
}

function same<T>(value: T): T {
  return value;
}
