import helmet from '@fastify/helmet';
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
];

/** Security headers (helmet) on every answer, and CORS only for the configured origins. */
export async function applySecurity(app: NestFastifyApplication, config: Pick<AppConfig, 'corsOrigins'>) {
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
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
}
