import type { FragmentDrop } from '../../lib/operators/joinFragments';
import { ReassemblyBudget, joinFragments } from '../../lib/operators/joinFragments';
import { encodePackage } from '../../lib/protocol/encode';
import {
  FRAGMENT_PAYLOAD_SIZE,
  encodeData,
  encodeFragments,
} from '../../lib/protocol/rxgasePackets';
import { testScheduler } from '../helpers/marbles';

const session = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const stranger = Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1);
/** A data packet of `fragments` fragments, its bytes numbered from `seed`. */
const packet = (fragments: number, seed: number): Uint8Array =>
  encodeData(
    session,
    [],
    Uint8Array.from({ length: (fragments - 1) * FRAGMENT_PAYLOAD_SIZE + 50 }, (_, i) => seed + i),
    1 << 20,
  );
const W = packet(3, 1);
const V = packet(2, 9);
const [a, b, c] = encodeFragments(session, 1, W) as [Uint8Array, Uint8Array, Uint8Array];
const [d, e] = encodeFragments(session, 2, V) as [Uint8Array, Uint8Array];
const [f] = encodeFragments(session, 3, packet(2, 5)) as [Uint8Array];
const x = encodePackage({ header: { sequence: 1, ack: 0, ackBitfield: 0 }, events: [] });
const [y] = encodeFragments(stranger, 1, W) as [Uint8Array];
const z = a.slice(0, 100); // a fragment not the last, cut short: malformed
const bytes = { a, b, c, d, e, f, x, y, z, W, V };

describe('joinFragments', () => {
  /** What the operator dropped, as `count why`. */
  let drops: string[];
  const note = (count: number, why: FragmentDrop): void => {
    drops.push(`${count} ${why}`);
  };
  beforeEach(() => (drops = []));

  it('joins fragments that come in order into their data packet', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-b-c-|', bytes);
      const e1subs = '  ^------!';
      const expected = '-----W-|';
      expectObservable(e1.pipe(joinFragments({ session }))).toBe(expected, bytes);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('joins fragments that come out of order, and two messages interleaved', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-c-e-a-d-b|', bytes);
      const e1subs = '  ^---------!';
      const expected = '-------V-W|';
      expectObservable(e1.pipe(joinFragments({ session }))).toBe(expected, bytes);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('drops fragments seen before, and late copies of a message already joined', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-a-b-c-c-a|', bytes);
      const e1subs = '  ^-----------!';
      const expected = '-------W----|';
      expectObservable(e1.pipe(joinFragments({ session, dropped: note }))).toBe(expected, bytes);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    expect(drops).toEqual(['1 duplicate', '1 duplicate', '1 duplicate']);
  });

  it('passes every other datagram on as it came: packages, malformed fragments, a stranger’s', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-x-a-y-z-b-c|', bytes);
      const e1subs = '  ^-----------!';
      const expected = '-x---y-z---W|';
      expectObservable(e1.pipe(joinFragments({ session }))).toBe(expected, bytes);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('lets a message missing a fragment expire, on the scheduler, and frees its bytes', () => {
    const budget = new ReassemblyBudget(10_000);
    const used: number[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // The run's virtual time is asyncScheduler's, the operator's default.
      const e1 = cold('-a-b 20ms c 20ms -|', bytes);
      const e1subs = '  ^--- 20ms - 20ms -!';
      const joined = e1.pipe(
        joinFragments({
          session,
          timeoutMs: 10,
          budget,
          dropped: (n, why) => {
            drops.push(`${n} ${why}`);
            used.push(budget.used);
          },
        }),
      );
      expectObservable(joined).toBe('---- 20ms - 20ms -|');
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    // a and b expire 10 ms after a, by the timer; c alone expires 10 ms after it.
    expect(drops).toEqual(['2 expired', '1 expired']);
    expect(used).toEqual([0, 0]);
    expect(budget.used).toBe(0);
  });

  it('supersedes the oldest message held when one more begins', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-d-f-e|', bytes);
      const e1subs = '  ^-------!';
      // With room for two, f's message supersedes a's; d's is whole with e.
      const expected = '-------V|';
      const joined = e1.pipe(joinFragments({ session, maxMessages: 2, dropped: note }));
      expectObservable(joined).toBe(expected, bytes);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    expect(drops).toEqual(['1 superseded']);
  });

  it('takes a fragment of another count under a held id as a new message', () => {
    const [other] = encodeFragments(session, 1, V) as [Uint8Array];
    testScheduler().run(({ cold, expectObservable }) => {
      const joined = cold('-a-o-e|', { ...bytes, o: other }).pipe(
        joinFragments({ session, dropped: note }),
      );
      expectObservable(joined).toBe('------|');
    });
    expect(drops).toEqual(['1 superseded']);
  });

  it('drops a message over maxMessageSize from its first fragment, holding nothing', () => {
    const budget = new ReassemblyBudget(100_000);
    testScheduler().run(({ cold, expectObservable }) => {
      const joined = cold('-c-a-d-e|', bytes).pipe(
        joinFragments({
          session,
          maxMessageSize: 2 * FRAGMENT_PAYLOAD_SIZE,
          budget,
          dropped: (n, why) => drops.push(`${n} ${why}:${budget.used}`),
        }),
      );
      expectObservable(joined).toBe('-------V|', bytes);
    });
    expect(drops).toEqual(['1 too large:0', '1 too large:0']);
  });

  it('shares one budget among streams, dropping what needs bytes it has not', () => {
    const budget = new ReassemblyBudget(3 * FRAGMENT_PAYLOAD_SIZE);
    testScheduler().run(({ cold, expectObservable }) => {
      const one = cold('-a-b-----c|', bytes).pipe(joinFragments({ session, budget }));
      const two = cold('--d-e|', bytes).pipe(joinFragments({ session, budget, dropped: note }));
      // d takes the last share, e finds none left; d's share comes back when two completes.
      expectObservable(one).toBe('---------W|', bytes);
      expectObservable(two).toBe('-----|', bytes);
    });
    expect(drops).toEqual(['1 no memory']);
    expect(budget.used).toBe(0);
  });

  it('gives every byte back and cancels its timer when unsubscribed early', () => {
    const budget = new ReassemblyBudget(10_000);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-d-----|', bytes);
      const unsub = '  -----!';
      const e1subs = ' ^----!';
      const joined = e1.pipe(joinFragments({ session, timeoutMs: 5, budget, dropped: note }));
      expectObservable(joined, unsub).toBe('-----');
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
    expect(budget.used).toBe(0);
    expect(drops).toEqual([]);
  });

  it('completes on an empty source, and never emits on a never source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Uint8Array>('|');
      const never = cold<Uint8Array>('-');
      expectObservable(empty.pipe(joinFragments({ session }))).toBe('|');
      expectObservable(never.pipe(joinFragments({ session }))).toBe('-');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
    });
  });

  it('passes an error on', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-#', bytes);
      expectObservable(e1.pipe(joinFragments({ session }))).toBe('---#');
      expectSubscriptions(e1.subscriptions).toBe('^--!');
    });
  });

  it('errors with what its dropped callback throws, on arrival or on its timer', () => {
    const boom = new Error('boom');
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const onArrival = cold('-a-a-|', bytes);
      const onTimer = cold('-a 20ms |', bytes);
      const throwing = {
        session,
        timeoutMs: 10,
        dropped: (): void => {
          throw boom;
        },
      };
      expectObservable(onArrival.pipe(joinFragments(throwing))).toBe('---#', undefined, boom);
      expectSubscriptions(onArrival.subscriptions).toBe('^--!');
      expectObservable(onTimer.pipe(joinFragments(throwing))).toBe('- 10ms #', undefined, boom);
      expectSubscriptions(onTimer.subscriptions).toBe('^ 10ms !');
    });
  });

  it('refuses bounds that are not positive whole numbers', () => {
    expect(() => joinFragments({ session, maxMessages: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new ReassemblyBudget(-1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
