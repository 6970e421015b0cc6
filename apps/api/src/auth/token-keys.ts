import { createPublicKey, type JsonWebKey as NodeJsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, type JWK } from 'jose';

/** The signature algorithms a token may use: RSA (PKCS#1 v1.5 and PSS) and ECDSA, never `none` or HMAC. */
export const TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** The curve each ECDSA algorithm signs on. */
const CURVE_OF: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** The least RSA modulus accepted. */
const MIN_RSA_BITS = 2048;

/** A public key a token may be signed with: its JWK, which names its key id when it has one. */
export interface VerificationKey {
  readonly jwk: JWK;
}

/** A value of AUTH_PUBLIC_KEYS (or a JWK set fetched from AUTH_JWKS_URL) that holds no usable key. */
export class KeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySetError';
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * The keys of AUTH_PUBLIC_KEYS: one or several PEM `PUBLIC KEY` blocks, a JWK set (or a single
 * JWK) as JSON, or the path of a file that holds either. Throws a {@link KeySetError} that says
 * what is wrong, without repeating the keys.
 */
export function loadPublicKeys(value: string, readFile: (path: string) => string = readText): VerificationKey[] {
  const text = value.trim();
  if (text.startsWith('-----BEGIN') || text.startsWith('{')) return parseKeys(text, 'AUTH_PUBLIC_KEYS');
  let content: string;
  try {
    content = readFile(text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? 'error'})`;
    throw new KeySetError(
      `AUTH_PUBLIC_KEYS is neither PEM "PUBLIC KEY" blocks nor a JWK set, and as a file path ${why}: ${text}`,
    );
  }
  return parseKeys(content.trim(), `AUTH_PUBLIC_KEYS (file ${text})`);
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function parseKeys(text: string, source: string): VerificationKey[] {
  if (text.startsWith('-----BEGIN')) return parsePem(text, source);
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KeySetError(`${source} is not valid JSON`);
    }
    return parseJwkSet(json, source);
  }
  throw new KeySetError(`${source} holds neither PEM "PUBLIC KEY" blocks nor a JWK set`);
}

function parsePem(text: string, source: string): VerificationKey[] {
  const keys: VerificationKey[] = [];
  const outside = text.replace(PEM_BLOCK, (block: string, label: string) => {
    const n = keys.length + 1;
    if (label !== 'PUBLIC KEY') {
      throw new KeySetError(
        `${source}: block ${n} is a "${label}"; only "PUBLIC KEY" blocks are accepted` +
          (label.includes('PRIVATE') ? ' (never give the service a private key)' : ''),
      );
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw new KeySetError(`${source}: block ${n} is not a valid public key`);
    }
    keys.push({ jwk: checkedJwk(key.export({ format: 'jwk' }) as JWK, `${source}: block ${n}`) });
    return '';
  });
  if (outside.trim() !== '') throw new KeySetError(`${source} holds text outside its PEM blocks, or an unended block`);
  if (keys.length === 0) throw new KeySetError(`${source} holds no PEM block`);
  return keys;
}

/** The usable keys of a JWK set (`{"keys": [...]}`) or of a single JWK. */
export function parseJwkSet(json: unknown, source: string): VerificationKey[] {
  if (typeof json !== 'object' || json === null) throw new KeySetError(`${source} is not a JWK set`);
  const list: unknown = 'keys' in json ? json.keys : [json];
  if (!Array.isArray(list) || list.length === 0) throw new KeySetError(`${source} is a JWK set without keys`);
  return list.map((entry: unknown, index) => {
    const where = `${source}: key ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new KeySetError(`${where} is not a JWK`);
    }
    const jwk = entry as JWK;
    if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
      throw new KeySetError(`${where} is a private or secret key; give the public key only`);
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new KeySetError(`${where} is not a signature key (use)`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as NodeJsonWebKey, format: 'jwk' });
    } catch {
      throw new KeySetError(`${where} is not a valid public key`);
    }
    checkedJwk(key.export({ format: 'jwk' }) as JWK, where);
    if (jwk.alg !== undefined && !TOKEN_ALGORITHMS.includes(jwk.alg)) {
      throw new KeySetError(`${where} names algorithm ${jwk.alg}; accepted: ${TOKEN_ALGORITHMS.join(', ')}`);
    }
    return { jwk };
  });
}

/** The keys of a fetched JWK set that the service can use (others, such as encryption keys, are left out). */
export function usableKeysOf(json: unknown): VerificationKey[] {
  if (typeof json !== 'object' || json === null || !('keys' in json) || !Array.isArray(json.keys)) {
    throw new KeySetError('the document is not a JWK set');
  }
  return json.keys.flatMap((entry: unknown) => {
    try {
      return parseJwkSet({ keys: [entry] }, 'JWKS');
    } catch {
      return [];
    }
  });
}

function checkedJwk(jwk: JWK, where: string): JWK {
  if (jwk.kty === 'RSA') {
    const bits = Buffer.from(jwk.n ?? '', 'base64url').length * 8;
    if (bits < MIN_RSA_BITS) throw new KeySetError(`${where} is an RSA key of ${bits} bits; at least ${MIN_RSA_BITS}`);
    return jwk;
  }
  if (jwk.kty === 'EC' && Object.values(CURVE_OF).includes(jwk.crv ?? '')) return jwk;
  throw new KeySetError(`${where} is not an RSA key or an EC key on P-256, P-384 or P-521`);
}

/**
 * The keys that may have signed a token with this header: of the algorithm's type (and curve),
 * of its algorithm when the key names one, and of its key id when the key has one.
 */
export function keysFor(
  keys: readonly VerificationKey[],
  header: { readonly alg?: string; readonly kid?: string },
): VerificationKey[] {
  const { alg, kid } = header;
  if (alg === undefined || !TOKEN_ALGORITHMS.includes(alg)) return [];
  return keys.filter(({ jwk }) => {
    if (jwk.alg !== undefined && jwk.alg !== alg) return false;
    if (jwk.kid !== undefined && jwk.kid !== kid) return false;
    if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === CURVE_OF[alg];
    return jwk.kty === 'RSA';
  });
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;
const imported = new WeakMap<VerificationKey, Map<string, Promise<ImportedKey>>>();

/** The key imported for `alg` (Web Crypto keys are bound to one algorithm), imported once. */
export function importedKey(key: VerificationKey, alg: string): Promise<ImportedKey> {
  let byAlg = imported.get(key);
  if (!byAlg) {
    byAlg = new Map();
    imported.set(key, byAlg);
  }
  let promise = byAlg.get(alg);
  if (!promise) {
    promise = importJWK({ ...key.jwk, alg }, alg);
    byAlg.set(alg, promise);
  }
  return promise;
}
