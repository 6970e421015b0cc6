import 'reflect-metadata';
import { main } from './migrate-cli';

/**
 * Applies (`run`, the default), reverts (`revert`) or lists (`show`) the migrations of the
 * database of DATABASE_URL and exits: for deployments that start the service with
 * MIGRATIONS_RUN=false, for operators, and for the workspace's tools (the seeder).
 */
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`migrate: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
