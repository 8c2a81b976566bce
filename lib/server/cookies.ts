import { createHmac, randomBytes } from 'node:crypto';
import { COOKIE_SIZE } from '../protocol/rxgasePackets';
import { sameBytes } from '../protocol/rxgasePackets';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { UsedCookies } from './usedCookies';

/** How long a cookie's time window lasts; a cookie is good in its window and the next. */
export const COOKIE_WINDOW_MS = 10_000;

const WINDOW_SIZE = 4;
const MAC_SIZE = COOKIE_SIZE - WINDOW_SIZE;

/**
 * The server's stateless challenge, in the manner of netcode.io: a cookie is a time window and a
 * keyed hash (HMAC-SHA256, cut to 16 bytes) of the client's address, its nonce and that window,
 * under a secret only the server knows. The server keeps nothing per cookie it hands out; a client
 * that echoes a good one proves it receives at its address. It remembers the cookies it took
 * ({@link Cookies.redeem}) while they are good, so a replayed challenge response opens nothing.
 *
 * ## Example
 * ```ts
 * const cookies = new Cookies();
 * const cookie = cookies.issue(client, nonce, scheduler.now());
 * cookies.verify(cookie, client, nonce, scheduler.now()); // true for the next 10 to 20 s
 * cookies.redeem(cookie, client, nonce, scheduler.now()); // 'good', then 'used'
 * ```
 */
export class Cookies {
  /** The cookies taken: they live as long as the secret that made them. */
  private readonly used: UsedCookies;

  /**
   * @param secret Default 32 random bytes, new for each server.
   * @param maxUsed How many used cookies are remembered; default 65,536.
   */
  constructor(
    private readonly secret: Uint8Array = randomBytes(32),
    maxUsed?: number,
  ) {
    this.used = new UsedCookies(maxUsed);
  }

  /** How many used cookies were forgotten while still good, to bound memory. */
  get forgotten(): number {
    return this.used.forgotten;
  }

  /** A cookie for `address` and `nonce`, good in the window of `nowMs` and the next. */
  issue(address: Address, nonce: Uint8Array, nowMs: number): Uint8Array {
    const window = windowOf(nowMs);
    const cookie = new Uint8Array(COOKIE_SIZE);
    new DataView(cookie.buffer).setUint32(0, window);
    cookie.set(this.mac(address, nonce, window), WINDOW_SIZE);
    return cookie;
  }

  /** Whether `cookie` was issued by this server for `address` and `nonce`, and is still good. */
  verify(cookie: Uint8Array, address: Address, nonce: Uint8Array, nowMs: number): boolean {
    if (cookie.length !== COOKIE_SIZE) return false;
    const window = new DataView(cookie.buffer, cookie.byteOffset, cookie.byteLength).getUint32(0);
    const age = windowOf(nowMs) - window;
    if (age < 0 || age > 1) return false;
    return sameBytes(cookie.subarray(WINDOW_SIZE), this.mac(address, nonce, window));
  }

  /**
   * Takes a cookie in a challenge response: `bad` if {@link Cookies.verify} refuses it, `used`
   * if it was taken before (a replay, or the client's own copy sent again), else `good`, and it
   * is marked used.
   */
  redeem(
    cookie: Uint8Array,
    address: Address,
    nonce: Uint8Array,
    nowMs: number,
  ): 'good' | 'used' | 'bad' {
    if (!this.verify(cookie, address, nonce, nowMs)) return 'bad';
    const window = new DataView(cookie.buffer, cookie.byteOffset, WINDOW_SIZE).getUint32(0);
    return this.used.use(cookie, window, windowOf(nowMs)) ? 'good' : 'used';
  }

  private mac(address: Address, nonce: Uint8Array, window: number): Uint8Array {
    const windowBytes = new Uint8Array(WINDOW_SIZE);
    new DataView(windowBytes.buffer).setUint32(0, window);
    return createHmac('sha256', this.secret)
      .update(addressKey(address))
      .update(nonce)
      .update(windowBytes)
      .digest()
      .subarray(0, MAC_SIZE);
  }
}

function windowOf(nowMs: number): number {
  return Math.floor(nowMs / COOKIE_WINDOW_MS) >>> 0;
}
