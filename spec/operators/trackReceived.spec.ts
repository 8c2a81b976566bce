import type { ReceiveWindow } from '../../lib/operators/trackReceived';
import { EMPTY_WINDOW, receiveSequence, trackReceived } from '../../lib/operators/trackReceived';
import type { Package } from '../../lib/protocol/packages';
import { testScheduler } from '../helpers/marbles';

const bits = (s: string): number => parseInt(s.padEnd(32, '0'), 2);
const pkg = (sequence: number): Package => ({
  header: { sequence, ack: 0, ackBitfield: 0 },
  events: [],
});
const window = (remoteSequence: number, ackBitfield: string | number): ReceiveWindow => ({
  remoteSequence,
  ackBitfield: typeof ackBitfield === 'number' ? ackBitfield : bits(ackBitfield),
});

describe('receiveSequence', () => {
  it('takes the first package as the newest, with nothing before it', () => {
    expect(receiveSequence(EMPTY_WINDOW, 1)).toEqual({ window: window(1, 0), verdict: 'new' });
    expect(receiveSequence(EMPTY_WINDOW, 2)).toEqual({ window: window(2, 0), verdict: 'new' });
  });

  it('shifts the bitfield by one and marks the last for the next in order', () => {
    expect(receiveSequence(window(1, 0), 2)).toEqual({ window: window(2, '1'), verdict: 'new' });
  });

  it('marks an older package it has not seen, as late', () => {
    expect(receiveSequence(window(2, 0), 1)).toEqual({ window: window(2, '1'), verdict: 'late' });
  });

  it("follows PyGaSe's three packages arriving out of sequence", () => {
    let w = window(100, '0110' + '1'.repeat(28));
    w = receiveSequence(w, 101).window;
    expect(w).toEqual(window(101, '10110' + '1'.repeat(27)));
    w = receiveSequence(w, 99).window;
    expect(w).toEqual(window(101, '11110' + '1'.repeat(27)));
    w = receiveSequence(w, 96).window;
    expect(w).toEqual(window(101, 0xffffffff));
  });

  it('calls a package seen before a duplicate, whether newest or in the window', () => {
    expect(receiveSequence(window(501, 0xffffffff), 501).verdict).toBe('duplicate');
    expect(receiveSequence(window(1000, 0xffffffff), 990).verdict).toBe('duplicate');
  });

  it('drops a package more than 32 behind as stale, where PyGaSe raises IndexError', () => {
    expect(receiveSequence(window(1000, 0), 967).verdict).toBe('stale');
    expect(receiveSequence(window(1000, 0), 968)).toEqual({
      window: window(1000, 1),
      verdict: 'late',
    });
  });

  it('marks the previous newest on a jump, where PyGaSe forgets it', () => {
    expect(receiveSequence(window(10, '1'), 13)).toEqual({
      window: window(13, '0011'),
      verdict: 'new',
    });
    expect(receiveSequence(window(10, 0), 42)).toEqual({ window: window(42, 1), verdict: 'new' });
    expect(receiveSequence(window(10, 0xffffffff), 43)).toEqual({
      window: window(43, 0),
      verdict: 'new',
    });
  });

  it('works across the wrap from 65535 to 1', () => {
    expect(receiveSequence(window(65535, 0), 1)).toEqual({
      window: window(1, '1'),
      verdict: 'new',
    });
    expect(receiveSequence(window(2, 0), 65535)).toEqual({
      window: window(2, '01'),
      verdict: 'late',
    });
  });

  it('drops sequence 0, which no package carries', () => {
    expect(receiveSequence(window(5, 0), 0).verdict).toBe('stale');
  });
});

describe('trackReceived', () => {
  const p = { a: pkg(1), b: pkg(2), c: pkg(3), d: pkg(40) };

  it('passes new and late packages with the window after each', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-c-b-|', p);
      const expected = '-x-y-z-|';
      expectObservable(e1.pipe(trackReceived())).toBe(expected, {
        x: { package: p.a, window: window(1, 0), late: false },
        y: { package: p.c, window: window(3, '01'), late: false },
        z: { package: p.b, window: window(3, '11'), late: true },
      });
      expectSubscriptions(e1.subscriptions).toBe('^------!');
    });
  });

  it('drops duplicates and stale packages and reports them', () => {
    const dropped: string[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const e1 = cold('-a-a-d-a-d|', p);
      const expected = '-x---y----|';
      expectObservable(
        e1.pipe(trackReceived((verdict, q) => dropped.push(`${verdict} ${q.header.sequence}`))),
      ).toBe(expected, {
        x: { package: p.a, window: window(1, 0), late: false },
        y: { package: p.d, window: window(40, 0), late: false },
      });
    });
    expect(dropped).toEqual(['duplicate 1', 'stale 1', 'duplicate 40']);
  });

  it('completes on empty, stays silent on never, passes errors', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Package>('|');
      const never = cold<Package>('-');
      const error = cold<Package>('--#');
      expectObservable(empty.pipe(trackReceived())).toBe('|');
      expectObservable(never.pipe(trackReceived())).toBe('-');
      expectObservable(error.pipe(trackReceived())).toBe('--#');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
      expectSubscriptions(error.subscriptions).toBe('^-!');
    });
  });

  it('stops listening when unsubscribed early', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-|', p);
      expectObservable(e1.pipe(trackReceived()), '----!').toBe('-x-y-', {
        x: { package: p.a, window: window(1, 0), late: false },
        y: { package: p.b, window: window(2, '1'), late: false },
      });
      expectSubscriptions(e1.subscriptions).toBe('^---!');
    });
  });

  it('errors when the report callback throws', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const tracked = cold('-a-a-b|', p).pipe(
        trackReceived(() => {
          throw new Error('boom');
        }),
      );
      expectObservable(tracked).toBe(
        '-x-#',
        { x: { package: p.a, window: window(1, 0), late: false } },
        new Error('boom'),
      );
    });
  });
});
