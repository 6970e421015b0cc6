import { exitWith, runCommand } from './args';
import { parseReconcileBenchArgs, RECONCILE_BENCH_USAGE, runReconcileBench } from './reconcile-bench';

exitWith(
  runCommand(
    {
      name: 'bench:reconcile',
      usage: RECONCILE_BENCH_USAGE,
      parse: () => parseReconcileBenchArgs(process.argv.slice(2)),
      run: async (options) => {
        const report = await runReconcileBench(options, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`${report.join('\n')}\n`);
      },
    },
    { out: process.stdout, err: process.stderr },
  ),
);
