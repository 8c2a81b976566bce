import { InvalidArgumentError } from '../../lib/protocol/errors';
import { DEFAULT_MAX_USED_COOKIES, UsedCookies } from '../../lib/server/usedCookies';

const cookie = (n: number): Uint8Array => Uint8Array.from({ length: 20 }, (_, i) => (n + i) & 0xff);

describe('UsedCookies', () => {
  it('takes a cookie once', () => {
    const used = new UsedCookies();
    expect(used.use(cookie(1), 5, 5)).toBe(true);
    expect(used.use(cookie(1), 5, 5)).toBe(false);
    expect(used.use(cookie(1), 5, 6)).toBe(false);
    expect(used.use(cookie(2), 5, 6)).toBe(true);
  });

  it('compares cookies by their bytes, whatever buffer holds them', () => {
    const used = new UsedCookies();
    const datagram = new Uint8Array(64);
    datagram.set(cookie(1), 15);
    expect(used.use(datagram.subarray(15, 35), 5, 5)).toBe(true);
    expect(used.use(cookie(1), 5, 5)).toBe(false);
  });

  it('forgets a cookie once it is no longer good, its window and the next over', () => {
    const used = new UsedCookies();
    used.use(cookie(1), 5, 5);
    used.use(cookie(2), 6, 6);
    expect(used.use(cookie(9), 6, 7)).toBe(true);
    expect(used.size).toBe(2);
    expect(used.forgotten).toBe(0);
  });

  it('stays within its capacity, forgetting the oldest first, and counts the good ones forgotten', () => {
    const used = new UsedCookies(3);
    for (let n = 1; n <= 5; n++) expect(used.use(cookie(n), 5, 5)).toBe(true);
    expect(used.size).toBe(3);
    expect(used.forgotten).toBe(2);
    // The two oldest pass again: that is what the count warns of.
    expect(used.use(cookie(3), 5, 5)).toBe(false);
    expect(used.use(cookie(1), 5, 5)).toBe(true);
    expect(used.forgotten).toBe(3);
    expect(DEFAULT_MAX_USED_COOKIES).toBe(65_536);
  });

  it('refuses a capacity that is not a whole number above 0 with InvalidArgumentError', () => {
    for (const capacity of [0, -1, 1.5, NaN]) {
      expect(() => new UsedCookies(capacity)).toThrow(InvalidArgumentError);
      expect(() => new UsedCookies(capacity)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });
});
