import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HEADER, headerKey } from '../common/http-headers';
import { RequestSlot } from '../common/request-slot';
import { ProblemException } from './problem';
import { problem } from './problem-catalogue';

/**
 * Errors Fastify's router raises before any hook runs (a path that is not valid percent-encoding,
 * a path parameter over the length limit), by request. Such a request is routed again as an
 * unknown route, so that it passes every hook (trace id, security headers, rate limit, request
 * log, metrics) like any other; the error filter then answers the error kept here.
 */
const routerErrors = new RequestSlot<{ error: Error; url: string }>('router error');

/** A path no route has, so that a request routed again reaches the not-found handler. */
const UNROUTED_PATH = '/%E2%90%80';

/** The router's own error for this request, if the router refused it. */
export function routerErrorOf(request: IncomingMessage): Error | undefined {
  return routerErrors.get(request)?.error;
}

/** The URL the client sent, if the router refused it and the request was routed again. */
export function clientUrlOf(request: IncomingMessage): string | undefined {
  return routerErrors.get(request)?.url;
}

/** Fastify's `frameworkErrors` option: keeps the error and routes the request again. */
export function routeAgainOnRouterError(fastify: () => FastifyInstance) {
  return (error: Error, request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw;
    if (routerErrors.has(raw)) {
      // Routed again and refused again: cannot happen with UNROUTED_PATH, but never loop.
      reply.code(500).send();
      return;
    }
    routerErrors.set(raw, { error, url: raw.url ?? '/' });
    raw.url = UNROUTED_PATH;
    fastify().routing(raw, reply.raw);
  };
}

/**
 * Answers a problem that arose before Node.js could hand the service a request (a request head
 * too large, a client too slow) through Fastify like any other: a request standing for the one
 * that could not be read is routed as a refused path, so that every hook runs (trace id,
 * security headers, rate limit, request log, metrics) and the error filter answers `problem`.
 * Nothing of the client's request can be trusted, so the request has no headers and an empty
 * path (`instance` is empty). The connection is closed once the answer is sent.
 */
export function routeClientProblem(
  fastify: () => FastifyInstance,
  socket: Socket,
  problem: ProblemException,
  /** The request's method, when Node could read it. */
  method = 'GET',
): void {
  const request = new IncomingMessage(socket);
  request.method = method;
  request.url = UNROUTED_PATH;
  request.httpVersionMajor = 1;
  request.httpVersionMinor = 1;
  request.httpVersion = '1.1';
  request.complete = true;
  request.push(null);
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  response.once('finish', () => socket.destroySoon());
  routerErrors.set(request, { error: problem, url: '' });
  fastify().routing(request, response);
}

/**
 * Requests that Node.js would answer itself, with an empty body, are let through to the
 * service, which answers them with a problem like any other refusal: an HTTP/1.1 request
 * without `Host` (the server's `requireHostHeader` is off, see security/request-limits.ts) is a
 * 400, and an `Expect` other than `100-continue` a 417. Call once every other `onRequest` hook is
 * in place (after `init()`), so that the refusal has the headers, rate limit and log line of any
 * answer. A `CONNECT` request, whose connection Node.js would close unanswered, is a 400.
 */
export function refuseWhatNodeWould(fastify: FastifyInstance, server: Server): void {
  // Without a 'checkExpectation' listener Node.js answers a bare 417 itself.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) =>
    server.emit('request', request, response),
  );
  // Without a 'connect' listener Node.js closes the connection of a CONNECT request unanswered.
  server.on('connect', (request: IncomingMessage, socket: Socket) =>
    routeClientProblem(
      () => fastify,
      socket,
      new ProblemException(
        problem('BAD_REQUEST', { message: 'The service is not a proxy: it does not serve CONNECT.' }),
      ),
      request.method,
    ),
  );
  fastify.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    const http11 = raw.httpVersionMajor > 1 || (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1);
    if (http11 && raw.headers.host === undefined) {
      done(new ProblemException(problem('BAD_REQUEST', { message: 'An HTTP/1.1 request must have a Host header.' })));
      return;
    }
    const expect = raw.headers.expect;
    // Node.js itself handles `100-continue` (this is how it recognises one) and lets it through.
    if (expect !== undefined && !/(?:^|\W)100-continue(?:$|\W)/i.test(expect)) {
      done(new ProblemException(problem('EXPECTATION_FAILED')));
      return;
    }
    done();
  });
}

/**
 * A request routed again gets its own URL back once it is answered (the error filter calls this),
 * so that the problem and the request log show what the client sent. Until then it keeps the
 * unrouted path, which every hook can read.
 */
export function restoreRoutedAgainUrl(request: FastifyRequest): void {
  const kept = routerErrors.get(request.raw);
  if (kept) request.raw.url = kept.url;
}

/**
 * Answers a known path asked with a method it does not have with a 405 problem whose `Allow`
 * header lists the methods its routes have. The methods come from the routes as they are
 * registered; the 405 routes are added once every route is known (after `init()`, before the
 * server starts). Methods a wildcard route answers (the CORS preflight's `OPTIONS *`) are left
 * to it. The 405 is raised after the body checks, so a body too large or of an unknown type is
 * still a 413 or 415.
 */
export function collectRoutes(fastify: FastifyInstance): () => void {
  const methodsByUrl = new Map<string, Set<string>>();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method.toUpperCase());
    methodsByUrl.set(route.url, methods);
  });
  return () => {
    const wildcard = methodsByUrl.get('*') ?? new Set<string>();
    const known = [...methodsByUrl].filter(([url]) => url !== '*');
    for (const [url, methods] of known) {
      const allow = [...methods].sort().join(', ');
      const missing = fastify.supportedMethods.filter((method) => !methods.has(method) && !wildcard.has(method));
      if (missing.length === 0) continue;
      fastify.route({
        method: missing,
        url,
        // Not an operation: authentication leaves these to answer 405.
        config: { methodNotAllowed: true },
        preValidation: async (request) => {
          throw new ProblemException(
            problem('METHOD_NOT_ALLOWED', { message: `${request.method} is not a method of this path; use ${allow}.` }),
            {},
            { [headerKey(HEADER.allow)]: allow },
          );
        },
        handler: async () => undefined,
      });
    }
  };
}
