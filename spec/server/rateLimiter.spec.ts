import { RateLimiter } from '../../lib/server/rateLimiter';

describe('RateLimiter', () => {
  it('lets a burst through, then the rate', () => {
    const limiter = new RateLimiter({ datagramsPerSecond: 10, burst: 3 });
    expect([1, 2, 3, 4].map(() => limiter.allow('a', 0))).toEqual([true, true, true, false]);
    expect(limiter.allow('a', 50)).toBe(false); // half a token back
    expect(limiter.allow('a', 100)).toBe(true); // one
    expect(limiter.allow('a', 100)).toBe(false);
    // A long pause refills up to the burst, no more.
    expect([1, 2, 3, 4].map(() => limiter.allow('a', 10_000))).toEqual([true, true, true, false]);
  });

  it('limits each address on its own', () => {
    const limiter = new RateLimiter({ datagramsPerSecond: 1, burst: 1 });
    expect(limiter.allow('a', 0)).toBe(true);
    expect(limiter.allow('a', 0)).toBe(false);
    expect(limiter.allow('b', 0)).toBe(true);
  });

  it('tracks at most maxAddresses, forgetting the least recently seen', () => {
    const limiter = new RateLimiter({ datagramsPerSecond: 1, burst: 1, maxAddresses: 2 });
    limiter.allow('a', 0);
    limiter.allow('b', 0);
    limiter.allow('a', 0); // a is now the most recent; b goes first
    limiter.allow('c', 0);
    expect(limiter.size).toBe(2);
    expect(limiter.allow('a', 0)).toBe(false); // still remembered, and empty
    expect(limiter.allow('b', 0)).toBe(true); // forgotten: a fresh bucket
  });

  it('keeps a client sending 40 a second and flooding at 320 within the default', () => {
    const limiter = new RateLimiter();
    let refused = 0;
    for (let ms = 0; ms < 10_000; ms += 25) if (!limiter.allow('client', ms)) refused++;
    for (let ms = 10_000; ms < 20_000; ms += 25 / 8) if (!limiter.allow('client', ms)) refused++;
    expect(refused).toBe(0);
  });
});
