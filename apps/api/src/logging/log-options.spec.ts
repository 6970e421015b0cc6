import { usePrettyLogs } from './log-options';

describe('usePrettyLogs', () => {
  it.each([
    ['auto', true, undefined, true],
    ['auto', true, 'development', true],
    ['auto', true, 'production', false],
    ['auto', false, undefined, false],
    ['json', true, undefined, false],
    ['pretty', false, 'production', true],
  ] as const)('LOG_FORMAT=%s, TTY %s, NODE_ENV=%s: pretty %s', (format, tty, env, pretty) => {
    expect(usePrettyLogs(format, tty, env)).toBe(pretty);
  });
});
