import { testIssuer } from '@oc-numbers/testing';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysFor, loadPublicKeys, parseJwkSet, usableKeysOf } from './token-keys';

describe('AUTH_PUBLIC_KEYS', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one PEM public key', async () => {
    const issuer = await testIssuer();
    const keys = loadPublicKeys(issuer.publicPem);
    expect(keys).toHaveLength(1);
    expect(keys[0].jwk).toMatchObject({ kty: 'RSA', n: issuer.publicJwk.n, e: issuer.publicJwk.e });
    expect(keys[0].jwk.kid).toBeUndefined();
  });

  it('reads several PEM blocks, RSA and EC', async () => {
    const rsa = await testIssuer();
    const ec = await testIssuer({ alg: 'ES256' });
    const keys = loadPublicKeys(`${rsa.publicPem}\n\n${ec.publicPem}`);
    expect(keys.map((k) => [k.jwk.kty, k.jwk.crv])).toEqual([
      ['RSA', undefined],
      ['EC', 'P-256'],
    ]);
  });

  it('reads a JWK set, and a single JWK, with their key ids', async () => {
    const a = await testIssuer({ kid: 'a' });
    const b = await testIssuer({ alg: 'ES256', kid: 'b' });
    const keys = loadPublicKeys(JSON.stringify({ keys: [a.publicJwk, b.publicJwk] }));
    expect(keys.map((k) => k.jwk.kid)).toEqual(['a', 'b']);
    expect(loadPublicKeys(JSON.stringify(a.publicJwk)).map((k) => k.jwk.kid)).toEqual(['a']);
  });

  it('reads a file that holds PEM blocks or a JWK set', async () => {
    const issuer = await testIssuer({ kid: 'f' });
    const pem = join(dir, 'keys.pem');
    writeFileSync(pem, issuer.publicPem);
    expect(loadPublicKeys(pem)).toHaveLength(1);
    const json = join(dir, 'jwks.json');
    writeFileSync(json, JSON.stringify({ keys: [issuer.publicJwk] }));
    expect(loadPublicKeys(` ${json} `).map((k) => k.jwk.kid)).toEqual(['f']);
  });

  it.each([
    ['a path to no file', '/nowhere/keys.pem', 'as a file path there is no such file: /nowhere/keys.pem'],
    [
      'a block that is no key',
      '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----',
      'block 1 is not a valid public key',
    ],
    [
      'a certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      'block 1 is a "CERTIFICATE"; only "PUBLIC KEY" blocks',
    ],
    ['an unended block', '-----BEGIN PUBLIC KEY-----\nAAAA', 'holds text outside its PEM blocks, or an unended block'],
    ['JSON that is not JSON', '{"keys": [', 'AUTH_PUBLIC_KEYS is not valid JSON'],
    ['an empty JWK set', '{"keys": []}', 'is a JWK set without keys'],
    ['a secret key', '{"kty": "oct", "k": "c2VjcmV0"}', 'key 1 is a private or secret key'],
  ])('refuses %s', (_name, value, message) => {
    expect(() => loadPublicKeys(value)).toThrow(message);
  });

  it('refuses a private key, an RSA key under 2048 bits and a key of another type, without showing it', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadPublicKeys(privatePem)).toThrow(
      'block 1 is a "PRIVATE KEY"; only "PUBLIC KEY" blocks are accepted (never give the service a private key)',
    );
    const privateJwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    expect(() => loadPublicKeys(privateJwk)).toThrow('key 1 is a private or secret key');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(() => loadPublicKeys(small.toString())).toThrow('block 1 is an RSA key of 1024 bits; at least 2048');
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    let message = '';
    try {
      loadPublicKeys(ed.toString());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('AUTH_PUBLIC_KEYS: block 1 is not an RSA key or an EC key on P-256, P-384 or P-521');
  });

  it('refuses a JWK that names an algorithm this service does not accept', async () => {
    const issuer = await testIssuer();
    expect(() => parseJwkSet({ keys: [{ ...issuer.publicJwk, alg: 'RSA-OAEP' }] }, 'X')).toThrow(
      'X: key 1 names algorithm RSA-OAEP',
    );
  });
});

describe('the keys a token may be signed with', () => {
  it('fit its algorithm and curve, its key id when the key has one, and the key`s own algorithm', async () => {
    const rsa = { jwk: (await testIssuer({ kid: 'r' })).publicJwk };
    const ec = { jwk: (await testIssuer({ alg: 'ES256', kid: 'e' })).publicJwk };
    const pem = loadPublicKeys((await testIssuer()).publicPem)[0];
    const keys = [rsa, ec, pem];
    expect(keysFor(keys, { alg: 'RS256', kid: 'r' })).toEqual([rsa, pem]);
    expect(keysFor(keys, { alg: 'RS256', kid: 'x' })).toEqual([pem]);
    // The JWK names RS256: not PS256. The PEM key names none.
    expect(keysFor(keys, { alg: 'PS256', kid: 'r' })).toEqual([pem]);
    expect(keysFor(keys, { alg: 'ES256', kid: 'e' })).toEqual([ec]);
    expect(keysFor(keys, { alg: 'ES384', kid: 'e' })).toEqual([]);
    expect(keysFor(keys, { alg: 'HS256', kid: 'r' })).toEqual([]);
    expect(keysFor(keys, { alg: 'none' })).toEqual([]);
  });

  it('of a fetched set leave out what is not a signature key', async () => {
    const issuer = await testIssuer({ kid: 's' });
    const keys = usableKeysOf({ keys: [issuer.publicJwk, { ...issuer.publicJwk, kid: 'enc', use: 'enc' }, 'x'] });
    expect(keys.map((k) => k.jwk.kid)).toEqual(['s']);
    expect(() => usableKeysOf({ nothing: true })).toThrow('the document is not a JWK set');
  });
});
