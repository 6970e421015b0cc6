import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDatabaseName, withPostgres } from './database-url';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/** Every database test runs on both. */
export const TEST_DATABASE_KINDS: readonly TestDatabaseKind[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  /** The value a deployment would give as DATABASE_URL. */
  readonly url: string;
  readonly config: { type: 'better-sqlite3'; path: string } | { type: 'postgres'; url: string };
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: run the tests through Jest, whose global setup provides PostgreSQL.',
    );
  }
  return url;
}

/**
 * A new, empty database of the given kind, for one test file: a SQLite file in a fresh temporary
 * folder, or a fresh database on the test PostgreSQL server.
 */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-'));
    const path = join(dir, 'oc-numbers.sqlite');
    return {
      kind,
      url: `sqlite:${path}`,
      config: { type: 'better-sqlite3', path },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `oc_test_${randomBytes(6).toString('hex')}`;
  await withPostgres(serverUrl(), (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabaseName(serverUrl(), name);
  return {
    kind,
    url,
    config: { type: 'postgres', url },
    drop: async () => {
      await withPostgres(serverUrl(), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
