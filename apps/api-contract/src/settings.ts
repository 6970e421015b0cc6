/**
 * How the suite runs, from the environment that `bin/contract.mjs` (or CI) sets:
 * - CONTRACT_BASE_URL unset: the suite boots the built service itself, on a fresh SQLite file
 *   and a fresh PostgreSQL database that it owns (it seeds them and injects faults);
 * - CONTRACT_BASE_URL=http://host:port: it tests that instance, which it does not own.
 * CONTRACT_SEED fixes the random generators (printed at the start and on failure);
 * CONTRACT_RUNS sets how many cases each property test generates.
 */
export const REMOTE_BASE_URL = process.env.CONTRACT_BASE_URL?.replace(/\/+$/, '') || undefined;

/**
 * CONTRACT_TOKEN: the bearer token the suite sends with its requests to --base-url, for an instance
 * with AUTH_MODE=jwt (a token with `OcNumbers.ReadWrite.All`: the suite reads every tenant, and
 * sends dry runs and refused changes). Unset, the suite sends a placeholder, which an instance
 * without authentication ignores; the instances it boots itself get tokens it mints.
 */
export const CONTRACT_TOKEN = process.env.CONTRACT_TOKEN?.trim() || undefined;

export const SEED = process.env.CONTRACT_SEED ? Number(process.env.CONTRACT_SEED) : Date.now() % 2 ** 31;

export const PROPERTY_RUNS = process.env.CONTRACT_RUNS ? Number(process.env.CONTRACT_RUNS) : 10_000;

/** Use a Prism proxy in front of the service (on by default; CONTRACT_PRISM=false turns it off). */
export const USE_PRISM = process.env.CONTRACT_PRISM !== 'false';

if (!Number.isSafeInteger(SEED) || !Number.isSafeInteger(PROPERTY_RUNS) || PROPERTY_RUNS < 1) {
  throw new Error('CONTRACT_SEED and CONTRACT_RUNS must be whole numbers');
}
