import type { IncomingMessage } from 'node:http';
import type { Options } from 'pino-http';
import { HEADER, type HeaderName, headerKey } from '../common/http-headers';
import type { AppConfig, LogFormat } from '../config/app-config';
import { traceIdOf } from './trace-id';
import { requestContext } from './request-context';

/**
 * Human-readable lines only for a person at a terminal: `auto` means pretty when standard
 * output is a TTY outside production, JSON everywhere else (files, pipes, log collectors).
 */
export function usePrettyLogs(format: LogFormat, isTty: boolean, nodeEnv: string | undefined): boolean {
  if (format === 'auto') return isTty && nodeEnv !== 'production';
  return format === 'pretty';
}

/**
 * pino-http's options: one line per request with method, URL, route template, status,
 * `durationMs` and `traceId`. A failed request also has the error filter's line, with the same
 * `traceId` and the `errorTicket`. Credentials never reach the log.
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
    redact: {
      paths: [
        ...[HEADER.authorization, HEADER.cookie, HEADER.proxyAuthorization].map((name) => headerPath('req', name)),
        headerPath('res', HEADER.setCookie),
      ],
    },
  };
}

/** The path of a header in pino-http's request or response object, for `redact`. */
function headerPath(object: 'req' | 'res', name: HeaderName): string {
  return `${object}.headers[${JSON.stringify(headerKey(name))}]`;
}
