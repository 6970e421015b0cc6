import { type DatabaseConfig, DEFAULT_SQLITE_PATH } from '../database/dialect';
import {
  commaList,
  databaseUrl,
  httpsUrl,
  flag,
  oneOf,
  origins,
  type SettingType,
  share,
  text,
  trustedProxies,
  wholeNumber,
} from './setting-types';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const AUTH_MODES = ['jwt', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Who may read `/metrics` or `/api/docs`: anyone, a caller with a token of a read role, or no one. */
export const ENDPOINT_ACCESS = ['open', 'token', 'off'] as const;
export type EndpointAccess = (typeof ENDPOINT_ACCESS)[number];

/** What the server behind DATABASE_URL is: PostgreSQL itself (or a session pooler), or a transaction pooler. */
export const DATABASE_POOLERS = ['none', 'transaction'] as const;
export type DatabasePooler = (typeof DATABASE_POOLERS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** One setting: an environment variable, its kind of value, its default and what it means. */
export type SettingDeclaration<T> = {
  /** The heading it stands under in `.env.example`. */
  readonly group: string;
  readonly type: SettingType<T>;
  /** What it is for, in a sentence or two (`backticks` for literal values). */
  readonly meaning: string;
} & (
  | {
      /** The value when the variable is unset or blank, written as the variable would be. */
      readonly default: string;
    }
  | {
      /** Settings that are off or absent when unset: their value then, and what that means. */
      readonly unset: { readonly value: T; readonly means: string };
    }
);

const setting = <T>(declaration: SettingDeclaration<T>) => declaration;

/**
 * Every setting of the service, in the order the documentation lists them. This table drives
 * the validation at start (config/app-config.ts), `.env.example` and the settings table of the
 * documentation (`npm run generate` writes both; `npm run check:generated` fails when they are
 * stale).
 */
export const SETTINGS = {
  DATABASE_URL: setting({
    group: 'Storage',
    type: databaseUrl(),
    default: `sqlite:${DEFAULT_SQLITE_PATH}`,
    meaning:
      'Where the data lives: a SQLite file (created, with its folder, by the migrations) or a PostgreSQL ' +
      'database, which must exist',
  }),
  MIGRATIONS_RUN: setting({
    group: 'Storage',
    type: flag(),
    default: 'true',
    meaning:
      'Run pending migrations at start; `false` when a deployment runs them itself with `npm run migrate` ' +
      '(then a missing SQLite file stops the start)',
  }),
  DATABASE_POOLER: setting<DatabasePooler>({
    group: 'Storage',
    type: oneOf(DATABASE_POOLERS),
    default: 'none',
    meaning:
      'PostgreSQL: `transaction` when `DATABASE_URL` names a pooler in transaction mode (PgBouncer ' +
      '`pool_mode = transaction`), which hands each transaction to any server session: the service then sends ' +
      'no startup parameters, prepares no named statements and bounds each transaction with `SET LOCAL ' +
      'statement_timeout` (single statements: give the role a default, `ALTER ROLE … SET statement_timeout`); ' +
      '`none`: PostgreSQL itself, or a pooler in session mode',
  }),
  MIGRATIONS_DATABASE_URL: setting<DatabaseConfig | undefined>({
    group: 'Storage',
    type: databaseUrl(),
    unset: { value: undefined, means: 'migrations run on `DATABASE_URL`' },
    meaning:
      'PostgreSQL: the primary itself, for the migrations (those run at start and `npm run migrate`), when ' +
      '`DATABASE_URL` names a pooler: a migration holds its locks longer than a pooler should queue clients. ' +
      'Same database as `DATABASE_URL`, reached directly',
  }),
  DATABASE_READ_URL: setting<DatabaseConfig | undefined>({
    group: 'Storage',
    type: databaseUrl(),
    unset: { value: undefined, means: 'every read on `DATABASE_URL`' },
    meaning:
      'PostgreSQL: one hot standby of the primary, streaming from it, for the heavy reads (lists, cursor walks, ' +
      'CSV exports, histories, the per-tenant view; the summary too with `SUMMARY_READ_FROM_REPLICA`). Writes ' +
      'never go there. While it is down, unreachable or not a standby, those reads go to the primary. The same ' +
      '`DATABASE_POOLER` rules apply to it',
  }),
  SUMMARY_READ_FROM_REPLICA: setting({
    group: 'Storage',
    type: flag(),
    default: 'false',
    meaning:
      '`true`: the summary reads the replica while its measured replay lag is at most `REPLICA_MAX_LAG_MS` (a ' +
      'change committed that long before the request may be missing), else the primary; `false`: the summary ' +
      'reads the primary, so a change committed before the request is in the answer',
  }),
  REPLICA_MAX_LAG_MS: setting({
    group: 'Storage',
    type: wholeNumber(100, 3_600_000, 'ms'),
    default: '1000',
    meaning:
      "With `SUMMARY_READ_FROM_REPLICA=true`: the most the summary's answer may lag behind the primary; past it " +
      '(the last measurement plus its age) the summary reads the primary',
  }),
  REPLICA_LAG_CHECK_MS: setting({
    group: 'Storage',
    type: wholeNumber(50, 60_000, 'ms'),
    default: '250',
    meaning:
      "How often each instance measures the replica's replay lag and whether it answers (one small query on the " +
      'primary and one on the replica, each on a connection of its own); below `REPLICA_MAX_LAG_MS`',
  }),
  DATABASE_CONNECT_TIMEOUT_MS: setting({
    group: 'Storage',
    type: wholeNumber(100, 600_000, 'ms'),
    default: '2000',
    meaning:
      'PostgreSQL: the longest wait for a connection (new, or free in the pool); then the request fails ' +
      'with a 503 problem',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: setting({
    group: 'Storage',
    type: wholeNumber(100, 600_000, 'ms'),
    default: '5000',
    meaning:
      'PostgreSQL: the longest a statement runs (the readiness probe and migrations included); SQLite: the ' +
      "longest wait for another writer's lock",
  }),
  READINESS_TIMEOUT_MS: setting({
    group: 'Storage',
    type: wholeNumber(100, 600_000, 'ms'),
    default: '2000',
    meaning:
      "The longest the readiness probe waits for the database (its round trip and the summary's queries, " +
      'together); then it answers 503. Keep it below `DATABASE_STATEMENT_TIMEOUT_MS` and the probe timeout of ' +
      'the load balancer',
  }),
  COUNTER_COMPACTION_INTERVAL_MS: setting({
    group: 'Storage',
    type: wholeNumber(0, 3_600_000, 'ms'),
    default: '1000',
    meaning:
      "PostgreSQL: how often the service folds the removal counters' delta rows into their base rows " +
      '(`0`: never; then run `npm run counts -- --compact` now and then, or the summary reads more rows ' +
      'as deltas pile up). Writers never wait for it; instances that run it together take turns',
  }),
  RECONCILE_MAX_REMOVAL_SHARE: setting({
    group: 'Reconciliation',
    type: share(),
    default: '0.2',
    meaning:
      "The largest share of a tenant's Active numbers one reconciliation may mark for removal without " +
      '`confirmMassRemoval=true`; a list that would mark more (or an empty list) is refused with a 409 ' +
      '`MASS_REMOVAL_GUARD` and changes nothing. Exactly the share is allowed',
  }),
  RECONCILE_STATEMENT_TIMEOUT_MS: setting({
    group: 'Reconciliation',
    type: wholeNumber(1000, 3_600_000, 'ms'),
    default: '120000',
    meaning:
      "PostgreSQL: the longest each statement of a reconciliation runs (a tenant's list of up to 1,000,000 " +
      'numbers needs more than `DATABASE_STATEMENT_TIMEOUT_MS`), and the longest a reconciliation waits for ' +
      'another of the same tenant to finish; then it fails with a 503 and changes nothing',
  }),
  PORT: setting({
    group: 'Network',
    type: wholeNumber(0, 65_535),
    default: '3000',
    meaning: 'The port to listen on (`0`: any free port)',
  }),
  HOST: setting({
    group: 'Network',
    type: text('an address'),
    default: '127.0.0.1',
    meaning: 'The address to listen on; `0.0.0.0` in a container',
  }),
  TRUST_PROXY: setting({
    group: 'Network',
    type: trustedProxies(),
    default: 'false',
    meaning:
      "Whom to believe about the client's address in `X-Forwarded-For` (the rate limit counts per address): " +
      "give the load balancers' addresses, e.g. `10.0.0.0/8`, or the number of proxy hops, e.g. `1`; `true` " +
      'trusts any `X-Forwarded-For`, so any client can choose its address (a warning at start)',
  }),
  REQUEST_TIMEOUT_MS: setting({
    group: 'Network',
    type: wholeNumber(100, 600_000, 'ms'),
    default: '30000',
    meaning:
      'The longest a client may take to send a whole request (its head and body); a slower client gets a 408 ' +
      'problem and its connection is closed',
  }),
  CORS_ORIGINS: setting({
    group: 'Network',
    type: origins(),
    unset: { value: [], means: 'CORS off (no CORS headers at all)' },
    meaning: 'Browser origins allowed to call the API, e.g. `https://dashboard.example.com`; `*` for any',
  }),
  RATE_LIMIT_ENABLED: setting({
    group: "Rate limit, per client (its token's client id, or its address) and per instance, in fixed windows",
    type: flag(),
    default: 'true',
    meaning: '`false` turns the rate limit off (benchmarks, a contract run against an instance)',
  }),
  RATE_LIMIT_MAX: setting({
    group: "Rate limit, per client (its token's client id, or its address) and per instance, in fixed windows",
    type: wholeNumber(1, 100_000_000),
    default: '600',
    meaning: "Requests one client (its token's client id, or its address) may make per window, on each instance",
  }),
  RATE_LIMIT_WINDOW_MS: setting({
    group: "Rate limit, per client (its token's client id, or its address) and per instance, in fixed windows",
    type: wholeNumber(1000, 86_400_000, 'ms'),
    default: '60000',
    meaning: 'The rate-limit window',
  }),
  ACTION_RATE_LIMIT_MAX: setting({
    group: "Rate limit, per client (its token's client id, or its address) and per instance, in fixed windows",
    type: wholeNumber(0, 100_000_000),
    default: '300',
    meaning:
      "Requests one client (its token's client id, or its address) may make per window to each lifecycle operation (ready-for-removal, " +
      'clear-removal-status, remove, reconcile), on each instance, besides `RATE_LIMIT_MAX` (the vendor allows ' +
      '300 a minute); `0` turns this limit off. `RATE_LIMIT_ENABLED=false` turns it off too',
  }),
  ACTION_RATE_LIMIT_WINDOW_MS: setting({
    group: "Rate limit, per client (its token's client id, or its address) and per instance, in fixed windows",
    type: wholeNumber(1000, 86_400_000, 'ms'),
    default: '60000',
    meaning: "The lifecycle operations' rate-limit window",
  }),
  AUTH_MODE: setting<AuthMode | undefined>({
    group: 'Authentication',
    type: oneOf(AUTH_MODES),
    unset: {
      value: undefined,
      means:
        '`none` outside production, with a warning at start; with `NODE_ENV=production` the service refuses to ' +
        'start',
    },
    meaning:
      '`jwt`: every operation needs a bearer token (a Microsoft Entra ID client-credentials token, or one of a ' +
      'self-hosted issuer) whose roles allow it; `none`: no authentication, every caller reaches every tenant',
  }),
  AUTH_ISSUERS: setting<readonly string[]>({
    group: 'Authentication',
    type: commaList('issuers, comma-separated'),
    unset: { value: [], means: 'none (required with `AUTH_MODE=jwt`)' },
    meaning:
      'The `iss` values accepted, exactly, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` and ' +
      '`https://sts.windows.net/<tenant>/` for Entra ID v2 and v1 tokens',
  }),
  AUTH_AUDIENCE: setting<readonly string[]>({
    group: 'Authentication',
    type: commaList('audiences, comma-separated'),
    unset: { value: [], means: 'none (required with `AUTH_MODE=jwt`)' },
    meaning:
      "The `aud` values accepted: the API's application ID URI (`api://…`, in v1 tokens) and/or its client id " +
      '(in v2 tokens)',
  }),
  AUTH_JWKS_URL: setting<URL | undefined>({
    group: 'Authentication',
    type: httpsUrl(),
    unset: { value: undefined, means: 'keys from `AUTH_PUBLIC_KEYS` only' },
    meaning:
      'Where the issuer publishes its signing keys, e.g. `https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys`; ' +
      'kept in memory, fetched again on an unknown key id (at most once per `AUTH_JWKS_COOLDOWN_S`) and when older ' +
      'than `AUTH_JWKS_MAX_AGE_S`; while the URL cannot be reached, the keys held are used',
  }),
  AUTH_PUBLIC_KEYS: setting<string | undefined>({
    group: 'Authentication',
    type: text('PEM public keys, a JWK set (JSON), or the path of a file holding either'),
    unset: { value: undefined, means: 'keys from `AUTH_JWKS_URL` only' },
    meaning:
      "A self-hosted issuer's public keys (one or more PEM `PUBLIC KEY` blocks, or a JWK set), or the path of a " +
      'file that holds them; with `AUTH_JWKS_URL` too, both are accepted',
  }),
  AUTH_TENANT_CLAIM: setting({
    group: 'Authentication',
    type: text('a claim name'),
    default: 'tid',
    meaning:
      'The claim that names the tenants a caller with a tenant-limited role reaches: a GUID or an array of GUIDs ' +
      "(for Entra ID, `tid` is the caller's own tenant)",
  }),
  AUTH_CLOCK_SKEW_S: setting({
    group: 'Authentication',
    type: wholeNumber(0, 600),
    default: '60',
    meaning: "Seconds of clock difference allowed when checking a token's `exp` and `nbf`",
  }),
  AUTH_ROLE_READ_ALL: setting({
    group: 'Authentication',
    type: text('an app role name'),
    default: 'OcNumbers.Read.All',
    meaning: 'The app role (in the `roles` claim) that reads every tenant',
  }),
  AUTH_ROLE_READ_WRITE_ALL: setting({
    group: 'Authentication',
    type: text('an app role name'),
    default: 'OcNumbers.ReadWrite.All',
    meaning: 'The app role that reads and changes every tenant',
  }),
  AUTH_ROLE_READ: setting({
    group: 'Authentication',
    type: text('an app role name'),
    default: 'OcNumbers.Read',
    meaning: 'The app role that reads the tenants named in `AUTH_TENANT_CLAIM` only',
  }),
  AUTH_ROLE_READ_WRITE: setting({
    group: 'Authentication',
    type: text('an app role name'),
    default: 'OcNumbers.ReadWrite',
    meaning: 'The app role that reads and changes the tenants named in `AUTH_TENANT_CLAIM` only',
  }),
  AUTH_JWKS_TIMEOUT_MS: setting({
    group: 'Authentication',
    type: wholeNumber(100, 60_000, 'ms'),
    default: '5000',
    meaning: 'The longest a fetch of `AUTH_JWKS_URL` may take',
  }),
  AUTH_JWKS_COOLDOWN_S: setting({
    group: 'Authentication',
    type: wholeNumber(0, 3600),
    default: '30',
    meaning: 'The least time between two fetches of `AUTH_JWKS_URL` (a token with an unknown key id waits for none)',
  }),
  AUTH_JWKS_MAX_AGE_S: setting({
    group: 'Authentication',
    type: wholeNumber(60, 604_800),
    default: '3600',
    meaning: 'How old the keys held may grow before the next token makes them fetched again',
  }),
  AUTH_TOKEN_CACHE_SIZE: setting({
    group: 'Authentication',
    type: wholeNumber(0, 1_000_000),
    default: '1000',
    meaning:
      'How many verified tokens each instance keeps, so that a client sending the same token again is known ' +
      'by a lookup rather than a signature check; one is kept until it expires (`exp` plus the clock skew), at most ' +
      '5 minutes, and the oldest goes first when the cache is full (`0`: verify every request)',
  }),
  METRICS_ACCESS: setting<EndpointAccess>({
    group: 'Authentication',
    type: oneOf(ENDPOINT_ACCESS),
    default: 'open',
    meaning:
      '`/metrics`: `open` to anyone, `token` for a caller with a read role (with `AUTH_MODE=jwt`), `off`: not ' +
      'served (404)',
  }),
  DOCS_ACCESS: setting<EndpointAccess>({
    group: 'Authentication',
    type: oneOf(ENDPOINT_ACCESS),
    default: 'open',
    meaning: '`/api/docs` and `/api/openapi.*`: as `METRICS_ACCESS`. The probes are always open',
  }),
  SHUTDOWN_TIMEOUT_MS: setting({
    group: 'Shutdown',
    type: wholeNumber(0, 600_000, 'ms'),
    default: '10000',
    meaning: 'On `SIGTERM` or `SIGINT`, how long to wait for requests in flight before exiting anyway (exit code 1)',
  }),
  LOG_LEVEL: setting({
    group: 'Logs',
    type: oneOf(LOG_LEVELS),
    default: 'info',
    meaning: 'The least severe log lines written',
  }),
  LOG_FORMAT: setting({
    group: 'Logs',
    type: oneOf(LOG_FORMATS),
    default: 'auto',
    meaning:
      '`auto`: human-readable when standard output is a terminal (and `NODE_ENV` is not `production`), ' +
      'JSON lines otherwise',
  }),
  NODE_ENV: setting<string | undefined>({
    group: 'Logs',
    type: text('any value'),
    unset: { value: undefined, means: 'not production (`npm run start:prod` sets `production`)' },
    meaning: '`production` keeps logs JSON even on a terminal',
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** Each setting's value, once read. */
export type SettingValues = {
  readonly [N in SettingName]: (typeof SETTINGS)[N]['type'] extends SettingType<infer T> ? T : never;
};

/** A row of the documentation's settings table and of `.env.example`. */
export interface SettingDoc {
  readonly name: string;
  readonly group: string;
  /** The default as the variable would be written; undefined when unset means something. */
  readonly default?: string;
  /** What an unset variable means, when it has no default. */
  readonly unset?: string;
  readonly accepts: string;
  readonly meaning: string;
}

/** The settings as the documentation lists them (read by tools/settings-docs). */
export function settingDocs(): SettingDoc[] {
  return Object.entries(SETTINGS).map(([name, declaration]: [string, SettingDeclaration<unknown>]) => ({
    name,
    group: declaration.group,
    ...('default' in declaration ? { default: declaration.default } : { unset: declaration.unset.means }),
    accepts: declaration.type.accepts,
    meaning: declaration.meaning,
  }));
}
