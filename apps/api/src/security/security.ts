import helmet, { type HelmetOptions } from 'helmet';
import type { OutgoingHttpHeader } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HEADER } from '../common/http-headers';
import type { AppConfig } from '../config/app-config';

/** The headers a browser may read from a cross-origin answer: those the contract documents. */
const EXPOSED_HEADERS = [
  HEADER.traceId,
  HEADER.retryAfter,
  HEADER.rateLimitLimit,
  HEADER.rateLimitRemaining,
  HEADER.rateLimitReset,
  HEADER.rateLimitPolicy,
  // A browser client reads why a token was refused (RFC 6750's challenge).
  HEADER.wwwAuthenticate,
];

/** helmet's options: the same on every answer. */
const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      // The documentation page (Swagger UI) loads its own scripts and styles, and draws icons
      // from data: URLs; nothing is loaded from elsewhere.
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * The headers helmet sets with these options, in its order and with its names' case, taken once
 * from helmet itself: its middleware parses the directives each time it is built, and the
 * Fastify plugin built it for every request. None depends on the request.
 */
export function securityHeaders(
  options: Readonly<HelmetOptions>,
): ReadonlyArray<readonly [string, OutgoingHttpHeader]> {
  const headers: Array<[string, OutgoingHttpHeader]> = [];
  const response = {
    setHeader: (name: string, value: OutgoingHttpHeader) => void headers.push([name, value]),
    removeHeader: (name: string) => {
      const at = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
      if (at >= 0) headers.splice(at, 1);
    },
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => (failure = error));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

/**
 * The security headers (helmet's, with this service's options) of every answer, as Fastify's
 * headers: Node.js then writes them with the others at once, from one object (set on the
 * response itself, every header would go through setHeader again, each name and value checked
 * twice). The names are lower-case already, as Fastify keys them: a name it had to lower-case
 * would be a new string on every request, looked up by its text each time it is read or stored.
 */
export const SECURITY_HEADERS: Readonly<Record<string, OutgoingHttpHeader>> = Object.freeze(
  Object.fromEntries(securityHeaders(HELMET_OPTIONS).map(([name, value]) => [name.toLowerCase(), value])),
);

/** CORS only for the configured origins (the security headers are set with the trace id). */
export function applyCors(app: NestFastifyApplication, config: Pick<AppConfig, 'corsOrigins'>): void {
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      methods: ['GET', 'HEAD'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
}
