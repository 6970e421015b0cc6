import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { AuthConfig } from '../config/app-config';
import { ALL_TENANTS, type Caller } from './caller';
import type { JwksCache } from './jwks-cache';
import { importedKey, keysFor, TOKEN_ALGORITHMS, type VerificationKey } from './token-keys';

/**
 * Why a token is refused, in words safe to send back: they never repeat the token nor say more
 * about the service than which check failed.
 */
export const TOKEN_REASONS = {
  expired: 'the token has expired',
  notYetValid: 'the token is not valid yet',
  issuer: 'the token is from an issuer this service does not accept',
  audience: 'the token is not meant for this service (audience)',
  signature: 'the signature does not verify',
  unknownKey: 'the token is signed with a key this service does not know',
  algorithm: 'the token is signed with an algorithm this service does not accept',
  malformed: 'the token is malformed',
  claims: 'the token lacks a required claim or holds an invalid one',
} as const;

export type TokenReason = keyof typeof TOKEN_REASONS;

/** A token that does not pass verification, and why. */
export class TokenRejected extends Error {
  constructor(readonly reason: TokenReason) {
    super(TOKEN_REASONS[reason]);
    this.name = 'TokenRejected';
  }
}

/** The longest a verified token is known without a signature check (keys may be withdrawn). */
export const TOKEN_CACHE_MAX_AGE_MS = 5 * 60_000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A verified token's caller, and the time (ms since the epoch) it stops being known. */
export interface KnownToken {
  readonly caller: Caller;
  readonly until: number;
  /** Set when the verifier lets the token go (expired, or the oldest when full). */
  dropped?: boolean;
}

/**
 * Verifies bearer tokens against the configured keys (AUTH_PUBLIC_KEYS, and the JWK set of
 * AUTH_JWKS_URL), issuers, audiences and clock skew, and says who the caller is.
 */
export class TokenVerifier {
  private readonly options: JWTVerifyOptions;
  /** Verified tokens, oldest first, with their caller and the time they stop being known. */
  private readonly known = new Map<string, KnownToken>();

  constructor(
    private readonly config: Pick<
      AuthConfig,
      'issuers' | 'audiences' | 'clockSkewS' | 'roles' | 'tenantClaim' | 'tokenCacheSize'
    >,
    private readonly staticKeys: readonly VerificationKey[],
    private readonly jwks?: JwksCache,
    private readonly now: () => number = Date.now,
  ) {
    this.options = {
      issuer: [...config.issuers],
      audience: [...config.audiences],
      algorithms: TOKEN_ALGORITHMS,
      clockTolerance: config.clockSkewS,
      requiredClaims: ['exp'],
    };
  }

  /** The verified claims of `token`; a {@link TokenRejected} when it does not pass. */
  async verify(token: string): Promise<JWTPayload> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRejected('malformed');
    }
    if (typeof header.alg !== 'string' || !TOKEN_ALGORITHMS.includes(header.alg)) {
      throw new TokenRejected('algorithm');
    }
    const candidates = await this.keysFor(header);
    if (candidates.length === 0) throw new TokenRejected('unknownKey');
    let rejection: TokenRejected | undefined;
    // Several keys may fit (keys without a key id): the first whose signature verifies wins.
    for (const key of candidates) {
      try {
        const { payload } = await jwtVerify(token, await importedKey(key, header.alg), this.options);
        return payload;
      } catch (error) {
        rejection = rejectionOf(error);
        if (rejection.reason !== 'signature') throw rejection;
      }
    }
    throw rejection ?? new TokenRejected('signature');
  }

  /**
   * The caller a verified token names. A token verified before is known by a lookup until it
   * expires (with the clock skew), for at most {@link TOKEN_CACHE_MAX_AGE_MS}; only tokens that
   * passed are kept, at most AUTH_TOKEN_CACHE_SIZE of them, the oldest leaving first.
   */
  async caller(token: string): Promise<Caller> {
    const now = this.now();
    const known = this.knownCaller(token, now);
    if (known) return known;
    const claims = await this.verify(token);
    const caller = callerOfClaims(claims, this.config);
    if (this.config.tokenCacheSize > 0 && typeof claims.exp === 'number') {
      const until = Math.min((claims.exp + this.config.clockSkewS) * 1000, now + TOKEN_CACHE_MAX_AGE_MS);
      if (this.known.size >= this.config.tokenCacheSize) {
        const oldest = this.known.keys().next();
        if (!oldest.done) this.drop(oldest.value);
      }
      this.known.set(token, { caller, until });
    }
    return caller;
  }

  /**
   * The caller of a token verified before and still known (see {@link caller}), without a
   * promise: the path of nearly every request. Undefined when the token must be verified.
   */
  knownCaller(token: string, now = this.now()): Caller | undefined {
    return this.knownToken(token, now)?.caller;
  }

  /** What {@link knownCaller} knows of a token: its caller and until when, while it is known. */
  knownToken(token: string, now = this.now()): KnownToken | undefined {
    const known = this.known.get(token);
    if (known === undefined) return undefined;
    if (now < known.until) return known;
    this.drop(token);
    return undefined;
  }

  /** The caller of a token found known before (see {@link knownToken}) while it still is. */
  stillKnown(known: KnownToken, now = this.now()): Caller | undefined {
    return !known.dropped && now < known.until ? known.caller : undefined;
  }

  private drop(token: string): void {
    const known = this.known.get(token);
    if (known) known.dropped = true;
    this.known.delete(token);
  }

  private async keysFor(header: { alg?: string; kid?: string }): Promise<VerificationKey[]> {
    const own = keysFor(this.staticKeys, header);
    if (!this.jwks) return own;
    const fetched = keysFor(await this.jwks.keys(), header);
    if (own.length > 0 || fetched.length > 0) return [...own, ...fetched];
    if (!(await this.jwks.refreshForUnknownKey())) return [];
    return keysFor(await this.jwks.keys(), header);
  }
}

function rejectionOf(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejected('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenRejected('notYetValid');
    if (error.claim === 'iss') return new TokenRejected('issuer');
    if (error.claim === 'aud') return new TokenRejected('audience');
    return new TokenRejected('claims');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected('signature');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenRejected('algorithm');
  }
  return new TokenRejected('malformed');
}

/**
 * The caller of verified claims. Its client id is `azp` (Entra v2), `appid` (Entra v1) or `sub`.
 * The all-tenant roles reach every tenant; the others reach the tenants of the tenant claim (a
 * GUID or an array of them; anything else in it is left out), so a token with only those roles
 * and no tenant claim reaches none. A token that holds an all-tenant read role and a limited
 * write role is limited: the one scope of a caller never widens a write.
 */
export function callerOfClaims(claims: JWTPayload, config: Pick<AuthConfig, 'roles' | 'tenantClaim'>): Caller {
  const clientId = [claims['azp'], claims['appid'], claims.sub].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  if (clientId === undefined) throw new TokenRejected('claims');
  const roles = Array.isArray(claims['roles'])
    ? new Set(claims['roles'].filter((role): role is string => typeof role === 'string'))
    : new Set<string>();
  const { readAll, readWriteAll, read, readWrite } = config.roles;
  const canWrite = roles.has(readWriteAll) || roles.has(readWrite);
  const canRead = canWrite || roles.has(readAll) || roles.has(read);
  const all = roles.has(readWriteAll) || (roles.has(readAll) && !roles.has(readWrite));
  const id = `app:${clientId}`;
  return {
    id,
    rateLimitKey: id,
    canRead,
    canWrite,
    scope: all ? ALL_TENANTS : { all: false, tenants: tenantsOf(claims[config.tenantClaim]) },
  };
}

function tenantsOf(claim: unknown): string[] {
  const values = Array.isArray(claim) ? claim : [claim];
  const tenants = values
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.toLowerCase())
    .filter((value) => GUID.test(value));
  return [...new Set(tenants)];
}
