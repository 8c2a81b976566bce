import { TIME_WRAP, timeSince, wrapTime, wrappedDifference } from '../../lib/util/wrappedTime';

describe('wrapped times', () => {
  it('keeps a time since 1970 as a small whole number, and tells the span since it', () => {
    const now = 1_764_640_000_123;
    const then = wrapTime(now - 250);
    expect(Number.isInteger(then)).toBe(true);
    expect(then).toBeLessThan(TIME_WRAP);
    expect(timeSince(now, then)).toBe(250);
  });

  it('tells the span across the wrap, and from a clock that starts at 0', () => {
    expect(timeSince(TIME_WRAP + 15, wrapTime(TIME_WRAP - 10))).toBe(25);
    expect(timeSince(40, wrapTime(0))).toBe(40);
    expect(timeSince(2.5, wrapTime(0.75))).toBe(1.75);
  });

  it('tells how much later one wrapped time is than another, either way and across the wrap', () => {
    const now = 1_764_640_000_123;
    expect(wrappedDifference(wrapTime(now + 25), wrapTime(now))).toBe(25);
    expect(wrappedDifference(wrapTime(now), wrapTime(now + 25))).toBe(-25);
    expect(wrappedDifference(wrapTime(TIME_WRAP + 5), wrapTime(TIME_WRAP - 5))).toBe(10);
    expect(wrappedDifference(wrapTime(TIME_WRAP - 5), wrapTime(TIME_WRAP + 5))).toBe(-10);
    expect(wrappedDifference(wrapTime(12.5), wrapTime(0))).toBe(12.5);
    // A pacer's times, on a clock in whole milliseconds, stay small whole numbers.
    expect(Number.isInteger(wrapTime(now + Math.ceil(25 / 8)))).toBe(true);
  });
});
