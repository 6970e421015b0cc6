import { workspaceRoot } from '@oc-numbers/testing';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AppConfig, ConfigError, loadConfig } from './app-config';
import { type SettingName, SETTINGS } from './settings';

const NAMES = Object.keys(SETTINGS) as SettingName[];

/** The problems loadConfig names for an environment, or none. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).toBe(`Invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    return error.problems;
  }
}

describe('loadConfig', () => {
  it('defaults to SQLite in ./data, port 3000 on 127.0.0.1, migrations on, level info', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { type: 'better-sqlite3', path: resolve('data/oc-numbers.sqlite') },
      migrationsRun: true,
      databasePooler: 'none',
      logLevel: 'info',
      logFormat: 'auto',
      databaseConnectTimeoutMs: 2000,
      databaseStatementTimeoutMs: 5000,
      readinessTimeoutMs: 2000,
      counterCompactionIntervalMs: 1000,
      shutdownTimeoutMs: 10_000,
      rateLimit: { enabled: true, max: 600, windowMs: 60_000 },
      reconcile: { maxRemovalShare: 0.2, statementTimeoutMs: 120_000 },
      actionRateLimit: { max: 300, windowMs: 60_000 },
      requestTimeoutMs: 30_000,
      corsOrigins: [],
      trustProxy: false,
      nodeEnv: undefined,
      auth: {
        mode: 'none',
        modeExplicit: false,
        issuers: [],
        audiences: [],
        jwksUrl: undefined,
        publicKeys: undefined,
        tenantClaim: 'tid',
        clockSkewS: 60,
        roles: {
          readAll: 'OcNumbers.Read.All',
          readWriteAll: 'OcNumbers.ReadWrite.All',
          read: 'OcNumbers.Read',
          readWrite: 'OcNumbers.ReadWrite',
        },
        jwks: { timeoutMs: 5000, cooldownS: 30, maxAgeS: 3600 },
        tokenCacheSize: 1000,
      },
      metricsAccess: 'open',
      docsAccess: 'open',
    } satisfies AppConfig);
  });

  it.each(NAMES)('treats an empty or blank %s as unset', (name) => {
    expect(loadConfig({ [name]: '' })).toEqual(loadConfig({}));
    expect(loadConfig({ [name]: '  ' })).toEqual(loadConfig({}));
  });

  it('gives the defaults for the values of .env.example, which names every setting', () => {
    const lines = readFileSync(join(workspaceRoot(), '.env.example'), 'utf8').split('\n');
    const env = Object.fromEntries(
      lines.filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
    expect(Object.keys(env)).toEqual(NAMES);
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });

  it.each<[string, string, Partial<AppConfig>]>([
    [
      'DATABASE_URL',
      'sqlite:/var/lib/oc/numbers.db',
      { database: { type: 'better-sqlite3', path: '/var/lib/oc/numbers.db' } },
    ],
    ['DATABASE_URL', 'sqlite://relative.db', { database: { type: 'better-sqlite3', path: resolve('relative.db') } }],
    ['DATABASE_URL', 'postgres://u:p@db:5432/oc', { database: { type: 'postgres', url: 'postgres://u:p@db:5432/oc' } }],
    ['DATABASE_URL', 'postgresql://db/oc', { database: { type: 'postgres', url: 'postgresql://db/oc' } }],
    ['PORT', '8080', { port: 8080 }],
    ['PORT', '0', { port: 0 }],
    ['HOST', ' 0.0.0.0 ', { host: '0.0.0.0' }],
    ['DATABASE_POOLER', 'none', { databasePooler: 'none' }],
    ['MIGRATIONS_RUN', 'false', { migrationsRun: false }],
    ['MIGRATIONS_RUN', 'No', { migrationsRun: false }],
    ['MIGRATIONS_RUN', '1', { migrationsRun: true }],
    ['LOG_LEVEL', 'DEBUG', { logLevel: 'debug' }],
    ['LOG_FORMAT', 'JSON', { logFormat: 'json' }],
    ['DATABASE_CONNECT_TIMEOUT_MS', '1500', { databaseConnectTimeoutMs: 1500 }],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '3000', { databaseStatementTimeoutMs: 3000 }],
    ['READINESS_TIMEOUT_MS', '500', { readinessTimeoutMs: 500 }],
    ['SHUTDOWN_TIMEOUT_MS', '0', { shutdownTimeoutMs: 0 }],
    ['REQUEST_TIMEOUT_MS', '1500', { requestTimeoutMs: 1500 }],
    ['RATE_LIMIT_ENABLED', 'false', { rateLimit: { enabled: false, max: 600, windowMs: 60_000 } }],
    ['RATE_LIMIT_MAX', '50', { rateLimit: { enabled: true, max: 50, windowMs: 60_000 } }],
    ['RATE_LIMIT_WINDOW_MS', '1000', { rateLimit: { enabled: true, max: 600, windowMs: 1000 } }],
    ['ACTION_RATE_LIMIT_MAX', '0', { actionRateLimit: { max: 0, windowMs: 60_000 } }],
    ['ACTION_RATE_LIMIT_WINDOW_MS', '1000', { actionRateLimit: { max: 300, windowMs: 1000 } }],
    [
      'CORS_ORIGINS',
      'https://dash.example.com, http://localhost:8080',
      { corsOrigins: ['https://dash.example.com', 'http://localhost:8080'] },
    ],
    ['CORS_ORIGINS', '*', { corsOrigins: ['*'] }],
    ['TRUST_PROXY', '10.0.0.0/8,127.0.0.1', { trustProxy: ['10.0.0.0/8', '127.0.0.1'] }],
    ['TRUST_PROXY', 'true', { trustProxy: true }],
    ['TRUST_PROXY', '2', { trustProxy: 2 }],
    ['NODE_ENV', 'production', { nodeEnv: 'production' }],
  ])('reads %s=%s', (name, value, expected) => {
    expect(loadConfig({ [name]: value })).toEqual({ ...loadConfig({}), ...expected });
  });

  const NOT_A_DATABASE_URL = 'must be unset (SQLite at data/oc-numbers.sqlite), sqlite:<path> or postgres://…';

  /** [variable, bad value, the problem named after the variable, text it must not show]. */
  const BAD: ReadonlyArray<readonly [name: SettingName, value: string, problem: string, secret?: string]> = [
    ['DATABASE_URL', 'mysql://root:hunter2@db/oc', `${NOT_A_DATABASE_URL} (got a "mysql:" URL)`, 'hunter2'],
    [
      'DATABASE_URL',
      'postgres://u:se cret@[bad/oc',
      'is not a valid postgres:// URL (e.g. postgres://user:password@host:5432/db)',
      'se cret',
    ],
    ['DATABASE_URL', 'sqlite:', 'sqlite:<path> needs a file path, e.g. sqlite:data/oc-numbers.sqlite'],
    ['DATABASE_URL', 'hunter2', `${NOT_A_DATABASE_URL} (got a value without a scheme)`, 'hunter2'],
    ['MIGRATIONS_RUN', 'sometimes', 'must be true or false (got "sometimes")'],
    ['DATABASE_POOLER', 'session', 'must be one of none, transaction (got "session")'],
    ['MIGRATIONS_DATABASE_URL', 'mysql://root:hunter2@db/oc', `${NOT_A_DATABASE_URL} (got a "mysql:" URL)`, 'hunter2'],
    ['DATABASE_READ_URL', 'replica:5432', `${NOT_A_DATABASE_URL} (got a "replica:" URL)`, '5432'],
    ['SUMMARY_READ_FROM_REPLICA', 'when fresh', 'must be true or false (got "when fresh")'],
    ['REPLICA_MAX_LAG_MS', '1s', 'must be a whole number from 100 to 3600000 (got "1s")'],
    ['REPLICA_LAG_CHECK_MS', '10', 'must be a whole number from 50 to 60000 (got "10")'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '10', 'must be a whole number from 100 to 600000 (got "10")'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '5s', 'must be a whole number from 100 to 600000 (got "5s")'],
    ['PORT', '3.5', 'must be a whole number from 0 to 65535 (got "3.5")'],
    ['PORT', '65536', 'must be a whole number from 0 to 65535 (got "65536")'],
    [
      'TRUST_PROXY',
      'the load balancer',
      'must be true, false, a number of hops or a comma-separated list of addresses (got "the load balancer")',
    ],
    [
      'CORS_ORIGINS',
      'https://ok.example.com,dash.example.com',
      'must be a comma-separated list of origins such as https://dashboard.example.com, or * (got "dash.example.com")',
    ],
    ['RATE_LIMIT_ENABLED', 'off', 'must be true or false (got "off")'],
    ['RATE_LIMIT_MAX', '0', 'must be a whole number from 1 to 100000000 (got "0")'],
    ['RATE_LIMIT_WINDOW_MS', '1e3', 'must be a whole number from 1000 to 86400000 (got "1e3")'],
    ['SHUTDOWN_TIMEOUT_MS', '-1', 'must be a whole number from 0 to 600000 (got "-1")'],
    ['REQUEST_TIMEOUT_MS', '50', 'must be a whole number from 100 to 600000 (got "50")'],
    ['LOG_LEVEL', 'X', 'must be one of fatal, error, warn, info, debug, trace, silent (got "X")'],
    ['LOG_FORMAT', 'xml', 'must be one of auto, json, pretty (got "xml")'],
  ];

  it.each(BAD.map(([name, value, problem, secret]) => ({ name, value, problem, secret })))(
    'rejects $name=$value, naming it',
    ({ name, value, problem, secret }) => {
      expect(problemsOf({ [name]: value })).toEqual([`${name} ${problem}`]);
      if (secret) expect(problem).not.toContain(secret);
    },
  );

  it('reads a transaction pooler in front of PostgreSQL, with migrations on the primary', () => {
    const env = {
      DATABASE_URL: 'postgres://u:p@pgbouncer:6432/oc',
      DATABASE_POOLER: 'Transaction',
      MIGRATIONS_DATABASE_URL: 'postgres://u:p@primary:5432/oc',
    };
    expect(loadConfig(env)).toEqual({
      ...loadConfig({}),
      database: { type: 'postgres', url: 'postgres://u:p@pgbouncer:6432/oc' },
      databasePooler: 'transaction',
      migrationsDatabase: { type: 'postgres', url: 'postgres://u:p@primary:5432/oc' },
    });
  });

  it('reads a streaming replica with its lag settings, through the pooler as the primary', () => {
    const env = {
      DATABASE_URL: 'postgres://u:p@pgbouncer:6432/oc',
      DATABASE_POOLER: 'transaction',
      DATABASE_READ_URL: 'postgres://u:p@replica:5432/oc',
      SUMMARY_READ_FROM_REPLICA: 'true',
      REPLICA_MAX_LAG_MS: '5000',
      REPLICA_LAG_CHECK_MS: '1000',
    };
    expect(loadConfig(env)).toEqual({
      ...loadConfig({}),
      database: { type: 'postgres', url: 'postgres://u:p@pgbouncer:6432/oc' },
      databasePooler: 'transaction',
      readReplica: {
        database: { type: 'postgres', url: 'postgres://u:p@replica:5432/oc' },
        summaryFromReplica: true,
        maxLagMs: 5000,
        checkIntervalMs: 1000,
      },
    });
    // The summary on the primary, and the lag measured 4 times a second, unless told otherwise.
    expect(
      loadConfig({ DATABASE_URL: env.DATABASE_URL, DATABASE_READ_URL: env.DATABASE_READ_URL }).readReplica,
    ).toEqual({
      database: { type: 'postgres', url: 'postgres://u:p@replica:5432/oc' },
      summaryFromReplica: false,
      maxLagMs: 1000,
      checkIntervalMs: 250,
    });
    expect(loadConfig({}).readReplica).toBeUndefined();
  });

  it.each([
    [
      { DATABASE_READ_URL: 'postgres://u:p@replica:5432/oc' },
      'DATABASE_READ_URL can be set only when DATABASE_URL and DATABASE_READ_URL are both PostgreSQL databases (SQLite has no replicas)',
    ],
    [
      { DATABASE_URL: 'postgres://u:p@primary:5432/oc', DATABASE_READ_URL: 'sqlite:data/copy.sqlite' },
      'DATABASE_READ_URL can be set only when DATABASE_URL and DATABASE_READ_URL are both PostgreSQL databases (SQLite has no replicas)',
    ],
    [
      { DATABASE_URL: 'postgres://u:p@primary:5432/oc', SUMMARY_READ_FROM_REPLICA: 'true' },
      'SUMMARY_READ_FROM_REPLICA can be true only when DATABASE_READ_URL names a replica',
    ],
    [
      { SUMMARY_READ_FROM_REPLICA: 'yes' },
      'SUMMARY_READ_FROM_REPLICA can be true only when DATABASE_READ_URL names a replica',
    ],
    [
      {
        DATABASE_URL: 'postgres://u:p@primary:5432/oc',
        DATABASE_READ_URL: 'postgres://u:p@replica:5432/oc',
        REPLICA_MAX_LAG_MS: '500',
        REPLICA_LAG_CHECK_MS: '500',
      },
      'REPLICA_LAG_CHECK_MS (500) must be less than REPLICA_MAX_LAG_MS (500): the lag is measured more often than it may grow',
    ],
  ])('refuses the read replica settings %j in one line', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('does not check the lag settings without a replica', () => {
    expect(problemsOf({ REPLICA_MAX_LAG_MS: '100', REPLICA_LAG_CHECK_MS: '60000' })).toEqual([]);
  });

  it.each([
    [
      { DATABASE_POOLER: 'transaction' },
      'DATABASE_POOLER can be transaction only when DATABASE_URL is a PostgreSQL database',
    ],
    [
      { MIGRATIONS_DATABASE_URL: 'postgres://u:p@primary:5432/oc' },
      'MIGRATIONS_DATABASE_URL and DATABASE_URL must both be PostgreSQL databases when MIGRATIONS_DATABASE_URL is set',
    ],
    [
      { DATABASE_URL: 'postgres://u:p@pgbouncer:6432/oc', MIGRATIONS_DATABASE_URL: 'sqlite:data/x.sqlite' },
      'MIGRATIONS_DATABASE_URL and DATABASE_URL must both be PostgreSQL databases when MIGRATIONS_DATABASE_URL is set',
    ],
  ])('refuses %j', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('names every bad variable in one error, in the order of the settings table', () => {
    const firstOfEach = BAD.filter(([name], i) => BAD.findIndex(([other]) => other === name) === i);
    const env = Object.fromEntries(firstOfEach.map(([name, value]) => [name, value]));
    const expected = [...firstOfEach]
      .sort(([a], [b]) => NAMES.indexOf(a) - NAMES.indexOf(b))
      .map(([name, , problem]) => `${name} ${problem}`);
    expect(problemsOf(env)).toEqual(expected);
  });
});
