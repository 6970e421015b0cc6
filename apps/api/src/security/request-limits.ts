/** The service only reads: no request needs a body, so a small one is plenty. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Fastify options that bound what a request may hold and how long receiving it may take.
 * Node.js itself refuses request heads over 16 KiB with a 431 (its default
 * --max-http-header-size), which problem/client-error.ts answers.
 */
export const REQUEST_LIMITS = {
  bodyLimit: BODY_LIMIT_BYTES,
  routerOptions: { maxParamLength: 256 },
  // The whole request must arrive within this time (slow clients cannot hold sockets open).
  requestTimeout: 30_000,
} as const;
