import { testIssuer } from '@oc-numbers/testing';
import type { JWK } from 'jose';
import { JwksCache } from './jwks-cache';

const URL_ = new URL('https://issuer.test/keys');
const OPTIONS = { timeoutMs: 1000, cooldownS: 30, maxAgeS: 3600 };

/** A cache over a made-up fetch and clock. */
function cacheOf(serve: () => Promise<unknown>) {
  let now = 1_000_000;
  const logs: string[] = [];
  const logger = { warn: (m: string) => logs.push(`warn ${m}`), log: (m: string) => logs.push(`log ${m}`) };
  const cache = new JwksCache(URL_, OPTIONS, logger, () => now, serve);
  return { cache, logs, advance: (s: number) => (now += s * 1000) };
}

describe('the JWK set cache', () => {
  let jwk: JWK;
  beforeAll(async () => {
    jwk = (await testIssuer({ kid: 'k' })).publicJwk;
  });

  it('fetches once, and again when the keys are older than their maximum age', async () => {
    const { cache, advance } = cacheOf(async () => ({ keys: [jwk] }));
    expect((await cache.keys()).map((k) => k.jwk.kid)).toEqual(['k']);
    advance(3599);
    await cache.keys();
    expect(cache.fetches).toBe(1);
    advance(1);
    await cache.keys();
    expect(cache.fetches).toBe(2);
  });

  it('fetches for an unknown key id at most once per cooldown', async () => {
    const { cache, advance } = cacheOf(async () => ({ keys: [jwk] }));
    await cache.keys();
    expect(await cache.refreshForUnknownKey()).toBe(false);
    advance(30);
    expect(await cache.refreshForUnknownKey()).toBe(true);
    expect(await cache.refreshForUnknownKey()).toBe(false);
    expect(cache.fetches).toBe(2);
  });

  it('shares the one fetch that runs', async () => {
    let release: (value: unknown) => void = () => undefined;
    const { cache } = cacheOf(() => new Promise((resolve) => (release = resolve)));
    const waiting = Promise.all([cache.keys(), cache.keys(), cache.refreshForUnknownKey()]);
    release({ keys: [jwk] });
    const [a, b, refreshed] = await waiting;
    expect([a.length, b.length, refreshed, cache.fetches]).toEqual([1, 1, true, 1]);
  });

  it('keeps the keys held when a fetch fails, and says so once until one succeeds', async () => {
    let fail = false;
    const { cache, logs, advance } = cacheOf(async () => {
      if (fail) throw new Error('connect ECONNREFUSED');
      return { keys: [jwk] };
    });
    await cache.keys();
    fail = true;
    for (let i = 0; i < 3; i++) {
      advance(3600);
      expect((await cache.keys()).map((k) => k.jwk.kid)).toEqual(['k']);
    }
    expect(cache.fetches).toBe(4);
    expect(logs).toEqual([
      'warn The signing keys could not be fetched from https://issuer.test/keys (connect ECONNREFUSED); the 1 key(s) held keep serving, and the fetch is tried again at most every 30 s',
    ]);
    fail = false;
    advance(3600);
    await cache.keys();
    expect(logs[1]).toBe('log The signing keys of https://issuer.test are fetched again (1)');
  });

  it('does not retry a failed first fetch before the cooldown', async () => {
    const { cache, advance } = cacheOf(async () => {
      throw new Error('HTTP 500');
    });
    expect(await cache.keys()).toEqual([]);
    expect(await cache.keys()).toEqual([]);
    expect(cache.fetches).toBe(1);
    advance(30);
    await cache.keys();
    expect(cache.fetches).toBe(2);
  });

  it('gives up a fetch at its timeout', async () => {
    const logs: string[] = [];
    const logger = { warn: (m: string) => logs.push(m), log: (m: string) => logs.push(m) };
    const cache = new JwksCache(
      URL_,
      { ...OPTIONS, timeoutMs: 100 },
      logger,
      Date.now,
      (_url, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    expect(await cache.keys()).toEqual([]);
    expect(logs[0]).toMatch(/could not be fetched from https:\/\/issuer.test\/keys \(timed out\)/);
  });
});
