import { MAX_SEQUENCE } from './constants';
import { SequenceRangeError } from './errors';

/**
 * Sequence numbers are 16-bit and wrap from 65535 to 1; 0 means "none yet". They form a cycle of
 * 65535 values, so differences are folded into -32767..32767: the shorter way round decides which
 * of two numbers is newer.
 */
const CYCLE = MAX_SEQUENCE;
const HALF_CYCLE = (CYCLE - 1) / 2;

/**
 * Checks that `value` is a sequence number and returns it.
 *
 * @param value A candidate sequence number.
 * @param name What the value is, for the error message.
 * @return `value`, an integer in 0..65535.
 * @throws {@link SequenceRangeError} If `value` is not an integer in 0..65535.
 *
 * @category Protocol
 */
export function toSqn(value: number, name = 'sequence number'): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEQUENCE) {
    throw new SequenceRangeError(`${name} must be an integer in 0..${MAX_SEQUENCE}, got ${value}`);
  }
  return value;
}

/**
 * Adds `n` to a sequence number, wrapping from 65535 to 1 as PyGaSe's `Sqn` does.
 *
 * ## Example
 * ```ts
 * sqnAdd(65535, 1); // 1
 * sqnAdd(2, -1); // 1
 * ```
 *
 * @param sqn A sequence number.
 * @param n How many steps to go forward; negative goes back, but not below 0.
 * @return The sequence number `n` steps after `sqn`.
 * @throws {@link SequenceRangeError} If `sqn` is out of range or the result would be negative.
 *
 * @internal
 */
export function sqnAdd(sqn: number, n: number): number {
  const sum = toSqn(sqn) + n;
  return toSqn(sum > MAX_SEQUENCE ? sum - CYCLE : sum);
}

/**
 * The sequence number `n` steps before `sqn`, wrapping from 1 back to 65535: the inverse of
 * {@link sqnAdd}, for walking back through an ack bitfield.
 *
 * ## Example
 * ```ts
 * sqnBack(5, 2); // 3
 * sqnBack(1, 1); // 65535
 * ```
 *
 * @param sqn A sequence number other than 0 ("none yet" has nothing before it).
 * @param n How many steps to go back, 0..65534.
 * @throws {@link SequenceRangeError} If `sqn` is 0 or out of range, or `n` is not in 0..65534.
 *
 * @internal
 */
export function sqnBack(sqn: number, n: number): number {
  if (toSqn(sqn) === 0) throw new SequenceRangeError('there is no sequence number before 0');
  if (!Number.isInteger(n) || n < 0 || n >= CYCLE) {
    throw new SequenceRangeError(`can step back 0..${CYCLE - 1} sequence numbers, not ${n}`);
  }
  const back = sqn - n;
  return back >= 1 ? back : back + CYCLE;
}

/**
 * How far `a` is ahead of `b`, the short way round the wrap: in -32767..32767.
 *
 * ## Example
 * ```ts
 * sqnDiff(5, 65530); // 10
 * sqnDiff(65435, 20000); // -20100
 * ```
 *
 * @param a A sequence number.
 * @param b A sequence number.
 * @return Positive if `a` is newer than `b`, negative if older, 0 if equal.
 *
 * @internal
 */
export function sqnDiff(a: number, b: number): number {
  const diff = toSqn(a) - toSqn(b);
  if (diff > HALF_CYCLE) return diff - CYCLE;
  if (diff < -HALF_CYCLE) return diff + CYCLE;
  return diff;
}

/**
 * Whether sequence number `a` is newer than `b`, across the wrap. The one definition of "newer"
 * in rxgase: headers, acks and game-state `time_order`s all use it.
 *
 * 0 means "none yet": every other number is newer than 0, and 0 is newer than none. (PyGaSe folds
 * 0 into the cycle like any number, so a client with no state yet refuses updates past 32767.)
 *
 * ## Example
 * ```ts
 * isNewer(5, 3); // true
 * isNewer(5, 65500); // true: 5 comes after the wrap
 * isNewer(5, 100); // false
 * isNewer(40000, 0); // true: anything is newer than nothing
 * ```
 *
 * @category Protocol
 */
export function isNewer(a: number, b: number): boolean {
  if (toSqn(b) === 0) return toSqn(a) !== 0;
  if (toSqn(a) === 0) return false;
  return sqnDiff(a, b) > 0;
}
