import {
  createTestDatabase,
  type ServerProcess,
  startServer,
  TEST_DATABASE_KINDS,
  type TestDatabase,
} from '@oc-numbers/testing';
import { type PrismProxy, startPrism } from './prism';
import { REMOTE_BASE_URL, USE_PRISM } from './settings';

/**
 * The rate limit of the instances the suite boots: it sends thousands of requests from one
 * address, and the RateLimit headers stay on. The 429 scenarios run on an instance of their own
 * with a limit of 1 (see `rateLimited` in scenarios.ts).
 */
const SUITE_RATE_LIMIT = '100000000';

/** One running instance of the service that the suite holds to the contract. */
export interface Target {
  readonly name: string;
  readonly baseUrl: string;
  /** A Prism proxy in front of it, when the suite runs one. */
  readonly prismUrl?: string;
  /** The database behind it, when the suite owns it: it can seed it and break it. */
  readonly database?: TestDatabase;
  stop(): Promise<void>;
}

/** The targets of this run: the given base URL, or the built service on each database kind. */
export function targetNames(): string[] {
  return REMOTE_BASE_URL ? [REMOTE_BASE_URL] : [...TEST_DATABASE_KINDS];
}

export async function startTarget(
  name: string,
  env: Record<string, string> = {},
  { prism: withPrism = USE_PRISM } = {},
): Promise<Target> {
  if (REMOTE_BASE_URL) {
    const prism = withPrism ? await startPrism(REMOTE_BASE_URL) : undefined;
    return { name, baseUrl: REMOTE_BASE_URL, prismUrl: prism?.baseUrl, stop: async () => prism?.stop() };
  }
  const database = await createTestDatabase(name as (typeof TEST_DATABASE_KINDS)[number]);
  let server: ServerProcess | undefined;
  let prism: PrismProxy | undefined;
  try {
    server = await startServer({
      DATABASE_URL: database.url,
      RATE_LIMIT_MAX: SUITE_RATE_LIMIT,
      ACTION_RATE_LIMIT_MAX: SUITE_RATE_LIMIT,
      ...env,
    });
    prism = withPrism ? await startPrism(server.baseUrl) : undefined;
  } catch (error) {
    await server?.stop();
    await database.drop();
    throw error;
  }
  return {
    name,
    baseUrl: server.baseUrl,
    prismUrl: prism?.baseUrl,
    database,
    stop: async () => {
      await prism?.stop();
      await server?.stop();
      await database.drop();
    },
  };
}
