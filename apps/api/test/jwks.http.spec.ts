import { expectProblem, type JwksServer, startJwksServer, type TestIssuer, testIssuer } from '@oc-numbers/testing';
import request from 'supertest';
import { startApp, type RunningApp } from './app-harness';
import { CHALLENGE, jwksConfig, KINDS } from './auth-harness';

/**
 * Keys from AUTH_JWKS_URL, served by a local JWK set server: fetched when needed, again for a
 * key id they do not hold (once per cooldown), and kept serving while the server is down.
 */
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const READ_ALL = { roles: ['OcNumbers.Read.All'] };
const UNKNOWN_KEY = 'the token is signed with a key this service does not know';

function expectUnknownKey(response: request.Response): void {
  expectProblem(response, 401, 'INVALID_TOKEN', { detail: `The bearer token is not accepted: ${UNKNOWN_KEY}.` });
  expect(response.headers['www-authenticate']).toBe(CHALLENGE.invalid(UNKNOWN_KEY));
}

/** Two keys of one issuer, as an issuer holds them while it rotates. */
async function rotatingIssuer(): Promise<[TestIssuer, TestIssuer]> {
  const first = await testIssuer({ kid: 'key-1' });
  const second = await testIssuer({ kid: 'key-2', issuer: first.issuer });
  return [first, second];
}

describe.each(KINDS)('keys from a JWK set URL (%s)', (kind) => {
  describe('without a cooldown', () => {
    let jwks: JwksServer;
    let running: RunningApp;
    let first: TestIssuer;
    let second: TestIssuer;

    beforeAll(async () => {
      [first, second] = await rotatingIssuer();
      jwks = await startJwksServer([first.publicJwk]);
      running = await startApp(kind, jwksConfig([first], jwks.url, { AUTH_JWKS_COOLDOWN_S: '0' }));
    });
    afterAll(async () => {
      await running?.close();
      await jwks?.stop();
    });

    const get = (token: string) => request(running.server).get(SUMMARY).set('Authorization', `Bearer ${token}`);

    it('fetches the keys at the first token and holds them', async () => {
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      expect(jwks.fetches).toBe(1);
    });

    it('fetches them again for a key id it does not hold, and serves the rotated key', async () => {
      const token = await second.mint(READ_ALL);
      expectUnknownKey(await get(token));
      expect(jwks.fetches).toBe(2);
      jwks.setKeys([first.publicJwk, second.publicJwk]);
      expect((await get(token)).status).toBe(200);
      expect(jwks.fetches).toBe(3);
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      expect(jwks.fetches).toBe(3);
    });

    it('keeps serving the keys it holds while the server fails', async () => {
      jwks.setMode('error');
      const stranger = await testIssuer({ kid: 'key-3', issuer: first.issuer });
      expectUnknownKey(await get(await stranger.mint(READ_ALL)));
      expect(jwks.fetches).toBe(4);
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      expect((await get(await second.mint(READ_ALL))).status).toBe(200);
      jwks.setMode('serve');
    });

    it('serves a token of a key the server no longer lists only until it fetches again', async () => {
      jwks.setKeys([second.publicJwk]);
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      const stranger = await testIssuer({ kid: 'key-4', issuer: first.issuer });
      expectUnknownKey(await get(await stranger.mint(READ_ALL)));
      expectUnknownKey(await get(await first.mint(READ_ALL)));
    });
  });

  describe('with a cooldown', () => {
    let jwks: JwksServer;
    let running: RunningApp;
    let first: TestIssuer;

    beforeAll(async () => {
      first = await testIssuer({ kid: 'key-1' });
      jwks = await startJwksServer([first.publicJwk]);
      running = await startApp(kind, jwksConfig([first], jwks.url, { AUTH_JWKS_COOLDOWN_S: '3600' }));
    });
    afterAll(async () => {
      await running?.close();
      await jwks?.stop();
    });

    it('fetches at most once per cooldown for unknown key ids', async () => {
      const get = (token: string) => request(running.server).get(SUMMARY).set('Authorization', `Bearer ${token}`);
      const stranger = await testIssuer({ kid: 'key-9', issuer: first.issuer });
      // The first token makes the first fetch, which does not list key-9.
      expectUnknownKey(await get(await stranger.mint(READ_ALL)));
      expectUnknownKey(await get(await stranger.mint(READ_ALL)));
      expect(jwks.fetches).toBe(1);
      expect((await get(await first.mint(READ_ALL))).status).toBe(200);
      expect(jwks.fetches).toBe(1);
    });
  });

  describe('concurrent first tokens', () => {
    let jwks: JwksServer;
    let running: RunningApp;
    let first: TestIssuer;

    beforeAll(async () => {
      first = await testIssuer({ kid: 'key-1' });
      jwks = await startJwksServer([first.publicJwk]);
      running = await startApp(kind, jwksConfig([first], jwks.url));
    });
    afterAll(async () => {
      await running?.close();
      await jwks?.stop();
    });

    it('share one fetch', async () => {
      const token = await first.mint(READ_ALL);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => request(running.server).get(SUMMARY).set('Authorization', `Bearer ${token}`)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(jwks.fetches).toBe(1);
    });
  });
});
