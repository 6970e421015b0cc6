import { testIssuer, type TestAlgorithm } from '@oc-numbers/testing';
import { importSPKI, jwtVerify } from 'jose';

/** What verifying one bearer token costs in this process, its key already imported. */
export interface TokenVerificationCost {
  readonly alg: TestAlgorithm;
  readonly verifications: number;
  /** Microseconds per verification: the median of the batches. */
  readonly microseconds: number;
}

const ALGORITHMS: readonly TestAlgorithm[] = ['RS256', 'PS256', 'ES256'];
const BATCHES = 9;
const PER_BATCH = 500;

/**
 * Verifies tokens of each algorithm as the service does (signature, issuer, audience, times and
 * an allow-list of algorithms), in batches after a warm-up, and takes the median batch.
 */
export async function measureTokenVerification(): Promise<TokenVerificationCost[]> {
  const costs: TokenVerificationCost[] = [];
  for (const alg of ALGORITHMS) {
    const issuer = await testIssuer({ alg });
    const key = await importSPKI(issuer.publicPem, alg);
    const token = await issuer.mint({ roles: ['OcNumbers.Read.All'], azp: 'oc-numbers-bench' });
    const verify = () =>
      jwtVerify(token, key, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: [alg],
        clockTolerance: 60,
      });
    for (let i = 0; i < PER_BATCH; i++) await verify();
    const batches: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < PER_BATCH; i++) await verify();
      batches.push(Number(process.hrtime.bigint() - start) / 1000 / PER_BATCH);
    }
    batches.sort((x, y) => x - y);
    costs.push({ alg, verifications: BATCHES * PER_BATCH, microseconds: batches[(BATCHES - 1) / 2] });
  }
  return costs;
}
