import { Subject, VirtualAction, VirtualTimeScheduler, map } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { ExchangeOptions } from '../../lib/operators/exchangePackages';
import { exchangePackages } from '../../lib/operators/exchangePackages';
import { decodePackage } from '../../lib/protocol/decode';
import { encodePackage } from '../../lib/protocol/encode';
import type { Package } from '../../lib/protocol/packages';
import { testScheduler } from '../helpers/marbles';

const datagram = (sequence: number): Uint8Array =>
  encodePackage({ header: { sequence, ack: 0, ackBitfield: 0 }, events: [] });

/**
 * The step as it runs, in `exchangePackages` (its only wiring): the signals as `kind` (and the
 * sequence of a package received), and the sequence numbers sent.
 */
function exchanged(
  datagrams$: Observable<Uint8Array>,
  urgent$: Observable<unknown>,
  options: Partial<ExchangeOptions<Package>> & { readonly scheduler: SchedulerLike },
  sent: number[],
): Observable<string> {
  return datagrams$.pipe(
    exchangePackages<Package>({
      decode: decodePackage,
      encode: (header) => encodePackage({ header, events: [] }),
      send: (bytes) => sent.push(decodePackage(bytes).header.sequence),
      urgent$,
      ...options,
    }),
    map((signal) =>
      signal.kind === 'received' ? `r${signal.package.header.sequence}` : signal.kind,
    ),
  );
}

describe('Exchange, the step of exchangePackages', () => {
  it('holds its sources and timers while subscribed, and lets every one go when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // A last frame, so that a timer left behind shows in the actions instead of running on.
      scheduler.maxFrames = 10_000;
      const datagrams = cold('5ms a', { a: datagram(1) });
      const urgent = hot('10ms u');
      const sent: number[] = [];
      const signals$ = exchanged(datagrams, urgent, { scheduler }, sent);
      // The first package at once, the urgent one at once (an eighth of the beat, 4 ms rounded up,
      // has passed since the last), then the beat on.
      expectObservable(signals$, '^ 40ms !').toBe('c 4ms r', { c: 'congestion', r: 'r1' });
      expectSubscriptions(datagrams.subscriptions).toBe('^ 40ms !');
      expectSubscriptions(urgent.subscriptions).toBe('^ 40ms !');
      scheduler.flush();
      // Nothing was sent after the end, and no timer is left: the beat, the ack timeout, the
      // silence and the congestion checks are gone.
      expect(sent).toEqual([1, 2, 3]);
      expect(scheduler.actions).toEqual([]);
    });
  });

  it('lets its sources and every timer go at once when its first send fails', () => {
    // A virtual scheduler with a last frame: a timer left behind (the congestion checks' interval
    // once was) shows in its actions, where a test scheduler's run would never end.
    const scheduler = new VirtualTimeScheduler(VirtualAction, 10_000);
    const datagrams = new Subject<Uint8Array>();
    const urgent = new Subject<void>();
    const bug = new Error('bug');
    const signals: string[] = [];
    const errors: unknown[] = [];
    exchanged(
      datagrams,
      urgent,
      {
        scheduler,
        encode: () => {
          throw bug;
        },
      },
      [],
    ).subscribe({ next: (signal) => signals.push(signal), error: (error) => errors.push(error) });
    expect(signals).toEqual(['congestion']);
    expect(errors).toEqual([bug]);
    expect(datagrams.observed).toBe(false);
    expect(urgent.observed).toBe(false);
    expect(scheduler.actions).toEqual([]);
  });
});
