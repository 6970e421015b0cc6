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
});
