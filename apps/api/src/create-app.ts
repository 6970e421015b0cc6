import { Logger as NestLogger, type LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module';
import { authenticate, enforceAuthentication, tokenVerifier } from './auth/authentication';
import { HEADER, headerKey } from './common/http-headers';
import { followRequests } from './common/request-outcomes';
import type { AppConfig } from './config/app-config';
import { isPostgres } from './database/dialect';
import { checkSqliteFile } from './database/sqlite-file-check';
import { loadOpenApiSpec } from './docs/openapi-spec';
import { requestContext } from './logging/request-context';
import { requestLog } from './logging/request-log';
import { traceIdOf } from './logging/trace-id';
import { MetricsService } from './metrics/metrics.service';
import { clientErrorHandler } from './problem/client-error';
import {
  collectRoutes,
  refuseWhatNodeWould,
  routeAgainOnRouterError,
  routeClientProblem,
} from './problem/router-problems';
import { ACTION_ROUTES, applyRateLimit, RateLimiter, type RouteRateLimit } from './rate-limit/rate-limiter';
import { applyCors, SECURITY_HEADERS } from './security/security';
import { applyRouteBodyLimits, requestLimits, useBodyParsers } from './security/request-limits';

/** Lower-case, as Fastify keys a reply's headers (see SECURITY_HEADERS). */
const TRACE_ID = headerKey(HEADER.traceId);

/**
 * Builds the application (without listening), the same way for `main.ts` and for tests.
 * Migrations run during `init()` unless the config turns them off.
 */
export async function createApp(
  config: AppConfig,
  options: AppOptions & { readonly startupLogger?: LoggerService } = {},
): Promise<NestFastifyApplication> {
  // Bad keys stop the start here, before anything else is built.
  const verifier =
    config.auth.mode === 'jwt' ? tokenVerifier(config.auth, new NestLogger('Authentication')) : undefined;
  if (!isPostgres(config.database)) checkSqliteFile(config.database.path, config.migrationsRun);
  const limiter = config.rateLimit.enabled ? new RateLimiter(config.rateLimit) : undefined;
  const actionLimit: RouteRateLimit | undefined =
    limiter && config.actionRateLimit.max > 0
      ? { limiter: new RateLimiter(config.actionRateLimit), config: config.actionRateLimit, routes: ACTION_ROUTES }
      : undefined;
  const adapter: FastifyAdapter = new FastifyAdapter({
    genReqId: (req: IncomingMessage) => traceIdOf(req),
    // Log lines come from nestjs-pino; Fastify's own logger stays off.
    logger: false,
    trustProxy: trustProxyOption(config.trustProxy),
    ...requestLimits(config.requestTimeoutMs),
    // A path the router refuses (bad percent-encoding, a parameter too long) goes through every
    // hook and the one error filter like any other request.
    frameworkErrors: routeAgainOnRouterError((): FastifyInstance => adapter.getInstance()),
    // A request Node refused (a head over 16 KiB, a client too slow) is answered through every
    // hook and the one error filter too, and counts against the client's rate limit.
    clientErrorHandler: clientErrorHandler(
      (socket, problem) => routeClientProblem((): FastifyInstance => adapter.getInstance(), socket, problem),
      config.requestTimeoutMs,
    ),
  });
  // Hooks that do no I/O take Fastify's callback: an async one costs a promise and a
  // microtask on every request. The first of the service's sets the headers of every answer,
  // the trace id and the security headers, so that whatever answers the request later (a 401,
  // a 403, a 429) carries them.
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header(TRACE_ID, request.id).headers(SECURITY_HEADERS);
    const route = request.routeOptions.url;
    if (route) requestContext(request.raw).route = route;
    done();
  });
  closeConnectionsWhenDraining(adapter.getInstance());
  applyRouteBodyLimits(adapter.getInstance());
  const addMethodNotAllowedRoutes = collectRoutes(adapter.getInstance());
  const spec = loadOpenApiSpec(options.specPath);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, spec, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Where the start's lines go if it fails before the application's logger is in place.
    ...(options.startupLogger && { logger: options.startupLogger }),
  });
  app.useLogger(app.get(Logger));
  // Each request's line and its count, once it is answered or its client has gone.
  const log = requestLog(PinoLogger.root);
  const counted = app.get(MetricsService).requestOutcomes;
  followRequests(adapter.getInstance(), log ? [log, counted] : [counted]);
  useBodyParsers(app);
  if (config.trustProxy === true) {
    app
      .get(Logger)
      .warn(
        'TRUST_PROXY=true believes X-Forwarded-For from any client, so a client can choose the address the ' +
          "rate limit counts: give the number of proxy hops or the proxies' addresses (CIDRs) instead",
        'Bootstrap',
      );
  }
  warnWhenAuthenticationIsOff(app, config);
  applyCors(app, config);
  // The caller is known before the rate limit counts its request; a refused request is counted
  // (by its address) before it is answered.
  if (verifier) authenticate(app, config, verifier);
  if (limiter) applyRateLimit(app, limiter, config.rateLimit, actionLimit);
  if (verifier) enforceAuthentication(app);
  await app.init();
  addMethodNotAllowedRoutes();
  refuseWhatNodeWould(adapter.getInstance(), adapter.getInstance().server);
  return app;
}

/** AUTH_MODE=none by default (not set) is said at start: every caller then reaches every tenant. */
function warnWhenAuthenticationIsOff(app: NestFastifyApplication, config: AppConfig): void {
  if (config.auth.mode !== 'none' || config.auth.modeExplicit) return;
  app
    .get(Logger)
    .warn(
      'Authentication is off: every caller reaches every tenant; set AUTH_MODE=jwt (with AUTH_ISSUERS, ' +
        'AUTH_AUDIENCE and AUTH_JWKS_URL or AUTH_PUBLIC_KEYS) to require tokens, or AUTH_MODE=none to say so',
      'Bootstrap',
    );
}

/** Fastify's `trustProxy`: a hop count becomes the function that trusts that many hops. */
function trustProxyOption(trust: AppConfig['trustProxy']) {
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return typeof trust === 'object' ? [...trust] : trust;
}

/**
 * Once a shutdown has begun, responses to the requests still in flight end their connection,
 * so a client's keep-alive connection cannot hold the closing server open.
 */
function closeConnectionsWhenDraining(fastify: FastifyInstance): void {
  let draining = false;
  fastify.addHook('preClose', async () => {
    draining = true;
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header(HEADER.connection, 'close');
    done(null, payload);
  });
}
