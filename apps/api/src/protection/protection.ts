import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config';
import { RateLimiter, tooManyRequests } from './rate-limiter';

/** The service only reads: no request needs a body, so a small one is plenty. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/** Fastify options that bound what a request may hold and how long receiving it may take. */
export const REQUEST_LIMITS = {
  bodyLimit: BODY_LIMIT_BYTES,
  maxParamLength: 256,
  // The whole request must arrive within this time (slow clients cannot hold sockets open).
  requestTimeout: 30_000,
  // Node.js refuses request heads over 16 KiB with a 431 (its default --max-http-header-size).
} as const;

/**
 * Security headers (helmet), CORS only for the configured origins, and the per-client rate
 * limit, which answers 429 problems through the one error filter.
 */
export async function applyProtection(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.register(helmet, {
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
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      methods: ['GET', 'HEAD'],
      exposedHeaders: ['X-Trace-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    });
  }
  if (config.rateLimit.enabled) {
    const limiter = new RateLimiter(config.rateLimit);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        const verdict = limiter.take(request.ip);
        reply.headers(verdict.headers);
        if (!verdict.allowed) throw tooManyRequests(config.rateLimit, verdict);
      });
  }
}
