import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('defaults to SQLite in ./data, port 3000 on 127.0.0.1, migrations on, level info', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      database: { type: 'better-sqlite3', path: resolve('data/oc-numbers.sqlite') },
      migrationsRun: true,
      logLevel: 'info',
      logFormat: 'auto',
      databaseConnectTimeoutMs: 2000,
      databaseStatementTimeoutMs: 5000,
      shutdownTimeoutMs: 10_000,
      rateLimit: { enabled: true, max: 600, windowMs: 60_000 },
      corsOrigins: [],
      trustProxy: false,
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ', HOST: '' })).toEqual(loadConfig({}));
  });

  it.each([
    ['sqlite:/var/lib/oc/numbers.db', { type: 'better-sqlite3', path: '/var/lib/oc/numbers.db' }],
    ['sqlite://relative.db', { type: 'better-sqlite3', path: resolve('relative.db') }],
    ['postgres://u:p@db:5432/oc', { type: 'postgres', url: 'postgres://u:p@db:5432/oc' }],
    ['postgresql://db/oc', { type: 'postgres', url: 'postgresql://db/oc' }],
  ])('reads DATABASE_URL=%s', (url, database) => {
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual(database);
  });

  it('reads the other settings', () => {
    expect(loadConfig({ PORT: '8080', HOST: '0.0.0.0', MIGRATIONS_RUN: 'false', LOG_LEVEL: 'DEBUG' })).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      migrationsRun: false,
      logLevel: 'debug',
    });
  });

  it('names every bad variable in one error and never echoes a database password', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: '3.5',
        DATABASE_URL: 'mysql://root:hunter2@db/oc',
        MIGRATIONS_RUN: 'sometimes',
        LOG_LEVEL: 'x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "3.5")',
      'DATABASE_URL must be unset (SQLite at data/oc-numbers.sqlite), sqlite:<path> or postgres://… (got a "mysql:" URL)',
      'MIGRATIONS_RUN must be true or false (got "sometimes")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "x")',
    ]);
    expect(message).not.toContain('hunter2');
  });

  it('rejects a postgres URL it cannot parse without echoing it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:se cret@[bad/oc' })).toThrow(
      /DATABASE_URL is not a valid postgres:\/\/ URL/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:se cret@[bad/oc' })).not.toThrow(/se cret/);
  });

  it('reads the deployment settings', () => {
    expect(
      loadConfig({
        LOG_FORMAT: 'JSON',
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_STATEMENT_TIMEOUT_MS: '3000',
        SHUTDOWN_TIMEOUT_MS: '0',
        RATE_LIMIT_ENABLED: 'false',
        RATE_LIMIT_MAX: '50',
        RATE_LIMIT_WINDOW_MS: '1000',
        CORS_ORIGINS: 'https://dash.example.com, http://localhost:8080',
        TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      }),
    ).toMatchObject({
      logFormat: 'json',
      databaseConnectTimeoutMs: 1500,
      databaseStatementTimeoutMs: 3000,
      shutdownTimeoutMs: 0,
      rateLimit: { enabled: false, max: 50, windowMs: 1000 },
      corsOrigins: ['https://dash.example.com', 'http://localhost:8080'],
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
    });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('names every bad deployment setting', () => {
    let error: unknown;
    try {
      loadConfig({
        LOG_FORMAT: 'xml',
        DATABASE_CONNECT_TIMEOUT_MS: '10',
        DATABASE_STATEMENT_TIMEOUT_MS: '5s',
        SHUTDOWN_TIMEOUT_MS: '-1',
        RATE_LIMIT_ENABLED: 'off',
        RATE_LIMIT_MAX: '0',
        RATE_LIMIT_WINDOW_MS: '1e3',
        CORS_ORIGINS: 'dash.example.com',
        TRUST_PROXY: 'the load balancer',
      });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'LOG_FORMAT must be one of auto, json, pretty (got "xml")',
      'DATABASE_CONNECT_TIMEOUT_MS must be a whole number from 100 to 600000 (got "10")',
      'DATABASE_STATEMENT_TIMEOUT_MS must be a whole number from 100 to 600000 (got "5s")',
      'SHUTDOWN_TIMEOUT_MS must be a whole number from 0 to 600000 (got "-1")',
      'RATE_LIMIT_ENABLED must be true or false (got "off")',
      'RATE_LIMIT_MAX must be a whole number from 1 to 1000000000 (got "0")',
      'RATE_LIMIT_WINDOW_MS must be a whole number from 1000 to 86400000 (got "1e3")',
      'CORS_ORIGINS must be a comma-separated list of origins such as https://dashboard.example.com, or * (got "dash.example.com")',
      'TRUST_PROXY must be true, false, a number of hops or a comma-separated list of addresses (got "the load balancer")',
    ]);
  });
});
