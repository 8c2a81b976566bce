/**
 * Times kept small: a scheduler's time since 1970 is a number past 2^31, which V8 keeps in a box
 * of its own when a field holds it, one more object to reach for each time the field is read or
 * written. A field that holds a time modulo {@link TIME_WRAP} holds a small integer instead (of
 * a clock in whole milliseconds, as Date.now() is), in the object itself; what is read back is
 * how long ago that was, which holds for spans up to 2^30 ms, some twelve days.
 *
 * @internal
 */
export const TIME_WRAP = 2 ** 30;

/**
 * `ms` on the wrapped clock, to keep in a field.
 *
 * @internal
 */
export function wrapTime(ms: number): number {
  const wrapped = ms % TIME_WRAP;
  return wrapped < 0 ? wrapped + TIME_WRAP : wrapped;
}

/**
 * How long before `now` the wrapped time `then` was (both in ms; `then` from {@link wrapTime}),
 * for a span under 2^30 ms.
 *
 * @internal
 */
export function timeSince(now: number, then: number): number {
  const span = wrapTime(now) - then;
  return span < 0 ? span + TIME_WRAP : span;
}

/**
 * How much later the wrapped time `a` is than the wrapped time `b` (both from {@link wrapTime}):
 * negative if earlier, for times under 2^29 ms apart.
 *
 * @internal
 */
export function wrappedDifference(a: number, b: number): number {
  const difference = a - b;
  if (difference >= TIME_WRAP / 2) return difference - TIME_WRAP;
  if (difference < -TIME_WRAP / 2) return difference + TIME_WRAP;
  return difference;
}
