import { checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';

/**
 * How many datagrams an address may send. Every field says its default.
 *
 * @category Server/Backend
 */
export interface RateLimit {
  /** The sustained rate; default 500 a second (a client sends 40, and at most 320 in a flood). */
  readonly datagramsPerSecond?: number;
  /** How many may come at once above the rate; default 250. */
  readonly burst?: number;
  /** How many addresses are tracked at most; the oldest is forgotten first. Default 65,536. */
  readonly maxAddresses?: number;
}

/**
 * The server's default rate limit: 500 datagrams a second per address, bursts of 250.
 *
 * @category Server/Backend
 */
export const DEFAULT_RATE_LIMIT: Required<RateLimit> = {
  datagramsPerSecond: 500,
  burst: 250,
  maxAddresses: 65_536,
};

/**
 * Checks a server's `rateLimit` option: `false`, or an object whose fields, where given, are
 * positive numbers (`burst` at least 1, `maxAddresses` a whole number).
 *
 * @throws {@link InvalidArgumentError} If it is not, naming the field.
 */
export function checkRateLimit(rateLimit: unknown): void {
  if (rateLimit === false || rateLimit === undefined) return;
  if (typeof rateLimit !== 'object' || rateLimit === null) {
    throw new InvalidArgumentError(
      `rateLimit must be false or an object, got ${rateLimit === null ? 'null' : `a ${typeof rateLimit}`}`,
    );
  }
  const { datagramsPerSecond, burst, maxAddresses } = rateLimit as RateLimit;
  if (datagramsPerSecond !== undefined) {
    checkPositive('rateLimit.datagramsPerSecond', datagramsPerSecond);
  }
  if (burst !== undefined) checkPositive('rateLimit.burst', burst, { min: 1 });
  if (maxAddresses !== undefined) {
    checkPositive('rateLimit.maxAddresses', maxAddresses, { whole: true });
  }
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * A token bucket per address: each datagram takes a token, tokens come back at the rate, up to the
 * burst. Memory is bounded: past `maxAddresses` the least recently seen address is forgotten (a
 * flood from many spoofed addresses then only refills buckets, it never blocks anyone).
 *
 * ## Example
 * ```ts
 * const limiter = new RateLimiter({ datagramsPerSecond: 100, burst: 10 });
 * if (!limiter.allow(addressKey(address), scheduler.now())) dropped++;
 * ```
 */
export class RateLimiter {
  private readonly limit: Required<RateLimit>;
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @throws {@link InvalidArgumentError} If a field is not a positive number: see
   *   {@link checkRateLimit}.
   */
  constructor(limit: RateLimit = {}) {
    checkRateLimit(limit);
    this.limit = { ...DEFAULT_RATE_LIMIT, ...limit };
  }

  /** How many addresses are tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Whether a datagram from the address `key` at `nowMs` is within the limit; takes a token if so. */
  allow(key: string, nowMs: number): boolean {
    const { datagramsPerSecond, burst, maxAddresses } = this.limit;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= maxAddresses) {
        this.buckets.delete(this.buckets.keys().next().value as string);
      }
      bucket = { tokens: burst, atMs: nowMs };
    } else {
      // Seen again: to the back of the line, so the least recently seen goes first.
      this.buckets.delete(key);
      const refill = ((nowMs - bucket.atMs) * datagramsPerSecond) / 1000;
      bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, refill));
      bucket.atMs = nowMs;
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
