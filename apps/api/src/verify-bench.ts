import { parseVerifyBenchArgs, runVerifyBench, VERIFY_BENCH_USAGE, verifyBenchTable } from './auth/verify-bench';

/** `npm run bench:auth`: what one bearer token's verification costs. */
async function main(argv: readonly string[]): Promise<number> {
  const options = parseVerifyBenchArgs(argv);
  if (options === 'help') {
    process.stdout.write(VERIFY_BENCH_USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n\n${VERIFY_BENCH_USAGE}`);
    return 2;
  }
  process.stdout.write(`${verifyBenchTable(await runVerifyBench(options), options)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:auth failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
