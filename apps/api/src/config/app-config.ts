import { z } from 'zod';
import type { DatabaseConfig } from '../database/dialect';
import { type LogFormat, type LogLevel, SETTINGS, type SettingValues } from './settings';

export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './settings';

export interface RateLimitConfig {
  /** Off only for benchmarks: every client may then send as much as it likes. */
  readonly enabled: boolean;
  /** Requests one client (IP address) may make per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface ReconcileConfig {
  /** The share of a tenant's Active numbers a list may mark without confirmation (0..1). */
  readonly maxRemovalShare: number;
  /** PostgreSQL: the statement timeout of a reconciliation's transaction. */
  readonly statementTimeoutMs: number;
}

/** The validated settings, as the service uses them (see config/settings.ts for each one). */
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
  /** How long the readiness probe waits for its checks before it answers 503. */
  readonly readinessTimeoutMs: number;
  /** PostgreSQL: how often the service compacts the removal counters' deltas; 0: never. */
  readonly counterCompactionIntervalMs: number;
  /** How long a shutdown waits for requests in flight before it closes them. */
  readonly shutdownTimeoutMs: number;
  readonly rateLimit: RateLimitConfig;
  readonly reconcile: ReconcileConfig;
  /**
   * The lifecycle operations' own limit, per client and per operation, on top of `rateLimit`;
   * `max` 0: none.
   */
  readonly actionRateLimit: Pick<RateLimitConfig, 'max' | 'windowMs'>;
  /** How long a client may take to send a whole request before it is answered 408. */
  readonly requestTimeoutMs: number;
  /** Origins allowed to call the API from a browser; empty: CORS off. */
  readonly corsOrigins: readonly string[];
  /** Fastify's `trustProxy`: whom to believe about the client's address in `X-Forwarded-For`. */
  readonly trustProxy: boolean | number | readonly string[];
  /** NODE_ENV: `production` keeps logs JSON on a terminal. */
  readonly nodeEnv: string | undefined;
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
 * The schema of the whole environment, from the settings table: a blank or unset variable takes
 * its default (read like any value) or its unset value.
 */
const ENV_SCHEMA = z.object(
  Object.fromEntries(
    Object.entries(SETTINGS).map(([name, declaration]) => {
      const schema: z.ZodType<unknown, string> = declaration.type.schema;
      return [
        name,
        'default' in declaration
          ? z.string().default(declaration.default).pipe(schema)
          : schema.optional().transform((value) => value ?? declaration.unset.value),
      ];
    }),
  ),
);

/**
 * Reads and validates the settings from the environment. Every problem is collected, so one
 * failed start names all of them.
 */
export function loadConfig(env: Env): AppConfig {
  const present = Object.fromEntries(
    Object.keys(SETTINGS).flatMap((name) => {
      const text = env[name]?.trim();
      return text ? [[name, text]] : [];
    }),
  );
  const result = ENV_SCHEMA.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  // The schema is built from SETTINGS, entry by entry: its output is SettingValues.
  return appConfig(result.data as SettingValues);
}

function appConfig(settings: SettingValues): AppConfig {
  return {
    port: settings.PORT,
    host: settings.HOST,
    database: settings.DATABASE_URL,
    migrationsRun: settings.MIGRATIONS_RUN,
    logLevel: settings.LOG_LEVEL,
    logFormat: settings.LOG_FORMAT,
    databaseConnectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS,
    databaseStatementTimeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS,
    readinessTimeoutMs: settings.READINESS_TIMEOUT_MS,
    counterCompactionIntervalMs: settings.COUNTER_COMPACTION_INTERVAL_MS,
    shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
    rateLimit: {
      enabled: settings.RATE_LIMIT_ENABLED,
      max: settings.RATE_LIMIT_MAX,
      windowMs: settings.RATE_LIMIT_WINDOW_MS,
    },
    reconcile: {
      maxRemovalShare: settings.RECONCILE_MAX_REMOVAL_SHARE,
      statementTimeoutMs: settings.RECONCILE_STATEMENT_TIMEOUT_MS,
    },
    actionRateLimit: { max: settings.ACTION_RATE_LIMIT_MAX, windowMs: settings.ACTION_RATE_LIMIT_WINDOW_MS },
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    corsOrigins: settings.CORS_ORIGINS,
    trustProxy: settings.TRUST_PROXY,
    nodeEnv: settings.NODE_ENV,
  };
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
