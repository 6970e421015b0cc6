import type { IncomingMessage } from 'node:http';
import type { Options } from 'pino-http';
import { HEADER, headerKey } from '../common/http-headers';
import type { AppConfig, LogFormat } from '../config/app-config';
import { traceIdOf } from './trace-id';
import { requestContext } from './request-context';
import { pathOf } from '../problem/problem-details.filter';
import { clientUrlOf } from '../problem/router-problems';

/**
 * Human-readable lines only for a person at a terminal: `auto` means pretty when standard
 * output is a TTY outside production, JSON everywhere else (files, pipes, log collectors).
 */
export function usePrettyLogs(format: LogFormat, isTty: boolean, nodeEnv: string | undefined): boolean {
  if (format === 'auto') return isTty && nodeEnv !== 'production';
  return format === 'pretty';
}

/**
 * The request headers a request line carries: those that help tell clients and requests apart
 * and hold nothing secret. Every other header is left out, whatever its name (an `X-Api-Key`
 * the service does not know is a credential all the same).
 */
const LOGGED_REQUEST_HEADERS = [
  'user-agent',
  HEADER.contentType,
  HEADER.contentLength,
  HEADER.traceparent,
  'x-forwarded-for',
].map((name) => name.toLowerCase());

/** Credentials: their presence is logged, never their value. */
const CREDENTIAL_HEADERS: readonly string[] = [HEADER.authorization, HEADER.cookie, HEADER.proxyAuthorization].map(
  (name) => headerKey(name),
);

/**
 * The response headers a request line carries: what the body was and when to retry. The others
 * (security headers, the rate limit's) are the same on every answer and made the line ~1.4 KB.
 */
const LOGGED_RESPONSE_HEADERS: readonly string[] = [HEADER.contentType, HEADER.contentLength, HEADER.retryAfter].map(
  (name) => headerKey(name),
);

/** The most characters of a logged URL or header value: a long one cannot swell the line. */
export const LOGGED_VALUE_MAX = 256;

const REDACTED = '[Redacted]';

/**
 * pino-http's options: one line per request with method, URL, route template, status,
 * `durationMs` and `traceId`, and only allow-listed headers. A failed request also has the
 * error filter's line, with the same `traceId` and the `errorTicket`. Credentials never reach
 * the log.
 */
export function requestLogOptions(config: Pick<AppConfig, 'logLevel'>): Options<IncomingMessage> {
  return {
    level: config.logLevel,
    genReqId: (req) => traceIdOf(req),
    customProps: (req) => {
      const { route } = requestContext(req);
      return { traceId: traceIdOf(req), ...(route && { route }) };
    },
    customAttributeKeys: { responseTime: 'durationMs' },
    serializers: { req: serializeRequest, res: serializeResponse },
  };
}

/** What pino-http's standard serializer makes of a request (the fields read here). */
interface SerializedRequest {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
  /** The request itself (pino's serializer keeps it, not enumerable). */
  raw?: IncomingMessage;
}

interface SerializedResponse {
  statusCode?: number;
  headers?: Record<string, unknown>;
}

/** The request in a log line: method, URL, client address and the allow-listed headers. */
export function serializeRequest(req: SerializedRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const name of LOGGED_REQUEST_HEADERS) {
    const value = req.headers?.[name];
    if (value !== undefined) headers[name] = capped(String(value));
  }
  for (const name of CREDENTIAL_HEADERS) if (req.headers?.[name] !== undefined) headers[name] = REDACTED;
  return {
    method: req.method,
    url: loggedUrl(req),
    remoteAddress: req.remoteAddress,
    headers,
  };
}

/**
 * The URL a request line shows. A request the router refused is routed again under an internal
 * path; its line shows the path the client sent instead, made a valid URI path of bounded length
 * like the problem's `instance` (it was not valid percent-encoding, or very long).
 */
function loggedUrl(req: SerializedRequest): string | undefined {
  const sent = req.raw === undefined ? undefined : clientUrlOf(req.raw);
  if (sent !== undefined) return capped(pathOf({ url: sent }));
  return req.url === undefined ? undefined : capped(req.url);
}

/** The response in a log line: its status and the allow-listed headers. */
export function serializeResponse(res: SerializedResponse): Record<string, unknown> {
  return loggedResponse(res.statusCode, (name) => res.headers?.[name]);
}

/**
 * The response in a log line from its status and a look-up of one header: only the logged
 * headers are read (a response's full header object is ~20 entries, copied each time).
 */
export function loggedResponse(
  statusCode: number | undefined,
  header: (name: string) => unknown,
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const name of LOGGED_RESPONSE_HEADERS) {
    const value = header(name);
    if (value !== undefined) headers[name] = capped(String(value));
  }
  return { statusCode, headers };
}

function capped(value: string): string {
  return value.length > LOGGED_VALUE_MAX ? `${value.slice(0, LOGGED_VALUE_MAX)}…` : value;
}
