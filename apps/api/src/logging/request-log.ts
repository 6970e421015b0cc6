import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { requestContext } from './request-context';
import { serializeRequest, serializeResponse } from './log-options';
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
 * `req`, `traceId`, `route`, `res`, `durationMs`, as pino-http wrote it. The request and response
 * are reduced to the logged fields here, so pino has no serializer to run on them.
 */
export function logRequests(fastify: FastifyInstance, root: Pick<Pino, 'isLevelEnabled' | 'child'>): void {
  if (!root.isLevelEnabled('info')) return;
  // Plain objects under `req` and `res`: the root logger's serializers are pino-http's, for raw ones.
  const logger = root.child({}, { serializers: { req: same, res: same } });
  const requestFields = (request: FastifyRequest) => {
    const raw = request.raw;
    const { route } = requestContext(raw);
    const req = {
      method: raw.method,
      url: raw.url,
      headers: raw.headers,
      remoteAddress: raw.socket?.remoteAddress,
      raw,
    };
    return { req: serializeRequest(req), traceId: traceIdOf(raw), ...(route && { route }) };
  };
  const durationMs = (reply: FastifyReply) => Math.round(reply.elapsedTime * 1000) / 1000;
  fastify.addHook('onResponse', (request, reply, done) => {
    const { statusCode } = reply.raw;
    const fields = {
      ...requestFields(request),
      res: serializeResponse({ statusCode, headers: reply.raw.getHeaders() }),
      durationMs: durationMs(reply),
    };
    // pino-http's words: a 5xx answer "errored" (the error filter's line says why).
    logger.info(fields, statusCode >= 500 ? 'request errored' : 'request completed');
    done();
  });
  // A client that goes away before its answer: its line all the same, without a response.
  fastify.addHook('onRequestAbort', (request, done) => {
    logger.info({ ...requestFields(request) }, 'request aborted');
    done();
  });
}

function same<T>(value: T): T {
  return value;
}
