import { isConnectionError, isDatabaseUnavailable } from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a refused connection to every address', new AggregateError([withCode('ECONNREFUSED')], '')],
    ['a server shutting down', withCode('57P01', 'terminating connection due to administrator command')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a connection exception class', withCode('08006')],
    ['a connect timeout', new Error('Connection terminated due to connection timeout')],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
    ['a client-side query timeout', new Error('Query read timeout')],
    ['a wrapped driver error', Object.assign(new Error('query failed'), { driverError: withCode('57P03') })],
    ['a locked SQLite file', withCode('SQLITE_BUSY')],
    ['a SQLite file deleted or replaced while open', withCode('SQLITE_FILE_CHANGED')],
    ['a database closed to connections', withCode('55000', 'database "oc" is not currently accepting connections')],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a missing table', withCode('42P01', 'relation "oc_numbers" does not exist')],
    ['a SQLite syntax error', withCode('SQLITE_ERROR')],
    ['a plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('does not take %s for unavailability', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('isConnectionError (a read on the replica that meets one runs again on the primary)', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a refused connection to every address', new AggregateError([withCode('ECONNREFUSED')], '')],
    ['a reset connection', withCode('ECONNRESET')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a server shutting down', withCode('57P01', 'terminating connection due to administrator command')],
    ['a server starting up', withCode('57P03', 'the database system is starting up')],
    ['too many connections', withCode('53300')],
    ['a connection exception class', withCode('08006')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
    ['a client-side query timeout', new Error('Query read timeout')],
  ])('recognises %s', (_name, error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([
    ['a statement timeout (the server answered)', withCode('57014', 'canceling statement due to statement timeout')],
    ['a recovery conflict (retried, but the replica stays in use)', withCode('40001', 'conflict with recovery')],
    ['a write on a standby', withCode('25006', 'cannot execute UPDATE in a read-only transaction')],
    ['a missing table', withCode('42P01', 'relation "oc_numbers" does not exist')],
    ['a locked SQLite file', withCode('SQLITE_BUSY')],
    ['null', null],
  ])('does not take %s for one', (_name, error) => {
    expect(isConnectionError(error)).toBe(false);
  });
});
