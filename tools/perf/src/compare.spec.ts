import { SERVICE_MAIN, workspaceRoot } from '@oc-numbers/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './args';
import { comparisonText, parseCompareArgs, runCompare } from './compare-cli';

describe('bench:compare', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'oc-numbers-compare-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the other checkout relative to where it is run, and refuses one without a built service', () => {
    mkdirSync(dirname(join(dir, 'built', SERVICE_MAIN)), { recursive: true });
    writeFileSync(join(dir, 'built', SERVICE_MAIN), '');
    expect(
      parseCompareArgs(['--database-url', 'sqlite:x.db', '--before', 'built', '--passes', '3'], dir),
    ).toMatchObject({
      before: join(dir, 'built'),
      passes: 3,
      seconds: 4,
      warmupSeconds: 2,
      path: expect.stringMatching(/summary$/),
    });
    expect(() => parseCompareArgs(['--database-url', 'sqlite:x.db', '--before', 'elsewhere'], dir)).toThrow(
      /elsewhere.*does not exist; build the service there first/,
    );
    expect(() => parseCompareArgs(['--database-url', 'sqlite:x.db'], dir)).toThrow(UsageError);
    expect(() => parseCompareArgs(['--before', 'built'], dir)).toThrow(/--database-url/);
    expect(() => parseCompareArgs(['--database-url', 'sqlite:x.db', '--before', 'built', '--path', 'x'], dir)).toThrow(
      /--path must start with \//,
    );
  });

  it('drives two builds in turn and sets this one against the other pass by pass', async () => {
    const options = {
      databaseUrl: `sqlite:${join(dir, 'numbers.sqlite')}`,
      // This checkout against itself: two processes of one build.
      before: workspaceRoot(),
      path: '/health/live',
      passes: 2,
      seconds: 1,
      warmupSeconds: 0,
      connections: 4,
      env: { LOG_LEVEL: 'silent' },
      token: false,
    };
    const lines: string[] = [];
    const comparison = await runCompare(options, (line) => lines.push(line));
    for (const row of [comparison.before, comparison.after]) {
      expect(row.passes).toHaveLength(2);
      for (const pass of row.passes) {
        expect(pass.requestsPerSecond).toBeGreaterThan(0);
        expect(pass.errors).toBe(0);
        expect(pass.serverCpuMicrosPerRequest).toBeGreaterThan(0);
      }
    }
    expect(comparison.ratios).toEqual(
      comparison.after.passes.map((a, i) => a.requestsPerSecond / comparison.before.passes[i].requestsPerSecond),
    );
    expect(lines.filter((line) => line.startsWith('pass '))).toHaveLength(2);
    const text = comparisonText(options, comparison);
    expect(text).toContain('`GET /health/live` on SQLite, 2 passes of 1 s on each build');
    expect(text).toContain('but `LOG_LEVEL=silent`');
    expect(text).toMatch(/^\| this build \| [\d,]+ \| \d+\.\d \| 0 \|$/m);
    expect(text).toMatch(
      /This build ÷ the other: \d+\.\d{3} \(the median of the passes' ratios; each pass: [\d.]+, [\d.]+\)/,
    );
  }, 120_000);
});
