import { RateLimiter, tooManyRequests } from './rate-limiter';

describe('RateLimiter', () => {
  let now: number;
  const limiter = () => new RateLimiter({ max: 3, windowMs: 10_000 }, () => now);

  beforeEach(() => {
    now = 1_700_000_000_000; // at the start of a 10 s window
  });

  it('lets a client make max requests per window, counting down the remaining ones', () => {
    const rl = limiter();
    const verdicts = [1, 2, 3, 4].map(() => rl.take('10.0.0.1'));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts.map((v) => v.headers['ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(verdicts[0].headers).toEqual({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '2',
      'ratelimit-reset': '10',
    });
  });

  it('counts each client apart', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('10.0.0.1');
    expect(rl.take('10.0.0.1').allowed).toBe(false);
    expect(rl.take('10.0.0.2').allowed).toBe(true);
  });

  it('starts again in the next window and says when that is', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('10.0.0.1');
    now += 7_500;
    const blocked = rl.take('10.0.0.1');
    expect(blocked).toMatchObject({ allowed: false, resetSeconds: 3 });
    now += 2_500;
    expect(rl.take('10.0.0.1')).toMatchObject({ allowed: true, resetSeconds: 10 });
  });

  it('makes a 429 problem with Retry-After and the RateLimit headers', () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('c');
    const problem = tooManyRequests({ max: 3, windowMs: 10_000 }, rl.take('c'));
    expect(problem.problem).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'More than 3 requests in 10 seconds from this client. Retry after 10 seconds.',
      errorCode: 'TOO_MANY_REQUESTS',
    });
    expect(problem.extensions).toEqual({ limit: 'client' });
    expect(problem.headers).toEqual({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '10',
      'retry-after': '10',
    });
  });

  it("says when the limit is the client's on one operation", () => {
    const rl = limiter();
    for (let i = 0; i < 3; i++) rl.take('POST /x c');
    const problem = tooManyRequests({ max: 3, windowMs: 10_000 }, rl.take('POST /x c'), 'route');
    expect(problem.problem.detail).toBe(
      'More than 3 requests in 10 seconds from this client to this operation. Retry after 10 seconds.',
    );
    expect(problem.extensions).toEqual({ limit: 'route' });
  });
});
