import { z } from 'zod';
import { type DatabaseConfig, isPostgres, type PostgresDatabaseConfig } from '../database/dialect';
import {
  type AuthMode,
  type DatabasePooler,
  type EndpointAccess,
  type LogFormat,
  type LogLevel,
  SETTINGS,
  type SettingValues,
} from './settings';

export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './settings';

export interface RateLimitConfig {
  /** Off only for benchmarks: every client may then send as much as it likes. */
  readonly enabled: boolean;
  /** Requests one client (its token's client id, or its address) may make per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface ReconcileConfig {
  /** The share of a tenant's Active numbers a list may mark without confirmation (0..1). */
  readonly maxRemovalShare: number;
  /** PostgreSQL: the statement timeout of a reconciliation's transaction. */
  readonly statementTimeoutMs: number;
}

/** The app roles a token's `roles` claim may carry, by what they grant. */
export interface AuthRoles {
  /** Reads every tenant. */
  readonly readAll: string;
  /** Reads and changes every tenant. */
  readonly readWriteAll: string;
  /** Reads the tenants of the tenant claim. */
  readonly read: string;
  /** Reads and changes the tenants of the tenant claim. */
  readonly readWrite: string;
}

export interface AuthConfig {
  readonly mode: AuthMode;
  /** Whether AUTH_MODE was set: `none` by default is said in a warning at start. */
  readonly modeExplicit: boolean;
  /** Accepted `iss` values (non-empty with `jwt`). */
  readonly issuers: readonly string[];
  /** Accepted `aud` values (non-empty with `jwt`). */
  readonly audiences: readonly string[];
  readonly jwksUrl: URL | undefined;
  /** AUTH_PUBLIC_KEYS as given: PEM blocks, a JWK set, or a file path holding either. */
  readonly publicKeys: string | undefined;
  readonly tenantClaim: string;
  readonly clockSkewS: number;
  readonly roles: AuthRoles;
  readonly jwks: { readonly timeoutMs: number; readonly cooldownS: number; readonly maxAgeS: number };
  /** How many verified tokens are kept (0: none). */
  readonly tokenCacheSize: number;
}

/** The read replica (DATABASE_READ_URL and the settings that go with it). */
export interface ReadReplicaConfig {
  /** A hot standby of the primary. */
  readonly database: PostgresDatabaseConfig;
  /** The summary reads the replica while its lag is at most `maxLagMs`. */
  readonly summaryFromReplica: boolean;
  readonly maxLagMs: number;
  /** How often the lag is measured. */
  readonly checkIntervalMs: number;
}

/** The validated settings, as the service uses them (see config/settings.ts for each one). */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly migrationsRun: boolean;
  /** `transaction`: DATABASE_URL names a transaction pooler (see DATABASE_POOLER). */
  readonly databasePooler: DatabasePooler;
  /** Where migrations run when not on `database` (the primary behind a pooler). */
  readonly migrationsDatabase?: DatabaseConfig;
  /** PostgreSQL: the streaming replica the heavy reads go to; undefined: none. */
  readonly readReplica?: ReadReplicaConfig;
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
  readonly auth: AuthConfig;
  /** Who may read `/metrics`. */
  readonly metricsAccess: EndpointAccess;
  /** Who may read `/api/docs` and `/api/openapi.*`. */
  readonly docsAccess: EndpointAccess;
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

export interface LoadOptions {
  /**
   * For the service itself (not the command-line tools, which serve no requests): with
   * `NODE_ENV=production`, `AUTH_MODE` must be given.
   */
  readonly service?: boolean;
}

/**
 * Reads and validates the settings from the environment. Every problem is collected, so one
 * failed start names all of them.
 */
export function loadConfig(env: Env, options: LoadOptions = {}): AppConfig {
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
  const settings = result.data as SettingValues;
  const problems = [...storageProblems(settings), ...authProblems(settings, options.service === true)];
  if (problems.length > 0) throw new ConfigError(problems);
  return appConfig(settings);
}

/** What makes the storage settings unusable together (each one is valid alone). */
function storageProblems(settings: SettingValues): string[] {
  const postgres = isPostgres(settings.DATABASE_URL);
  return [
    ...(settings.DATABASE_POOLER !== 'none' && !postgres
      ? ['DATABASE_POOLER can be transaction only when DATABASE_URL is a PostgreSQL database']
      : []),
    ...(settings.MIGRATIONS_DATABASE_URL !== undefined && !(postgres && isPostgres(settings.MIGRATIONS_DATABASE_URL))
      ? [
          'MIGRATIONS_DATABASE_URL and DATABASE_URL must both be PostgreSQL databases when MIGRATIONS_DATABASE_URL is set',
        ]
      : []),
    ...replicaProblems(settings, postgres),
  ];
}

/** What makes the read replica's settings unusable together. */
function replicaProblems(settings: SettingValues, postgres: boolean): string[] {
  const read = settings.DATABASE_READ_URL;
  if (read === undefined) {
    return settings.SUMMARY_READ_FROM_REPLICA
      ? ['SUMMARY_READ_FROM_REPLICA can be true only when DATABASE_READ_URL names a replica']
      : [];
  }
  if (!postgres || !isPostgres(read)) {
    return [
      'DATABASE_READ_URL can be set only when DATABASE_URL and DATABASE_READ_URL are both PostgreSQL databases ' +
        '(SQLite has no replicas)',
    ];
  }
  return settings.REPLICA_LAG_CHECK_MS >= settings.REPLICA_MAX_LAG_MS
    ? [
        `REPLICA_LAG_CHECK_MS (${settings.REPLICA_LAG_CHECK_MS}) must be less than REPLICA_MAX_LAG_MS ` +
          `(${settings.REPLICA_MAX_LAG_MS}): the lag is measured more often than it may grow`,
      ]
    : [];
}

/** What makes the authentication settings unusable together (each one is valid alone). */
function authProblems(settings: SettingValues, service: boolean): string[] {
  if (settings.AUTH_MODE === undefined) {
    return service && settings.NODE_ENV === 'production'
      ? ['AUTH_MODE must be set (jwt or none) when NODE_ENV is production']
      : [];
  }
  if (settings.AUTH_MODE !== 'jwt') return [];
  return [
    ...(settings.AUTH_ISSUERS.length === 0 ? ['AUTH_ISSUERS must name at least one issuer when AUTH_MODE is jwt'] : []),
    ...(settings.AUTH_AUDIENCE.length === 0
      ? ['AUTH_AUDIENCE must name at least one audience when AUTH_MODE is jwt']
      : []),
    ...(settings.AUTH_JWKS_URL === undefined && settings.AUTH_PUBLIC_KEYS === undefined
      ? ['AUTH_JWKS_URL or AUTH_PUBLIC_KEYS must be set when AUTH_MODE is jwt']
      : []),
  ];
}

function appConfig(settings: SettingValues): AppConfig {
  return {
    port: settings.PORT,
    host: settings.HOST,
    database: settings.DATABASE_URL,
    migrationsRun: settings.MIGRATIONS_RUN,
    databasePooler: settings.DATABASE_POOLER,
    migrationsDatabase: settings.MIGRATIONS_DATABASE_URL,
    readReplica:
      settings.DATABASE_READ_URL !== undefined && isPostgres(settings.DATABASE_READ_URL)
        ? {
            database: settings.DATABASE_READ_URL,
            summaryFromReplica: settings.SUMMARY_READ_FROM_REPLICA,
            maxLagMs: settings.REPLICA_MAX_LAG_MS,
            checkIntervalMs: settings.REPLICA_LAG_CHECK_MS,
          }
        : undefined,
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
    auth: {
      mode: settings.AUTH_MODE ?? 'none',
      modeExplicit: settings.AUTH_MODE !== undefined,
      issuers: settings.AUTH_ISSUERS,
      audiences: settings.AUTH_AUDIENCE,
      jwksUrl: settings.AUTH_JWKS_URL,
      publicKeys: settings.AUTH_PUBLIC_KEYS,
      tenantClaim: settings.AUTH_TENANT_CLAIM,
      clockSkewS: settings.AUTH_CLOCK_SKEW_S,
      roles: {
        readAll: settings.AUTH_ROLE_READ_ALL,
        readWriteAll: settings.AUTH_ROLE_READ_WRITE_ALL,
        read: settings.AUTH_ROLE_READ,
        readWrite: settings.AUTH_ROLE_READ_WRITE,
      },
      jwks: {
        timeoutMs: settings.AUTH_JWKS_TIMEOUT_MS,
        cooldownS: settings.AUTH_JWKS_COOLDOWN_S,
        maxAgeS: settings.AUTH_JWKS_MAX_AGE_S,
      },
      tokenCacheSize: settings.AUTH_TOKEN_CACHE_SIZE,
    },
    metricsAccess: settings.METRICS_ACCESS,
    docsAccess: settings.DOCS_ACCESS,
  };
}

/**
 * For the entry points (the service, the migration runner): the validated settings, or the
 * list of bad variables on standard error and exit code 1.
 */
export function loadConfigOrExit(env: Env, options: LoadOptions = {}): AppConfig {
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
