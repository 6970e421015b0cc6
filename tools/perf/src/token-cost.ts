import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { workspacePath } from '@oc-numbers/testing';

/** What one bearer token costs the service, keys held: verified, and verified before (a lookup). */
export interface TokenVerificationCost {
  readonly alg: string;
  /** Median microseconds per token checked in full (signature, claims, caller). */
  readonly microsPerVerify: number;
  /** Median microseconds per token the service verified before (AUTH_TOKEN_CACHE_SIZE). */
  readonly microsPerKnown: number;
}

/** Runs the service's own `npm run bench:auth` (its built verify-bench.js) and reads its figures. */
export async function measureTokenVerification(): Promise<TokenVerificationCost[]> {
  const script = workspacePath('dist/apps/api/src/verify-bench.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build the service first (npx nx build api)`);
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--json'], { timeout: 300_000 });
  return JSON.parse(stdout) as TokenVerificationCost[];
}
