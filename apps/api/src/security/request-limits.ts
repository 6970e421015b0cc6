import type { ServerOptions } from 'node:http';

/** The service only reads: no request needs a body, so a small one is plenty. */
export const BODY_LIMIT_BYTES = 16 * 1024;

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
