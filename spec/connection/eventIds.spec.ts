import { EVENT_ID_WINDOW, SeenEventIds, nextEventId } from '../../lib/connection/eventIds';

describe('SeenEventIds', () => {
  it('takes an id the first time and refuses it after', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(7)).toBe(true);
    expect(seen.firstTime(7)).toBe(false);
    expect(seen.firstTime(8)).toBe(true);
    expect(seen.firstTime(8)).toBe(false);
  });

  it('takes late ids within the window once each, in any order', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(100)).toBe(true);
    expect([99, 50, 99, 101, 50, 100].map((id) => seen.firstTime(id))).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('counts ids behind the window as seen: handled already, or given up by the sender', () => {
    const seen = new SeenEventIds();
    seen.firstTime(EVENT_ID_WINDOW + 10);
    expect(seen.firstTime(10)).toBe(false);
    expect(seen.firstTime(11)).toBe(true);
  });

  it('forgets the ids a window older when it moves on, so their slots serve new ids', () => {
    const seen = new SeenEventIds();
    expect(seen.firstTime(1)).toBe(true);
    // 1 + EVENT_ID_WINDOW takes the slot of 1: it must count as new.
    expect(seen.firstTime(1 + EVENT_ID_WINDOW)).toBe(true);
    expect(seen.firstTime(1 + EVENT_ID_WINDOW)).toBe(false);
    // A jump far ahead clears the whole window.
    expect(seen.firstTime(10 * EVENT_ID_WINDOW)).toBe(true);
    expect(seen.firstTime(10 * EVENT_ID_WINDOW - 1)).toBe(true);
  });

  it('keeps working across the wrap of u32 ids', () => {
    const seen = new SeenEventIds();
    const ids = [0xfffffffe, 0xffffffff, 0, 1];
    for (const id of ids) expect(seen.firstTime(id)).toBe(true);
    for (const id of ids) expect(seen.firstTime(id)).toBe(false);
    expect(nextEventId(0xffffffff)).toBe(0);
    expect(nextEventId(41)).toBe(42);
  });

  it('handles each id of a long shuffled stream with duplicates exactly once', () => {
    const seen = new SeenEventIds();
    let handled = 0;
    const taken = new Set<number>();
    // Ids arrive up to 300 out of order, each twice: every one is taken once.
    for (let base = 0; base < 20_000; base += 300) {
      const batch = Array.from({ length: 300 }, (_, i) => base + ((i * 7) % 300));
      for (const id of [...batch, ...batch.reverse()]) {
        if (seen.firstTime(id)) {
          handled++;
          expect(taken.has(id)).toBe(false);
          taken.add(id);
        }
      }
    }
    expect(handled).toBe(taken.size);
    expect(handled).toBe(20_100);
  });
});
