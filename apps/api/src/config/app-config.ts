import { resolve } from 'node:path';
import { type DatabaseConfig, DEFAULT_SQLITE_PATH, parseDatabaseUrl } from '../database/dialect';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RateLimitConfig {
  /** Off only for benchmarks: every client may then send as much as it likes. */
  readonly enabled: boolean;
  /** Requests one client (IP address) may make per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly migrationsRun: boolean;
  readonly logLevel: LogLevel;
  /** `auto`: human-readable lines when standard output is a terminal, JSON otherwise. */
  readonly logFormat: LogFormat;
  /** How long to wait for a new database connection before the request fails with a 503. */
  readonly databaseConnectTimeoutMs: number;
  /** How long one database statement may run before it is cancelled and the request fails with a 503. */
  readonly databaseStatementTimeoutMs: number;
  /** How long a shutdown waits for requests in flight before it closes them. */
  readonly shutdownTimeoutMs: number;
  readonly rateLimit: RateLimitConfig;
  /** Origins allowed to call the API from a browser; empty: CORS off. */
  readonly corsOrigins: readonly string[];
  /** Fastify's `trustProxy`: whom to believe about the client's address in `X-Forwarded-For`. */
  readonly trustProxy: boolean | number | readonly string[];
}

/** The injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Thrown at boot when a setting is invalid; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the settings from the environment. Every problem is collected, so one
 * failed start names all of them.
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };

  const port = parsePort(value('PORT'), problems);
  const host = value('HOST') ?? '127.0.0.1';
  const database = parseDatabase(value('DATABASE_URL'), problems);
  const migrationsRun = parseBoolean('MIGRATIONS_RUN', value('MIGRATIONS_RUN'), true, problems);
  const logLevel = parseLogLevel(value('LOG_LEVEL'), problems);
  const logFormat = parseChoice('LOG_FORMAT', value('LOG_FORMAT'), LOG_FORMATS, 'auto', problems);
  const whole = (name: string, fallback: number, min: number, max: number) =>
    parseWholeNumber(name, value(name), fallback, min, max, problems);
  const databaseConnectTimeoutMs = whole('DATABASE_CONNECT_TIMEOUT_MS', 2000, 100, 600_000);
  const databaseStatementTimeoutMs = whole('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000);
  const shutdownTimeoutMs = whole('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000);
  const rateLimit: RateLimitConfig = {
    enabled: parseBoolean('RATE_LIMIT_ENABLED', value('RATE_LIMIT_ENABLED'), true, problems),
    max: whole('RATE_LIMIT_MAX', 600, 1, 100_000_000),
    windowMs: whole('RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
  };
  const corsOrigins = parseCorsOrigins(value('CORS_ORIGINS'), problems);
  const trustProxy = parseTrustProxy(value('TRUST_PROXY'), problems);

  if (problems.length > 0 || !database) {
    throw new ConfigError(problems);
  }
  return {
    port,
    host,
    database,
    migrationsRun,
    logLevel,
    logFormat,
    databaseConnectTimeoutMs,
    databaseStatementTimeoutMs,
    shutdownTimeoutMs,
    rateLimit,
    corsOrigins,
    trustProxy,
  };
}

function parseWholeNumber(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const number = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return number;
}

function parseChoice<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
  fallback: T,
  problems: string[],
): T {
  if (raw === undefined) return fallback;
  const choice = choices.find((c) => c === raw.toLowerCase());
  if (!choice) {
    problems.push(`${name} must be one of ${choices.join(', ')} (got "${raw}")`);
    return fallback;
  }
  return choice;
}

/** A comma-separated list of origins such as `https://dashboard.example.com`; `*` for any. */
function parseCorsOrigins(raw: string | undefined, problems: string[]): readonly string[] {
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  const bad = origins.filter((o) => o !== '*' && !/^https?:\/\/[^/\s?#]+$/.test(o));
  if (bad.length > 0) {
    problems.push(
      `CORS_ORIGINS must be a comma-separated list of origins such as https://dashboard.example.com, or * (got "${bad.join(', ')}")`,
    );
  }
  return origins;
}

/** `false` (default), `true` (trust every proxy), a hop count, or a comma-separated list of addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | readonly string[] {
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const addresses = raw.split(',').map((a) => a.trim());
  if (addresses.some((a) => !/^[0-9a-f.:]+(\/\d{1,3})?$/i.test(a))) {
    problems.push(
      `TRUST_PROXY must be true, false, a number of hops or a comma-separated list of addresses (got "${raw}")`,
    );
    return false;
  }
  return addresses;
}

function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 3000;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535 (got "${raw}")`);
  }
  return port;
}

function parseDatabase(raw: string | undefined, problems: string[]): DatabaseConfig | undefined {
  if (raw === undefined) return { type: 'better-sqlite3', path: resolve(DEFAULT_SQLITE_PATH) };
  const parsed = parseDatabaseUrl(raw);
  if ('problem' in parsed) {
    problems.push(`DATABASE_URL ${parsed.problem}`);
    return undefined;
  }
  return parsed;
}

function parseBoolean(name: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function parseLogLevel(raw: string | undefined, problems: string[]): LogLevel {
  if (raw === undefined) return 'info';
  const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
  if (!level) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
    return 'info';
  }
  return level;
}

/**
 * For the entry points (the service, the migration runner): the validated settings, or the
 * list of bad variables on standard error and exit code 1.
 */
export function loadConfigOrExit(env: Env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
