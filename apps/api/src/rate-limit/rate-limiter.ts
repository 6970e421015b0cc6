import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HEADER, headerKey } from '../common/http-headers';
import type { RateLimitConfig } from '../config/app-config';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** The headers of IETF draft "RateLimit header fields for HTTP", as the contract names them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Seconds until the window ends. */
  readonly resetSeconds: number;
}

/**
 * A fixed-window request counter per client. Windows are aligned to the clock, so one map holds
 * the clients of the current window only and is dropped whole when the next one starts: memory
 * stays bounded by the clients of one window, and a request costs one map lookup. Each instance
 * counts its own requests; behind a load balancer a client may make up to `max` per instance.
 */
export class RateLimiter {
  private window = -1;
  private counts = new Map<string, number>();

  constructor(
    private readonly config: Pick<RateLimitConfig, 'max' | 'windowMs'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `client` and says whether it may be served. */
  take(client: string): RateLimitVerdict {
    const now = this.now();
    const window = Math.floor(now / this.config.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.counts = new Map();
    }
    const count = (this.counts.get(client) ?? 0) + 1;
    this.counts.set(client, count);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * this.config.windowMs - now) / 1000));
    return {
      allowed: count <= this.config.max,
      resetSeconds,
      headers: {
        [headerKey(HEADER.rateLimitLimit)]: String(this.config.max),
        [headerKey(HEADER.rateLimitRemaining)]: String(Math.max(0, this.config.max - count)),
        [headerKey(HEADER.rateLimitReset)]: String(resetSeconds),
      },
    };
  }
}

/** The 429 problem for a client over its limit. */
export function tooManyRequests(config: Pick<RateLimitConfig, 'max' | 'windowMs'>, verdict: RateLimitVerdict) {
  const retryAfter = verdict.resetSeconds;
  return new ProblemException(
    problem('TOO_MANY_REQUESTS', { max: config.max, seconds: config.windowMs / 1000, retryAfter }),
    {},
    { ...verdict.headers, [headerKey(HEADER.retryAfter)]: String(retryAfter) },
  );
}

/**
 * Counts every request against its client's limit (the address Fastify trusts, see
 * TRUST_PROXY), sends the RateLimit headers, and answers a client over its limit with a 429
 * problem through the one error filter.
 */
export function applyRateLimit(
  app: NestFastifyApplication,
  limiter: RateLimiter,
  config: Pick<RateLimitConfig, 'max' | 'windowMs'>,
): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      const verdict = limiter.take(request.ip);
      reply.headers(verdict.headers);
      if (!verdict.allowed) throw tooManyRequests(config, verdict);
    });
}
