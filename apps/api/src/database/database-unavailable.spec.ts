import { isDatabaseUnavailable } from './database-unavailable';

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
