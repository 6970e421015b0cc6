import { expectProblem, type TestIssuer, testIssuer } from '@oc-numbers/testing';
import { type JWTPayload, SignJWT } from 'jose';
import { Agent, get as httpGet } from 'node:http';
import request from 'supertest';
import { startApp, type RunningApp } from './app-harness';
import { CHALLENGE, jwtConfig, KINDS } from './auth-harness';

/**
 * AUTH_MODE=jwt over HTTP: which tokens pass, the exact 401/403 of those that do not (with their
 * RFC 6750 challenge), the role each operation needs, and what stays open.
 */
const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const READY = '/api/v3/oc/numbers/action/ready-for-removal';
const BODY = { telephoneNumbers: ['+19995550000'] };
const READ_ALL = { roles: ['OcNumbers.Read.All'] };
const REASON = {
  none: 'none was sent',
  expired: 'the token has expired',
  notYetValid: 'the token is not valid yet',
  issuer: 'the token is from an issuer this service does not accept',
  audience: 'the token is not meant for this service (audience)',
  signature: 'the signature does not verify',
  unknownKey: 'the token is signed with a key this service does not know',
  algorithm: 'the token is signed with an algorithm this service does not accept',
  malformed: 'the token is malformed',
  scheme: 'the Authorization scheme is not Bearer',
  header: 'the Authorization header is not Bearer followed by one token',
  query: 'tokens go in the Authorization header, never in the query string',
};

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Asserts a 401 INVALID_TOKEN with its reason in the detail and in the challenge. */
function expectInvalid(response: request.Response, reason: string): void {
  expectProblem(response, 401, 'INVALID_TOKEN', { detail: `The bearer token is not accepted: ${reason}.` });
  expect(response.headers['www-authenticate']).toBe(CHALLENGE.invalid(reason));
}

describe.each(KINDS)('authentication with tokens (%s)', (kind) => {
  let issuer: TestIssuer;
  let other: TestIssuer;
  let running: RunningApp;

  beforeAll(async () => {
    issuer = await testIssuer();
    // Another key with the same key id and issuer: its signatures do not verify.
    other = await testIssuer({ kid: issuer.kid, issuer: issuer.issuer });
    running = await startApp(kind, jwtConfig([issuer], { AUTH_CLOCK_SKEW_S: '60' }));
  });
  afterAll(() => running?.close());

  const get = (token?: string, path = SUMMARY) => {
    const call = request(running.server).get(path);
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };
  const post = (token?: string) => {
    const call = request(running.server).post(READY).send(BODY);
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };

  it('serves a valid token', async () => {
    const response = await get(await issuer.mint(READ_ALL));
    expect(response.status).toBe(200);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('answers a request without a token 401 UNAUTHENTICATED with a bare challenge', async () => {
    const response = await get();
    expectProblem(response, 401, 'UNAUTHENTICATED', {
      detail: `This operation needs a bearer token in the Authorization header: ${REASON.none}.`,
      instance: SUMMARY,
    });
    expect(response.headers['www-authenticate']).toBe(CHALLENGE.none);
  });

  it('refuses an expired token, and one not valid yet beyond the clock skew', async () => {
    expectInvalid(await get(await issuer.mint(READ_ALL, { expiresInS: -120 })), REASON.expired);
    expectInvalid(await get(await issuer.mint(READ_ALL, { notBeforeInS: 600 })), REASON.notYetValid);
  });

  it('accepts a token expired or not yet valid within the clock skew', async () => {
    expect((await get(await issuer.mint(READ_ALL, { notBeforeInS: 30 }))).status).toBe(200);
    expect((await get(await issuer.mint(READ_ALL, { expiresInS: -30 }))).status).toBe(200);
  });

  it('refuses a wrong issuer, a wrong audience and a token without exp', async () => {
    expectInvalid(await get(await issuer.mint({ ...READ_ALL, iss: 'https://elsewhere.test/' })), REASON.issuer);
    expectInvalid(await get(await issuer.mint({ ...READ_ALL, aud: 'api://another-service' })), REASON.audience);
    expectInvalid(
      await get(await issuer.mint({ ...READ_ALL, exp: undefined })),
      'the token lacks a required claim or holds an invalid one',
    );
  });

  it('refuses a signature of another key with the same key id, and a token no configured key fits', async () => {
    expectInvalid(await get(await other.mint(READ_ALL)), REASON.signature);
    // A PEM key has no key id: it is tried for any RS/PS token, but never for an ES256 one.
    expect((await get(await issuer.mint(READ_ALL, { header: { kid: 'any-key-id' } }))).status).toBe(200);
    const es = await testIssuer({ alg: 'ES256', issuer: issuer.issuer, kid: issuer.kid });
    expectInvalid(await get(await es.mint(READ_ALL)), REASON.unknownKey);
  });

  it('refuses alg none, and HS256 signed with the public key as the secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { iss: issuer.issuer, aud: issuer.audience, sub: 'x', exp: now + 600, ...READ_ALL };
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    expectInvalid(await get(unsigned), REASON.algorithm);
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: issuer.kid })
      .sign(new TextEncoder().encode(issuer.publicPem));
    expectInvalid(await get(hs256), REASON.algorithm);
  });

  it('refuses a malformed token, a malformed header and another scheme', async () => {
    expectInvalid(await get('not.a.token'), REASON.malformed);
    expectInvalid(await request(running.server).get(SUMMARY).set('Authorization', 'Bearer'), REASON.header);
    expectInvalid(await request(running.server).get(SUMMARY).set('Authorization', 'Bearer a b'), REASON.header);
    expectInvalid(await request(running.server).get(SUMMARY).set('Authorization', 'Basic dXNlcjpwYXNz'), REASON.scheme);
  });

  it('refuses a token in the query string, even with a valid header', async () => {
    const token = await issuer.mint(READ_ALL);
    expectInvalid(await get(undefined, `${SUMMARY}?access_token=${token}`), REASON.query);
    const both = await get(token, `${SUMMARY}?access_token=${token}`);
    expectInvalid(both, REASON.query);
    expect(JSON.stringify(both.body)).not.toContain(token);
    // Known (verified on the request before) or spelt with percent escapes, it is refused the same.
    expectInvalid(await get(token, `${SUMMARY}?msTenantId=&%61ccess%5Ftoken=${token}`), REASON.query);
    expectInvalid(await get(token, `${SUMMARY}?x=1&access_token`), REASON.query);
    expect((await get(token, `${SUMMARY}?x=access+token&access-token=1`)).status).toBe(200);
  });

  /** Requests over one keep-alive connection, and how many connections they went over. */
  function oneConnection() {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    const send = (authorization?: string, path = SUMMARY) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = authorization === undefined ? {} : { authorization };
        const req = httpGet(`${running.baseUrl}${path}`, { agent, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
    return { agent, sockets, send };
  }

  it('judges each request of one keep-alive connection by its own Authorization header', async () => {
    const { agent, sockets, send } = oneConnection();
    try {
      const reader = await issuer.mint(READ_ALL);
      const noRole = await issuer.mint({ roles: ['Other.Role'] });
      const foreign = await other.mint(READ_ALL);
      const answers = [];
      for (const [authorization, path] of [
        [`Bearer ${reader}`, SUMMARY],
        [`Bearer ${reader}`, SUMMARY],
        [`Bearer ${noRole}`, SUMMARY],
        [`Bearer ${reader}`, SUMMARY],
        [`Bearer ${foreign}`, SUMMARY],
        [`Bearer ${reader}`, `${SUMMARY}?access_token=${reader}`],
        [undefined, SUMMARY],
        [`bearer ${reader}`, SUMMARY],
        [`Bearer  ${reader}`, SUMMARY],
        [`Bearer ${reader}x`, SUMMARY],
        [`Bearer ${reader}`, SUMMARY],
      ] as const) {
        const { status, body } = await send(authorization, path);
        answers.push(status === 200 ? status : `${status} ${(JSON.parse(body) as { errorCode: string }).errorCode}`);
      }
      expect(answers).toEqual([
        200,
        200,
        '403 INSUFFICIENT_ROLE',
        200,
        '401 INVALID_TOKEN',
        '401 INVALID_TOKEN',
        '401 UNAUTHENTICATED',
        200,
        200,
        '401 INVALID_TOKEN',
        200,
      ]);
      // Every request went over the one connection.
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a token on the connection it was accepted on once it has expired', async () => {
    const { agent, sockets, send } = oneConnection();
    try {
      // Past its expiry by all but 2 s of the 60 s of clock skew the service allows.
      const token = await issuer.mint(READ_ALL, { expiresInS: -58 });
      // The first is verified, the second known: the connection's token from then on.
      const first = [await send(`Bearer ${token}`), await send(`Bearer ${token}`)];
      expect(first.map(({ status }) => status)).toEqual([200, 200]);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const later = await send(`Bearer ${token}`);
      expect(later.status).toBe(401);
      expect(JSON.parse(later.body)).toMatchObject({
        errorCode: 'INVALID_TOKEN',
        detail: `The bearer token is not accepted: ${REASON.expired}.`,
      });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it.each([
    ['no role of this service', ['Other.Role'], 403, 403],
    ['OcNumbers.Read', ['OcNumbers.Read'], 200, 403],
    ['OcNumbers.Read.All', ['OcNumbers.Read.All'], 200, 403],
    ['OcNumbers.ReadWrite', ['OcNumbers.ReadWrite'], 200, 200],
    ['OcNumbers.ReadWrite.All', ['OcNumbers.ReadWrite.All'], 200, 200],
  ])('with %s (%j): reads %d, acts %d', async (_name, roles, read, write) => {
    const tid = '8b9f3a62-1c1e-4f0e-9a55-0d8c1f5e7a10';
    const token = await issuer.mint({ roles, tid });
    const readAnswer = await get(token);
    const writeAnswer = await post(token);
    expect([readAnswer.status, writeAnswer.status]).toEqual([read, write]);
    for (const answer of [readAnswer, writeAnswer].filter((a) => a.status === 403)) {
      expectProblem(answer, 403, 'INSUFFICIENT_ROLE');
      expect(answer.headers['www-authenticate']).toBe(CHALLENGE.insufficient);
    }
  });

  it('names the roles an operation needs', async () => {
    const response = await post(await issuer.mint({ roles: ['OcNumbers.Read.All'] }));
    expectProblem(response, 403, 'INSUFFICIENT_ROLE', {
      detail:
        'This operation needs one of the roles OcNumbers.ReadWrite, OcNumbers.ReadWrite.All; the token has none of them.',
    });
  });

  it('leaves the probes open, and answers an unknown path or method as without authentication', async () => {
    expect((await request(running.server).get('/health/live')).status).toBe(200);
    expect((await request(running.server).get('/health/ready')).status).toBe(200);
    expectProblem(await request(running.server).get('/api/v3/oc/nothing-here'), 404, 'NOT_FOUND');
    expectProblem(await request(running.server).delete(SUMMARY), 405, 'METHOD_NOT_ALLOWED');
  });
});
