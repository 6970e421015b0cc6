import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config/app-config';
import { loadPublicKeys } from './token-keys';
import { TokenVerifier } from './token-verifier';

export const VERIFY_BENCH_USAGE = `Usage: npm run bench:auth -- [--iterations N] [--rounds N]

Measures what the service spends verifying one bearer token, keys held in memory (no JWKS
fetch): signature, claims and the caller, for RS256, PS256 and ES256, one after the other on one
core. Prints the median of the rounds, in microseconds per token and tokens per second.

  --iterations N   tokens verified per round     default 2000
  --rounds N       rounds (the median is shown)  default 5
  --help           this text
`;

const ISSUER = 'https://issuer.bench/v2.0';
const AUDIENCE = 'api://oc-numbers-bench';
const ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

export interface VerifyBenchOptions {
  readonly iterations: number;
  readonly rounds: number;
}

export interface VerifyBenchResult {
  readonly alg: string;
  /** Median microseconds per verified token. */
  readonly microsPerVerify: number;
}

/** Verifies `iterations` tokens per round and algorithm; the median per round. */
export async function runVerifyBench(options: VerifyBenchOptions): Promise<VerifyBenchResult[]> {
  const config = loadConfig({ AUTH_MODE: 'jwt', AUTH_ISSUERS: ISSUER, AUTH_AUDIENCE: AUDIENCE, AUTH_PUBLIC_KEYS: '-' });
  const results: VerifyBenchResult[] = [];
  for (const alg of ALGORITHMS) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const verifier = new TokenVerifier(config.auth, loadPublicKeys(await exportSPKI(publicKey)));
    const token = await new SignJWT({ azp: 'bench-client', roles: ['OcNumbers.Read.All'] })
      .setProtectedHeader({ alg, kid: 'bench', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    // Warm-up: the key's import and the JIT.
    for (let i = 0; i < Math.min(200, options.iterations); i++) await verifier.caller(token);
    const perRound: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const start = performance.now();
      for (let i = 0; i < options.iterations; i++) await verifier.caller(token);
      perRound.push(((performance.now() - start) * 1000) / options.iterations);
    }
    perRound.sort((a, b) => a - b);
    results.push({ alg, microsPerVerify: perRound[Math.floor(perRound.length / 2)] });
  }
  return results;
}

/** The results as a small Markdown table. */
export function verifyBenchTable(results: readonly VerifyBenchResult[], options: VerifyBenchOptions): string {
  const rows = results.map(
    ({ alg, microsPerVerify }) =>
      `| ${alg} | ${microsPerVerify.toFixed(1)} µs | ${Math.round(1_000_000 / microsPerVerify).toLocaleString('en-US')} |`,
  );
  return [
    `Token verification, keys held (${options.rounds} rounds of ${options.iterations}, median; one core, Node ${process.version})`,
    '',
    '| Algorithm | Per token | Tokens per second |',
    '| --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Parses the command line; a string is a usage error's message. */
export function parseVerifyBenchArgs(argv: readonly string[]): VerifyBenchOptions | 'help' | string {
  const options = { iterations: 2000, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help') return 'help';
    if (name !== '--iterations' && name !== '--rounds') return `Unknown argument "${name}"`;
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 1 || value > 10_000_000) return `${name} needs a whole number from 1`;
    options[name === '--iterations' ? 'iterations' : 'rounds'] = value;
  }
  return options;
}
