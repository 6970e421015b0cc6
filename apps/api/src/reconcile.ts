import 'reflect-metadata';
import { main } from './reconcile-cli';

/**
 * Reconciles one tenant's numbers with the list Microsoft reports as acquired, from a file,
 * through a running service (`--base-url`) or directly on the database of DATABASE_URL: for the
 * operator's sync job.
 */
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reconcile: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
