import 'reflect-metadata';
import { main } from './counts-cli';

/**
 * Verifies (`--verify`), repairs (`--repair`) or compacts (`--compact`) the removal counts of the
 * database of DATABASE_URL and exits: for operators, while the service runs.
 */
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`counts: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
