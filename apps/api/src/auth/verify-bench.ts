import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config/app-config';
import { loadPublicKeys } from './token-keys';
import { TokenVerifier } from './token-verifier';

export const VERIFY_BENCH_USAGE = `Usage: npm run bench:auth -- [--iterations N] [--rounds N] [--json]

Measures what the service spends verifying one bearer token, keys held in memory (no JWKS
fetch): signature, claims and the caller, for RS256, PS256 and ES256, one after the other on one
core; and what a token costs that the service verified before (AUTH_TOKEN_CACHE_SIZE: a lookup).
Prints the median of the rounds, in microseconds per token and tokens per second.

  --iterations N   tokens per round              default 2000
  --rounds N       rounds (the median is shown)  default 5
  --json           the results as JSON instead of a table
  --help           this text
`;

const ISSUER = 'https://issuer.bench/v2.0';
const AUDIENCE = 'api://oc-numbers-bench';
const ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

export interface VerifyBenchOptions {
  readonly iterations: number;
  readonly rounds: number;
  readonly json?: boolean;
}

export interface VerifyBenchResult {
  readonly alg: string;
  /** Median microseconds per verified token. */
  readonly microsPerVerify: number;
  /** Median microseconds per token verified before (kept by AUTH_TOKEN_CACHE_SIZE). */
  readonly microsPerKnown: number;
}

/** Verifies `iterations` tokens per round and algorithm; the median per round. */
export async function runVerifyBench(options: VerifyBenchOptions): Promise<VerifyBenchResult[]> {
  const env = { AUTH_MODE: 'jwt', AUTH_ISSUERS: ISSUER, AUTH_AUDIENCE: AUDIENCE, AUTH_PUBLIC_KEYS: '-' };
  const verifying = loadConfig({ ...env, AUTH_TOKEN_CACHE_SIZE: '0' }).auth;
  const keeping = loadConfig(env).auth;
  const results: VerifyBenchResult[] = [];
  for (const alg of ALGORITHMS) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const keys = loadPublicKeys(await exportSPKI(publicKey));
    const token = await new SignJWT({ azp: 'bench-client', roles: ['OcNumbers.Read.All'] })
      .setProtectedHeader({ alg, kid: 'bench', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    results.push({
      alg,
      microsPerVerify: await microsPerToken(new TokenVerifier(verifying, keys), token, options),
      microsPerKnown: await microsPerToken(new TokenVerifier(keeping, keys), token, options),
    });
  }
  return results;
}

/** The median over rounds of the microseconds `verifier` takes per call with `token`. */
async function microsPerToken(verifier: TokenVerifier, token: string, options: VerifyBenchOptions): Promise<number> {
  // Warm-up: the key's import and the JIT.
  for (let i = 0; i < Math.min(200, options.iterations); i++) await verifier.caller(token);
  const perRound: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < options.iterations; i++) await verifier.caller(token);
    perRound.push(((performance.now() - start) * 1000) / options.iterations);
  }
  perRound.sort((a, b) => a - b);
  return perRound[Math.floor(perRound.length / 2)];
}

/** The results as a small Markdown table. */
export function verifyBenchTable(results: readonly VerifyBenchResult[], options: VerifyBenchOptions): string {
  const perSecond = (micros: number) => Math.round(1_000_000 / micros).toLocaleString('en-US');
  const rows = results.map(
    ({ alg, microsPerVerify, microsPerKnown }) =>
      `| ${alg} | ${microsPerVerify.toFixed(1)} µs | ${perSecond(microsPerVerify)} | ` +
      `${microsPerKnown.toFixed(2)} µs | ${perSecond(microsPerKnown)} |`,
  );
  return [
    `Token verification, keys held (${options.rounds} rounds of ${options.iterations}, median; one core, Node ${process.version})`,
    '',
    '| Algorithm | Verified: per token | Tokens per second | Verified before: per token | Tokens per second |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Parses the command line; a string is a usage error's message. */
export function parseVerifyBenchArgs(argv: readonly string[]): VerifyBenchOptions | 'help' | string {
  const options: { iterations: number; rounds: number; json?: boolean } = { iterations: 2000, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help') return 'help';
    if (name === '--json') {
      options.json = true;
      continue;
    }
    if (name !== '--iterations' && name !== '--rounds') return `Unknown argument "${name}"`;
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 1 || value > 10_000_000) return `${name} needs a whole number from 1`;
    options[name === '--iterations' ? 'iterations' : 'rounds'] = value;
  }
  return options;
}
