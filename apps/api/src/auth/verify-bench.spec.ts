import { parseVerifyBenchArgs, runVerifyBench, verifyBenchTable } from './verify-bench';

describe('bench:auth', () => {
  it('verifies a token of each algorithm and lays out a row each (no figure is asserted)', async () => {
    const options = { iterations: 2, rounds: 1 };
    const results = await runVerifyBench(options);
    expect(results.map((r) => r.alg)).toEqual(['RS256', 'PS256', 'ES256']);
    expect(verifyBenchTable(results, options).split('\n')).toHaveLength(7);
  });

  it('reads its options and refuses others', () => {
    expect(parseVerifyBenchArgs([])).toEqual({ iterations: 2000, rounds: 5 });
    expect(parseVerifyBenchArgs(['--iterations', '10', '--rounds', '3'])).toEqual({ iterations: 10, rounds: 3 });
    expect(parseVerifyBenchArgs(['--help'])).toBe('help');
    expect(parseVerifyBenchArgs(['--rounds', '0'])).toBe('--rounds needs a whole number from 1');
    expect(parseVerifyBenchArgs(['--fast'])).toBe('Unknown argument "--fast"');
  });
});
