import { UsageError } from './args';
import { type CpuProfile, partOf, profileTables, summarizeProfile } from './cpu-profile';
import { tenantIds } from './inventory';
import { parseProfileArgs } from './profile-cli';

describe('partOf', () => {
  it.each([
    [{ functionName: 'asJson', url: 'file:///w/node_modules/pino/lib/tools.js' }, 'pino'],
    [{ functionName: 'x', url: 'file:///w/node_modules/@fastify/middie/index.js' }, '@fastify/middie'],
    [{ functionName: 'x', url: 'file:///w/node_modules/a/node_modules/b/i.js' }, 'b'],
    [{ functionName: 'emit', url: 'node:events' }, 'node: internals'],
    [
      { functionName: 'traceIdOf', url: 'file:///w/dist/apps/api/src/logging/trace-id.js' },
      'app: apps/api/src/logging/trace-id.js',
    ],
    [{ functionName: 'stringify', url: '' }, '(native)'],
    [{ functionName: '(idle)', url: '' }, '(idle)'],
    [{ functionName: '(garbage collector)', url: '' }, '(garbage collection)'],
  ])('%j is in %s', (frame, part) => {
    expect(partOf(frame)).toBe(part);
  });
});

describe('summarizeProfile', () => {
  // root → handler (app) → asJson (pino) → stringify (native); samples of 100 µs each.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 5] },
      {
        id: 2,
        callFrame: { functionName: 'handler', url: 'file:///w/dist/apps/api/src/h.js', lineNumber: 9 },
        children: [3],
      },
      {
        id: 3,
        callFrame: { functionName: 'asJson', url: 'file:///w/node_modules/pino/lib/tools.js', lineNumber: 0 },
        children: [4],
      },
      { id: 4, callFrame: { functionName: 'stringify', url: '', lineNumber: -1 } },
      { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    ],
    startTime: 1000,
    endTime: 2000,
    samples: [5, 2, 3, 3, 4, 5, 2, 2],
    timeDeltas: [0, 100, 100, 100, 100, 100, 100, 100],
  };

  it('gives self time and time on the stack by part, of the busy time', () => {
    const summary = summarizeProfile(profile);
    // The last sample has no successor: it counts nothing.
    expect(summary.sampledMs).toBeCloseTo(0.7);
    expect(summary.idleMs).toBeCloseTo(0.2);
    expect(summary.busyMs).toBeCloseTo(0.5);
    const self = Object.fromEntries(summary.selfByPart.map((s) => [s.name, s.share]));
    expect(self).toEqual({ 'app: apps/api/src/h.js': 0.4, pino: 0.4, '(native)': 0.2 });
    const total = Object.fromEntries(summary.totalByPart.map((s) => [s.name, s.share]));
    expect(total).toEqual({ 'app: apps/api/src/h.js': 1, pino: 0.6, '(native)': 0.2 });
    expect(summary.topFrames.map((f) => f.name)).toContain('asJson pino/lib/tools.js:1');
    expect(profileTables(summary)).toContain('| pino | 0 | 40.0% | 60.0% |');
  });

  it('keeps only the samples of the window', () => {
    // Samples at 1000..1700; the window 1250..1450 holds those at 1300 (pino) and 1400 (native).
    const summary = summarizeProfile(profile, { from: 1250, to: 1450 });
    expect(summary.busyMs).toBeCloseTo(0.2);
    expect(summary.selfByPart.map((s) => s.name)).toEqual(['pino', '(native)']);
  });
});

describe('the profile command line', () => {
  it('profiles the all-tenant summary for 15 s by default', () => {
    expect(parseProfileArgs(['--database-url', 'sqlite:x.sqlite'])).toMatchObject({
      databaseUrl: 'sqlite:x.sqlite',
      path: '/api/v3/oc/numbers/removal-status/summary',
      seconds: 15,
      warmupSeconds: 3,
      connections: 50,
      env: {},
      token: false,
      out: 'tmp/bench/profile.md',
      append: false,
    });
    expect(parseProfileArgs(['--database-url', 'sqlite:x.sqlite', '--token'])).toMatchObject({ token: true });
  });

  it('asks a random tenant of the inventory in each request where the path says <tenant>', () => {
    const options = parseProfileArgs([
      '--database-url',
      'sqlite:x',
      '--path',
      '/s?msTenantId=<tenant>',
      '--tenants',
      '3',
    ]);
    if (options === 'help') throw new Error('not help');
    const tenants = tenantIds(1, 3);
    expect(options.paths).toHaveLength(500);
    for (const path of options.paths) expect(tenants.map((t) => `/s?msTenantId=${t}`)).toContain(path);
    expect(new Set(options.paths).size).toBe(3);
    expect(() => parseProfileArgs(['--database-url', 'sqlite:x', '--path', '/s?t=<tenant>'])).toThrow(/--tenants/);
  });

  it('takes changed settings as NAME=VALUE pairs', () => {
    expect(
      parseProfileArgs(['--database-url', 'postgres://h/d', '--env', 'LOG_LEVEL=silent,RATE_LIMIT_ENABLED=false']),
    ).toMatchObject({ env: { LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' } });
  });

  it.each([
    [[], /--database-url must be/],
    [['--database-url', 'mysql://x'], /--database-url must be/],
    [['--database-url', 'sqlite:x', '--env', 'log=1'], /--env takes NAME=VALUE/],
    [['--database-url', 'sqlite:x', '--path', 'x'], /--path must start with \//],
  ])('refuses %j', (argv, message) => {
    expect(() => parseProfileArgs(argv)).toThrow(UsageError);
    expect(() => parseProfileArgs(argv)).toThrow(message);
  });
});
