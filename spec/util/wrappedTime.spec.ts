import { TIME_WRAP, timeSince, wrapTime } from '../../lib/util/wrappedTime';

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
});
