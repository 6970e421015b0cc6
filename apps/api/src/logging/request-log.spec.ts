import pino, { type LoggerOptions } from 'pino';
import { lineWriter, type RequestLine } from './request-log';

const LINE: RequestLine = {
  req: {
    method: 'GET',
    url: '/api/v3/oc/numbers/removal-status/summary?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff&x="\\\u0001é😀',
    remoteAddress: '127.0.0.1',
    headers: { 'user-agent': 'ua "quoted" \\ \t tab', authorization: '[Redacted]' },
  },
  traceId: '0af7651916cd43dd8448eb211c80319c',
  route: '/api/v3/oc/numbers/removal-status/summary',
  res: { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '70' } },
  durationMs: 0.125,
};

/** A logger writing into an array, with a clock that stands still so two lines can be compared as text. */
function capturing(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = pino(
    { timestamp: () => ',"time":1700000000000', ...options },
    { write: (line: string) => lines.push(line) },
  );
  return { logger, lines };
}

describe('lineWriter', () => {
  it.each<[string, RequestLine, string]>([
    ['a completed request', LINE, 'request completed'],
    [
      'an aborted request (no response, no route)',
      { req: LINE.req, traceId: LINE.traceId, route: undefined },
      'request aborted',
    ],
    ['a failed request', { ...LINE, res: { statusCode: 503, headers: {} }, durationMs: 12 }, 'request errored'],
  ])('writes %s with the same text as pino', (_what, line, msg) => {
    const fast = capturing({ base: { pid: 7, hostname: 'host "a"' } });
    lineWriter(fast.logger)(line, msg);
    const slow = capturing({ base: { pid: 7, hostname: 'host "a"' } });
    slow.logger.child({}, { serializers: { req: (v: unknown) => v, res: (v: unknown) => v } }).info(line, msg);
    expect(fast.lines).toEqual(slow.lines);
    expect(fast.lines).toHaveLength(1);
    expect(JSON.parse(fast.lines[0])).toMatchObject({ level: 30, msg, traceId: line.traceId });
  });

  it('uses the logger’s message key and line ending', () => {
    const fast = capturing({ messageKey: 'message', crlf: true });
    lineWriter(fast.logger)(LINE, 'request completed');
    const slow = capturing({ messageKey: 'message', crlf: true });
    slow.logger.info(LINE, 'request completed');
    expect(fast.lines).toEqual(slow.lines);
    expect(fast.lines[0].endsWith('}\r\n')).toBe(true);
  });

  it.each<[string, LoggerOptions]>([
    ['redaction', { redact: ['req.remoteAddress'] }],
    ['a log formatter', { formatters: { log: (object) => ({ ...object, extra: true }) } }],
    ['a mixin', { mixin: () => ({ mixed: 1 }) }],
    ['a nested key', { nestedKey: 'payload' }],
    ['a message prefix', { msgPrefix: '[api] ' }],
  ])('lets pino write the line when the logger is configured with %s', (_what, options) => {
    const fast = capturing(options);
    lineWriter(fast.logger)(LINE, 'request completed');
    const slow = capturing(options);
    slow.logger
      .child({}, { serializers: { req: (v: unknown) => v, res: (v: unknown) => v } })
      .info(LINE, 'request completed');
    expect(fast.lines).toEqual(slow.lines);
    // The setting changes the line: a writer that ignored it would differ from pino's.
    const plain = capturing();
    lineWriter(plain.logger)(LINE, 'request completed');
    expect(fast.lines[0]).not.toEqual(plain.lines[0]);
  });

  it('writes nothing once info is no longer enabled', () => {
    const fast = capturing();
    const write = lineWriter(fast.logger);
    fast.logger.level = 'warn';
    write(LINE, 'request completed');
    expect(fast.lines).toEqual([]);
  });
});
