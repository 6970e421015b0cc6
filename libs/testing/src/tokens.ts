import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** The asymmetric algorithms a test issuer signs with. */
export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256';

export interface TestIssuerOptions {
  readonly alg?: TestAlgorithm;
  readonly issuer?: string;
  readonly audience?: string;
  /** The key id in the JWK and in each token's header. */
  readonly kid?: string;
}

export interface MintOptions {
  /** Seconds from now until `exp` (negative: already expired); 3600 when not given. */
  readonly expiresInS?: number;
  /** Seconds from now until `nbf`; no `nbf` when not given. */
  readonly notBeforeInS?: number;
  /** Header fields over the issuer's own (`alg`, `kid`, `typ`). */
  readonly header?: Readonly<Record<string, unknown>>;
}

/** A signing key of a made-up issuer, to mint tokens that a service under test verifies. */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  readonly alg: TestAlgorithm;
  /** The public key as a JWK (with `kid`, `alg` and `use`). */
  readonly publicJwk: JWK;
  /** The public key as a PEM `PUBLIC KEY` block. */
  readonly publicPem: string;
  /** A token with `iss`, `aud`, `iat`, `exp`, a `sub` and the claims given (which win). */
  mint(claims?: JWTPayload, options?: MintOptions): Promise<string>;
}

/** A new issuer with a key pair of its own. */
export async function testIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'RS256';
  const kid = options.kid ?? randomUUID();
  const issuer = options.issuer ?? `https://issuer.test/${kid}/v2.0`;
  const audience = options.audience ?? 'api://oc-numbers-test';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const publicPem = await exportSPKI(publicKey);
  return {
    issuer,
    audience,
    kid,
    alg,
    publicJwk,
    publicPem,
    async mint(claims = {}, mintOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        aud: audience,
        sub: randomUUID(),
        iat: now,
        exp: now + (mintOptions.expiresInS ?? 3600),
        ...(mintOptions.notBeforeInS !== undefined && { nbf: now + mintOptions.notBeforeInS }),
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT', ...mintOptions.header }).sign(privateKey);
    },
  };
}

/** The settings that make a service accept tokens of `issuer`, with its key given as PEM. */
export function jwtAuthEnv(issuer: TestIssuer): Record<string, string> {
  return {
    AUTH_MODE: 'jwt',
    AUTH_ISSUERS: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_PUBLIC_KEYS: issuer.publicPem,
  };
}
