import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitKeyOf } from '../auth/caller';
import { HEADER, headerKey } from '../common/http-headers';
import type { RateLimitConfig } from '../config/app-config';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';

/** What a limit says about one request: whether it may be served, and its RateLimit headers. */
export class RateLimitVerdict {
  constructor(
    readonly allowed: boolean,
    /** The limit as its header says it. */
    readonly limit: string,
    /** Requests left in the window. */
    readonly remaining: number,
    /** Seconds until the window ends. */
    readonly resetSeconds: number,
  ) {}

  /** The headers of IETF draft "RateLimit header fields for HTTP", as the contract names them. */
  get headers(): Readonly<Record<string, string>> {
    return { [LIMIT]: this.limit, [REMAINING]: String(this.remaining), [RESET]: String(this.resetSeconds) };
  }

  /** Sets {@link headers} on `reply`, one by one: the path of every request, with no object made. */
  setHeaders(reply: FastifyReply): void {
    reply.header(LIMIT, this.limit).header(REMAINING, String(this.remaining)).header(RESET, String(this.resetSeconds));
  }
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
  /** The limit as its header says it, written once. */
  private readonly limit: string;

  constructor(
    private readonly config: Pick<RateLimitConfig, 'max' | 'windowMs'>,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = String(config.max);
  }

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
    return new RateLimitVerdict(
      count <= this.config.max,
      this.limit,
      Math.max(0, this.config.max - count),
      resetSeconds,
    );
  }
}

const LIMIT = headerKey(HEADER.rateLimitLimit);
const REMAINING = headerKey(HEADER.rateLimitRemaining);
const RESET = headerKey(HEADER.rateLimitReset);

/** Which limit a verdict is about: the client's own, or its limit on one operation. */
export type RateLimitScope = 'client' | 'route';

const SCOPE_WORDS: Readonly<Record<RateLimitScope, string>> = {
  client: 'client',
  route: 'client to this operation',
};

/** The 429 problem for a client over its limit (`scope` says which), in the body's `limit` too. */
export function tooManyRequests(
  config: Pick<RateLimitConfig, 'max' | 'windowMs'>,
  verdict: RateLimitVerdict,
  scope: RateLimitScope = 'client',
) {
  const retryAfter = verdict.resetSeconds;
  return new ProblemException(
    problem('TOO_MANY_REQUESTS', {
      max: config.max,
      seconds: config.windowMs / 1000,
      scope: SCOPE_WORDS[scope],
      retryAfter,
    }),
    { limit: scope },
    { ...verdict.headers, [headerKey(HEADER.retryAfter)]: String(retryAfter) },
  );
}

/**
 * Operations with a limit of their own, per client and per operation, on top of the client's
 * (the vendor allows 300 requests a minute to each lifecycle action).
 */
export interface RouteRateLimit {
  readonly limiter: RateLimiter;
  readonly config: Pick<RateLimitConfig, 'max' | 'windowMs'>;
  /** `METHOD /route/template`, as Fastify names the route (`:param` for a path parameter). */
  readonly routes: ReadonlySet<string>;
}

/**
 * The lifecycle operations that change numbers. The reconciliation's template is named here so
 * that its limit applies wherever that operation is served.
 */
export const ACTION_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v3/oc/numbers/action/ready-for-removal',
  'POST /api/v3/oc/action/clear-removal-status',
  'POST /api/v3/oc/numbers/action/remove',
  'POST /api/v3/oc/tenants/:msTenantId/numbers/reconcile',
]);

/** `RateLimit-Policy` for a verdict: the limit, its window in seconds and which limit it is. */
function policy(config: Pick<RateLimitConfig, 'max' | 'windowMs'>, scope: RateLimitScope): string {
  return `${config.max};w=${config.windowMs / 1000};name="${scope}"`;
}

/**
 * Counts every request against its client's limit (its token's client id, or the address
 * Fastify trusts, see TRUST_PROXY), and a request to an operation with a limit of its own against that one too;
 * sends the RateLimit headers of the limit that leaves fewer requests (on such operations,
 * `RateLimit-Policy` says which), and answers a client over a limit with a 429 problem through
 * the one error filter. A request the client's limit refuses is not counted against the
 * operation's.
 */
export function applyRateLimit(
  app: NestFastifyApplication,
  limiter: RateLimiter,
  config: Pick<RateLimitConfig, 'max' | 'windowMs'>,
  routeLimit?: RouteRateLimit,
): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      try {
        countRequest(request, reply);
        done();
      } catch (error) {
        done(error as ProblemException);
      }
    });

  function countRequest(request: FastifyRequest, reply: FastifyReply): void {
    const client = rateLimitKeyOf(request);
    const verdict = limiter.take(client);
    const route = routeLimit && `${request.method} ${request.routeOptions.url ?? ''}`;
    if (route === undefined || !routeLimit?.routes.has(route)) {
      verdict.setHeaders(reply);
      if (!verdict.allowed) throw tooManyRequests(config, verdict);
      return;
    }
    const clientPolicy = { [headerKey(HEADER.rateLimitPolicy)]: policy(config, 'client') };
    if (!verdict.allowed) {
      reply.headers({ ...verdict.headers, ...clientPolicy });
      throw tooManyRequests(config, verdict);
    }
    const routeVerdict = routeLimit.limiter.take(`${route} ${client}`);
    const routeBinds = !routeVerdict.allowed || routeVerdict.remaining <= verdict.remaining;
    if (routeBinds) {
      reply.headers({
        ...routeVerdict.headers,
        [headerKey(HEADER.rateLimitPolicy)]: policy(routeLimit.config, 'route'),
      });
    } else {
      reply.headers({ ...verdict.headers, ...clientPolicy });
    }
    if (!routeVerdict.allowed) throw tooManyRequests(routeLimit.config, routeVerdict, 'route');
  }
}
