import { UsageError } from './args';
import { parseReconcileBenchArgs, runReconcileBench } from './reconcile-bench';

describe('the bench:reconcile command line', () => {
  it('defaults to a 200k-number tenant, 5 rounds, both databases, a database of its own', () => {
    expect(parseReconcileBenchArgs([])).toMatchObject({
      numbers: 200_000,
      rounds: 5,
      missing: 1,
      kinds: ['postgres', 'sqlite'],
      database: 'oc_bench_reconcile',
    });
  });

  it('refuses an unknown kind, too many numbers and the shared bench databases', () => {
    expect(() => parseReconcileBenchArgs(['--kinds', 'mysql'])).toThrow(UsageError);
    expect(() => parseReconcileBenchArgs(['--numbers', '2m'])).toThrow(UsageError);
    expect(() => parseReconcileBenchArgs(['--numbers', '0'])).toThrow(/^--numbers must be a whole number/);
    expect(() => parseReconcileBenchArgs(['--missing', '50'])).toThrow(
      /^--missing must be a whole number from 0 to 49/,
    );
    for (const shared of ['oc_bench_10k', 'oc_bench_1m', 'oc_bench_10m']) {
      expect(() => parseReconcileBenchArgs(['--database', shared])).toThrow(UsageError);
    }
    expect(parseReconcileBenchArgs(['--help'])).toBe('help');
  });

  it('reconciles a small tenant on SQLite and reports what it changed', async () => {
    const lines: string[] = [];
    const report = await runReconcileBench(
      { numbers: 1000, rounds: 1, missing: 1, kinds: ['sqlite'], postgresUrl: '', database: 'oc_bench_reconcile' },
      (line) => lines.push(line),
    );
    expect(lines.at(-1)).toMatch(/^sqlite: round 1\/1: .*marked 10, restored 20\)$/);
    expect(report.at(-1)).toMatch(/^\| SQLite \| 1,000 \| 1,000 \| 10 \| 20 \| 10 \| \d+ ms \| \d+ ms \| \d+ ms \|$/);
  }, 120_000);

  it('marks a share past the guard, confirmed, when told to leave out that many', async () => {
    const lines: string[] = [];
    const report = await runReconcileBench(
      { numbers: 1000, rounds: 1, missing: 30, kinds: ['sqlite'], postgresUrl: '', database: 'oc_bench_reconcile' },
      (line) => lines.push(line),
    );
    expect(lines.at(-1)).toMatch(/^sqlite: round 1\/1: .*marked 300, restored 20\)$/);
    expect(report).toContain('Command: `npm run bench:reconcile -- --numbers 1000 --rounds 1 --missing 30`');
  }, 120_000);
});
