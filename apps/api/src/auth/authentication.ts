import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { HEADER, headerKey } from '../common/http-headers';
import { RequestSlot } from '../common/request-slot';
import type { AppConfig, AuthConfig } from '../config/app-config';
import type { EndpointAccess } from '../config/settings';
import { ProblemException } from '../problem/problem';
import { problem } from '../problem/problem-catalogue';
import { ACTION_ROUTES } from '../rate-limit/rate-limiter';
import { type Caller, setCaller } from './caller';
import { JwksCache, type JwksLogger } from './jwks-cache';
import { loadPublicKeys, type VerificationKey } from './token-keys';
import { type KnownToken, TOKEN_REASONS, TokenRejected, TokenVerifier } from './token-verifier';

/** The realm of every `WWW-Authenticate` challenge. */
export const AUTH_REALM = 'oc-numbers';

/** The probes: open to anyone, whatever the settings. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);
const METRICS_ROUTES: ReadonlySet<string> = new Set(['/metrics']);
const DOCS_ROUTES: ReadonlySet<string> = new Set([
  '/api/docs',
  '/api/docs/:asset',
  '/api/openapi.yaml',
  '/api/openapi.json',
]);

/** What a request to a route needs: nothing, a read role, or a write role. */
export type RouteNeed = 'open' | 'read' | 'write';

/**
 * What the route of a request needs. Probes are open; `/metrics` and the documentation as their
 * access setting says; every other operation of the API a read role, the lifecycle actions a
 * write role.
 */
export function routeNeed(
  method: string,
  route: string,
  access: Pick<AppConfig, 'metricsAccess' | 'docsAccess'>,
): RouteNeed {
  if (PROBE_ROUTES.has(route)) return 'open';
  if (METRICS_ROUTES.has(route)) return accessNeed(access.metricsAccess);
  if (DOCS_ROUTES.has(route)) return accessNeed(access.docsAccess);
  return ACTION_ROUTES.has(`${method} ${route}`) ? 'write' : 'read';
}

function accessNeed(access: EndpointAccess): RouteNeed {
  return access === 'token' ? 'read' : 'open';
}

/** The keys and verifier of AUTH_MODE=jwt; throws, with a message that says why, on bad keys. */
export function tokenVerifier(auth: AuthConfig, logger: JwksLogger): TokenVerifier {
  const staticKeys: VerificationKey[] = auth.publicKeys === undefined ? [] : loadPublicKeys(auth.publicKeys);
  const jwks = auth.jwksUrl && new JwksCache(auth.jwksUrl, auth.jwks, logger);
  return new TokenVerifier(auth, staticKeys, jwks);
}

const AUTHORIZATION = headerKey(HEADER.authorization);

/**
 * The Authorization header of a connection's last request whose token was known, and what was
 * known of it: a client sends the same token on each request of a keep-alive connection. Only
 * a token the verifier knows is kept, for no longer than the verifier knows it.
 */
interface LastToken {
  readonly header: string;
  readonly known: KnownToken;
}
const LAST_TOKEN = Symbol('last token');

/** A request's refusal, found before the rate limit counts it and thrown after. */
const refusals = new RequestSlot<ProblemException>('refusal');

/**
 * With AUTH_MODE=jwt, authenticates each request to an operation of the API: verifies its bearer
 * token, records its caller (which the rate limit counts by) and checks the role the operation
 * needs. A request it refuses is counted by the rate limit by its address and then answered 401
 * or 403 by {@link enforceAuthentication}, through the one error filter. Requests that reach no
 * operation (404, 405) need no token: their answer says nothing a token would protect.
 */
export function authenticate(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'metricsAccess' | 'docsAccess' | 'auth'>,
  verifier: TokenVerifier,
): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      const need =
        route === undefined || route === '*' || isMethodNotAllowed(request)
          ? 'open'
          : routeNeed(request.method, route, config);
      // An open route (the probes) costs no promise.
      if (need === 'open') {
        done();
        return;
      }
      const socket = request.raw.socket as Socket & { [LAST_TOKEN]?: LastToken };
      const header = request.headers[AUTHORIZATION];
      // The token of the connection's last request, the same header again: known by comparing
      // the header, without reading the token out of it or looking it up by its text.
      const last = socket[LAST_TOKEN];
      if (last !== undefined && header === last.header && !hasQueryToken(request.url)) {
        const caller = verifier.stillKnown(last.known);
        if (caller !== undefined) {
          record(request.raw, caller, need, config.auth);
          done();
          return;
        }
        socket[LAST_TOKEN] = undefined;
      }
      const token = bearerToken(request);
      if (typeof token !== 'string') {
        record(request.raw, token, need, config.auth);
        done();
        return;
      }
      // A token verified before is known without a promise: the path of nearly every request.
      const known = verifier.knownToken(token);
      if (known !== undefined) {
        socket[LAST_TOKEN] = { header: header as string, known };
        record(request.raw, known.caller, need, config.auth);
        done();
        return;
      }
      verifiedCaller(token, verifier).then((found) => {
        record(request.raw, found, need, config.auth);
        done();
      }, done);
    });
}

/** Records what authentication found for a request: its caller, or why it is refused. */
function record(
  request: IncomingMessage,
  found: Caller | ProblemException,
  need: 'read' | 'write',
  auth: Pick<AuthConfig, 'roles'>,
): void {
  if (found instanceof ProblemException) {
    refusals.set(request, found);
    return;
  }
  setCaller(request, found);
  const allowed = need === 'write' ? found.canWrite : found.canRead;
  if (!allowed) refusals.set(request, insufficientRole(need, auth));
}

/** Answers the requests {@link authenticate} refused; registered after the rate limit. */
export function enforceAuthentication(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      done(refusals.get(request.raw));
    });
}

/** The 405 routes of the router (see router-problems.ts) are not operations. */
function isMethodNotAllowed(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { methodNotAllowed?: boolean } | undefined;
  return config?.methodNotAllowed === true;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token a request carries, or the refusal of a request without one in its place. */
function bearerToken(request: FastifyRequest): string | ProblemException {
  if (hasQueryToken(request.url)) {
    return invalidToken('tokens go in the Authorization header, never in the query string');
  }
  const header = request.headers[AUTHORIZATION];
  if (header === undefined || header === '') return unauthenticated('none was sent');
  if (!/^Bearer(\s|$)/i.test(header)) return invalidToken('the Authorization scheme is not Bearer');
  const match = BEARER.exec(header);
  if (!match) return invalidToken('the Authorization header is not Bearer followed by one token');
  return match[1];
}

async function verifiedCaller(token: string, verifier: TokenVerifier): Promise<Caller | ProblemException> {
  try {
    return await verifier.caller(token);
  } catch (error) {
    if (error instanceof TokenRejected) return invalidToken(TOKEN_REASONS[error.reason], error);
    throw error;
  }
}

/**
 * Whether the query string has an `access_token` parameter. Its name can only be there, in any
 * spelling URLSearchParams decodes, if the query holds `access_token` or a percent escape: any
 * other query is not parsed.
 */
function hasQueryToken(url: string): boolean {
  const query = url.indexOf('?');
  if (query < 0) return false;
  const text = url.slice(query + 1);
  if (!text.includes('access_token') && !text.includes('%')) return false;
  return new URLSearchParams(text).has('access_token');
}

function challenge(parameters = ''): Record<string, string> {
  return { [headerKey(HEADER.wwwAuthenticate)]: `Bearer realm="${AUTH_REALM}"${parameters}` };
}

function unauthenticated(reason: string): ProblemException {
  return new ProblemException(problem('UNAUTHENTICATED', { reason }), {}, challenge());
}

function invalidToken(reason: string, cause?: unknown): ProblemException {
  return new ProblemException(
    problem('INVALID_TOKEN', { reason }),
    {},
    challenge(`, error="invalid_token", error_description="${reason}"`),
    cause,
  );
}

function insufficientRole(need: 'read' | 'write', auth: Pick<AuthConfig, 'roles'>): ProblemException {
  const { readAll, readWriteAll, read, readWrite } = auth.roles;
  const roles = need === 'write' ? [readWrite, readWriteAll] : [read, readAll, readWrite, readWriteAll];
  return new ProblemException(
    problem('INSUFFICIENT_ROLE', { roles: roles.join(', ') }),
    {},
    challenge(', error="insufficient_scope"'),
  );
}
