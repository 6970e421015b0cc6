import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REMOTE_BASE_URL } from './settings';

/**
 * Set by bin/contract.mjs: a folder for the run, where a mark says that a test file has already
 * explained a 429, so the explanation comes once per run rather than once per file.
 */
const MARK = process.env.CONTRACT_STATE_DIR ? join(process.env.CONTRACT_STATE_DIR, 'rate-limited') : undefined;

let explained = false;

/**
 * Against --base-url, a 429 means that the instance's rate limit refused the suite's requests,
 * and every check after it would fail for that reason alone: this throws an error that says so
 * and what to do (in full the first time in the run). The suite's own instances have a rate
 * limit far above what it sends, so there a 429 is checked like any other answer.
 */
export function refuseRateLimited(status: number, method: string, path: string): void {
  if (status !== 429 || !REMOTE_BASE_URL) return;
  const what = `${method.toUpperCase()} ${path} answered 429 Too Many Requests`;
  if (explained || (MARK && existsSync(MARK))) {
    throw new Error(`${what}: the instance's rate limit again (see the first 429 above)`);
  }
  explained = true;
  if (MARK) writeFileSync(MARK, '');
  throw new Error(
    `${what}: the rate limit of ${REMOTE_BASE_URL} refused the suite's requests, and the checks after ` +
      'this one fail for the same reason. Turn the rate limit off on the instance (RATE_LIMIT_ENABLED=false) ' +
      'or raise RATE_LIMIT_MAX, then run the suite again.',
  );
}
