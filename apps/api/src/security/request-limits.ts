import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from 'node:http';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';

/** Every route but those of ROUTE_BODY_LIMITS: their bodies are small, so a small limit is plenty. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * A reconciliation's body: 1,000,000 numbers of up to 16 characters, as indented JSON (about
 * 24 bytes each: indent, quotes, comma, line break) or as CSV (18 bytes a line with CRLF), fits.
 */
export const RECONCILE_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** The routes (Fastify route templates) that take larger bodies than BODY_LIMIT_BYTES. */
export const ROUTE_BODY_LIMITS: Readonly<Record<string, number>> = {
  '/api/v3/oc/tenants/:msTenantId/numbers/reconcile': RECONCILE_BODY_LIMIT_BYTES,
};

/**
 * Gives the routes of ROUTE_BODY_LIMITS their own body limit. Nest's Fastify adapter passes no
 * `bodyLimit` of a handler to Fastify, so it is set where Fastify documents that route options
 * may be changed: an `onRoute` hook, which runs before the route is built. Fastify applies a
 * route's `bodyLimit` in every content-type parser, Nest's JSON parser (registered with the
 * server's limit) included. Call it before the application registers its routes.
 */
export function applyRouteBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const limit = ROUTE_BODY_LIMITS[route.url ?? ''];
    if (limit !== undefined) route.bodyLimit = limit;
  });
}

/**
 * The body parsers: JSON, and `text/csv` (a reconciliation's list, one number a line) as text,
 * within the route's body limit and BODY_LIMIT_BYTES elsewhere. A body that is not JSON is the
 * contract's INVALID_REQUEST_BODY problem rather than the framework's own words. Call it before
 * `app.init()`, which registers Nest's default JSON parser unless one is registered already.
 */
export function useBodyParsers(app: NestFastifyApplication): void {
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    let parsed: unknown;
    // A byte order mark (some exporters write one) is not JSON's, but not the caller's mistake either.
    const text = body.toString('utf8').replace(/^\uFEFF/, '');
    try {
      parsed = JSON.parse(text);
    } catch {
      const message = text.trim() === '' ? 'The body is empty; send a JSON object.' : 'The body is not valid JSON.';
      done(new ProblemException(problem('INVALID_REQUEST_BODY', { message })), undefined);
      return;
    }
    done(null, parsed);
  });
  app.useBodyParser('text/csv', { bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, body.toString('utf8')),
  );
}

/** The longest path parameter the router reads; a longer one is a 414. */
export const MAX_PARAM_LENGTH = 256;

/**
 * How often Node.js looks for requests that outlived their timeout. Its default (30 s) let a
 * slow client hold a socket for up to 30 s past the request timeout.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * Fastify options that bound what a request may hold and how long receiving it may take.
 * Node.js itself refuses request heads over 16 KiB with a 431 (its default
 * --max-http-header-size) and slow requests with a 408, which problem/client-error.ts answers.
 */
export function requestLimits(requestTimeoutMs: number) {
  const http: ServerOptions = {
    // The whole request (head and body) must arrive within the request timeout, the head too:
    // slow clients cannot hold sockets open.
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, requestTimeoutMs),
    // An HTTP/1.1 request without Host is refused by the service itself, with a problem
    // (`refuseWhatNodeWould` in problem/router-problems.ts), rather than by Node.js with an empty 400.
    requireHostHeader: false,
  };
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout: requestTimeoutMs,
    http,
  } as const;
}
