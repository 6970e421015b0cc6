/**
 * The names of the headers the service reads and sends, spelled as the contract spells them.
 * Header names are case-insensitive: Node.js keys request headers lower-case, and so do Fastify
 * and the header objects of this service ({@link headerKey}); the contract's spelling shows where
 * a name is written out by hand (a raw response, a CORS header's value).
 */
export const HEADER = {
  traceId: 'X-Trace-Id',
  traceparent: 'traceparent',
  retryAfter: 'Retry-After',
  rateLimitLimit: 'RateLimit-Limit',
  rateLimitRemaining: 'RateLimit-Remaining',
  rateLimitReset: 'RateLimit-Reset',
  rateLimitPolicy: 'RateLimit-Policy',
  contentType: 'Content-Type',
  contentLength: 'Content-Length',
  connection: 'Connection',
  cacheControl: 'Cache-Control',
  allow: 'Allow',
  wwwAuthenticate: 'WWW-Authenticate',
  // Credentials: never logged.
  authorization: 'Authorization',
  proxyAuthorization: 'Proxy-Authorization',
  cookie: 'Cookie',
  setCookie: 'Set-Cookie',
} as const;

export type HeaderName = (typeof HEADER)[keyof typeof HEADER];

/** A header's name lower-case: the key of `request.headers` and of the service's header objects. */
export function headerKey<N extends HeaderName>(name: N): Lowercase<N> {
  return name.toLowerCase() as Lowercase<N>;
}
