import type { LoggerService } from '@nestjs/common';
import pino, { type Logger as Pino } from 'pino';
import type { AppConfig } from '../config/app-config';
import { usePrettyLogs } from './log-options';

/**
 * The logger of the start, before the application's own (nestjs-pino) is in place, and of a
 * start that fails: the same JSON lines as every other line when logs are JSON (in production,
 * or when standard output is not a terminal), written at once so that none is lost when the
 * process exits. Undefined when logs are human-readable: Nest's own console lines serve then.
 */
export function startupLogger(
  config: Pick<AppConfig, 'logFormat' | 'logLevel' | 'nodeEnv'>,
): StartupLogger | undefined {
  if (usePrettyLogs(config.logFormat, process.stdout.isTTY === true, config.nodeEnv)) return undefined;
  return new StartupLogger(pino({ level: config.logLevel }, pino.destination({ fd: 1, sync: true })));
}

/** Nest's LoggerService on pino: the last string parameter is the context, as Nest passes it. */
export class StartupLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields = { ...(context && { context }), ...(stack && { stack }) };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}
