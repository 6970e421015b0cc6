import { resolve } from 'node:path';

export type DatabaseConfig =
  { readonly type: 'better-sqlite3'; readonly path: string } | { readonly type: 'postgres'; readonly url: string };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly migrationsRun: boolean;
  readonly logLevel: LogLevel;
}

/** The injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export const DEFAULT_SQLITE_PATH = 'data/oc-numbers.sqlite';

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
  const database = parseDatabaseUrl(value('DATABASE_URL'), problems);
  const migrationsRun = parseBoolean('MIGRATIONS_RUN', value('MIGRATIONS_RUN'), true, problems);
  const logLevel = parseLogLevel(value('LOG_LEVEL'), problems);

  if (problems.length > 0 || !database) {
    throw new ConfigError(problems);
  }
  return { port, host, database, migrationsRun, logLevel };
}

function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 3000;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535 (got "${raw}")`);
  }
  return port;
}

function parseDatabaseUrl(raw: string | undefined, problems: string[]): DatabaseConfig | undefined {
  if (raw === undefined) return { type: 'better-sqlite3', path: resolve(DEFAULT_SQLITE_PATH) };
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') {
      problems.push('DATABASE_URL sqlite:<path> needs a file path, e.g. sqlite:data/oc-numbers.sqlite');
      return undefined;
    }
    return { type: 'better-sqlite3', path: resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    if (!URL.canParse(raw)) {
      problems.push('DATABASE_URL is not a valid postgres:// URL (e.g. postgres://user:password@host:5432/db)');
      return undefined;
    }
    return { type: 'postgres', url: raw };
  }
  // The value may hold a password: name only its scheme.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  problems.push(
    `DATABASE_URL must be unset (SQLite at ${DEFAULT_SQLITE_PATH}), sqlite:<path> or postgres://… ` +
      `(got ${scheme ? `a "${scheme}:" URL` : 'a value without a scheme'})`,
  );
  return undefined;
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
