import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { RequestOutcomes } from '../common/request-outcomes';
import { Logger, PARAMS_PROVIDER_TOKEN, type Params, PinoLogger } from 'nestjs-pino';
import pino, { type Logger as Pino } from 'pino';
import { requestContext } from './request-context';
import { loggedResponse, serializeRequest } from './log-options';
import { traceIdOf } from './trace-id';

/**
 * The application's logger (nestjs-pino's Logger on one pino logger) without nestjs-pino's
 * request middleware: that ran pino-http through Express-style middleware on Fastify, made a
 * child logger and an async context per request. The request line is written when the request
 * is answered or aborted instead (requestLog), with the same fields, through the same pino logger.
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
 * built once, in one shape, from the logged fields only, and written as the logger writes lines
 * (see lineWriter). Nothing while the logger is above `info`.
 */
export function requestLog(root: Pino): RequestOutcomes | undefined {
  if (!root.isLevelEnabled('info')) return undefined;
  const write = lineWriter(root);
  return {
    answered(request, reply) {
      const { statusCode } = reply;
      const raw = request.raw;
      const line: RequestLine = {
        req: loggedRequest(raw),
        traceId: traceIdOf(raw),
        route: requestContext(raw).route,
        res: loggedReply(reply),
        durationMs: durationMsOf(reply),
      };
      // pino-http's words: a 5xx answer "errored" (the error filter's line says why).
      write(line, statusCode >= 500 ? 'request errored' : 'request completed');
    },
    aborted(request, reply) {
      const raw = request.raw;
      write(
        {
          req: loggedRequest(raw),
          traceId: traceIdOf(raw),
          route: requestContext(raw).route,
          // Only an answer that had begun (a CSV export cut short) has a status to show.
          res: reply.raw.headersSent ? loggedReply(reply) : undefined,
          // The time until the connection closed.
          durationMs: durationMsOf(reply),
        },
        'request aborted',
      );
    },
  };
}

/** The answer in a line, by Fastify's look-up: its headers are Fastify's, written by Node.js at once. */
function loggedReply(reply: FastifyReply): Record<string, unknown> {
  return loggedResponse(reply.statusCode, (name) => reply.getHeader(name));
}

/** Fastify's elapsed time of a request, in milliseconds to the microsecond. */
function durationMsOf(reply: FastifyReply): number {
  return Math.round(reply.elapsedTime * 1000) / 1000;
}

/** pino's symbols, the message prefix's among them (present since pino 8.14, not in its types). */
const SYMBOLS = pino.symbols as typeof pino.symbols & { readonly msgPrefixSym?: symbol };

/**
 * Writes a request line at `info` with the text `logger.info(line, msg)` writes: the level's,
 * time's and bindings' parts are the logger's own, and the line's fields are one
 * `JSON.stringify` of plain strings and numbers (pino's pass over each key, which looks for
 * serializers, formatters and redaction that never apply to them, cost more than the rest of
 * the line). A logger configured to change lines (a log formatter, a mixin, a nested key, a
 * message prefix, a log-method hook, redaction, or a stream that takes each line's level) writes
 * through `logger.info` instead. Either way nothing is written while `info` is not enabled.
 */
export function lineWriter(logger: Pino): (line: RequestLine, msg: string) => void {
  const part = <T>(symbol: symbol | undefined): T | undefined =>
    symbol === undefined ? undefined : ((logger as unknown as Record<symbol, unknown>)[symbol] as T);
  const stream = part<{ write(line: string): unknown } & Record<symbol, unknown>>(SYMBOLS.streamSym);
  const levels = part<Record<number, string>>(SYMBOLS.lsCacheSym);
  const time = part<() => string>(SYMBOLS.timeSym);
  const plain =
    stream !== undefined &&
    levels !== undefined &&
    time !== undefined &&
    part<{ log?: unknown }>(SYMBOLS.formattersSym)?.log === undefined &&
    !part(SYMBOLS.mixinSym) &&
    !part(SYMBOLS.nestedKeySym) &&
    !part(SYMBOLS.msgPrefixSym) &&
    part<{ logMethod?: unknown }>(SYMBOLS.hooksSym)?.logMethod === undefined &&
    Reflect.ownKeys(part<object>(SYMBOLS.stringifiersSym) ?? {}).length === 0 &&
    !stream[SYMBOLS.needsMetadataGsym];
  if (!plain) {
    // Plain objects under `req` and `res`: the root logger's serializers are pino-http's, for raw ones.
    const child = logger.child({}, { serializers: { req: same, res: same } });
    return (line, msg) => child.info(line, msg);
  }
  const info = logger.levels.values.info;
  const level = levels[info];
  const bindings = String(part(SYMBOLS.chindingsSym) ?? '');
  const messageKey = JSON.stringify(String(part(SYMBOLS.messageKeySym) ?? 'msg'));
  const end = String(part(SYMBOLS.endSym) ?? '}\n');
  return (line, msg) => {
    if (logger.levelVal > info) return;
    const fields = JSON.stringify(line);
    stream.write(`${level}${time()}${bindings},${fields.slice(1, -1)},${messageKey}:${JSON.stringify(msg)}${end}`);
  };
}

/** A request line's fields; those that are undefined are left out. */
export interface RequestLine {
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
