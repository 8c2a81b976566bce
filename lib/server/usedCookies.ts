import { checkPositive } from '../options/checkOption';

/**
 * How many used cookies a server remembers at most: 65,536 (about 2.5 MB), far more than the
 * handshakes a server sees in the 20 s a cookie is good.
 */
export const DEFAULT_MAX_USED_COOKIES = 65_536;

/**
 * The cookies a server took in a challenge response, remembered while they are good (their time
 * window and the next), so each opens one session only: a challenge response replayed, from the
 * client's address or any other, is refused.
 *
 * Memory is bounded: past `capacity` the oldest is forgotten first, and counted in
 * {@link UsedCookies.forgotten} if it was still good, since a replay of it would pass again.
 *
 * ## Example
 * ```ts
 * const used = new UsedCookies();
 * used.use(cookie, cookieWindow, currentWindow); // true: the first time
 * used.use(cookie, cookieWindow, currentWindow); // false: a replay
 * ```
 */
export class UsedCookies {
  /** Each cookie used, by its bytes, with its time window; oldest first. */
  private readonly used = new Map<string, number>();
  private forgottenCount = 0;

  /** @throws {@link InvalidArgumentError} If `capacity` is not a whole number above 0. */
  constructor(private readonly capacity = DEFAULT_MAX_USED_COOKIES) {
    checkPositive('capacity', capacity, { whole: true });
  }

  /** How many cookies are remembered now. */
  get size(): number {
    return this.used.size;
  }

  /** How many cookies were forgotten while still good, to stay within the capacity. */
  get forgotten(): number {
    return this.forgottenCount;
  }

  /**
   * Marks `cookie`, of time window `window`, used in window `now`.
   *
   * @return Whether it is used for the first time.
   */
  use(cookie: Uint8Array, window: number, now: number): boolean {
    this.expire(now);
    const key = Buffer.from(cookie.buffer, cookie.byteOffset, cookie.byteLength).toString('hex');
    if (this.used.has(key)) return false;
    while (this.used.size >= this.capacity) {
      const [oldest, itsWindow] = this.used.entries().next().value as [string, number];
      this.used.delete(oldest);
      if (isGood(itsWindow, now)) this.forgottenCount++;
    }
    this.used.set(key, window);
    return true;
  }

  /**
   * Forgets the oldest cookies that are no longer good. Cookies are used in about the order of
   * their windows (one window apart at most), so the few out of order wait for the next call.
   */
  private expire(now: number): void {
    for (const [key, window] of this.used) {
      if (isGood(window, now)) return;
      this.used.delete(key);
    }
  }
}

/** Whether a cookie of `window` is still good in window `now`: a cookie's window and the next. */
function isGood(window: number, now: number): boolean {
  return now - window <= 1;
}
