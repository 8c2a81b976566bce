import { NEVER, Subject, VirtualAction, VirtualTimeScheduler, config, map } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { ExchangeOptions, PeerSignal } from '../../lib/operators/exchangePackages';
import { exchangePackages } from '../../lib/operators/exchangePackages';
import { decodePackage } from '../../lib/protocol/decode';
import { encodePackage } from '../../lib/protocol/encode';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import type { Header } from '../../lib/protocol/header';
import type { GameEvent, Package } from '../../lib/protocol/packages';
import { testScheduler } from '../helpers/marbles';

const EVENT: GameEvent = { type: 'JOIN', args: ['ann'], kwargs: {} };

/** A datagram of the other peer: its sequence number, what it acks, and maybe an event. */
function datagram(sequence: number, ack = 0, ackBitfield = 0, events: GameEvent[] = []) {
  return encodePackage({ header: { sequence, ack, ackBitfield: ackBitfield >>> 0 }, events });
}
const GARBAGE = new Uint8Array([1, 2, 3]);

/** A signal in a few characters, for marbles: r5 received 5, a2 acked 2, t1 timed out 1... */
function short(signal: PeerSignal<Package>): string {
  switch (signal.kind) {
    case 'received':
      return `r${signal.package.header.sequence}${signal.late ? ' late' : ''}`;
    case 'acked':
      return `a${signal.sequence} rtt ${signal.rttMs} latency ${Number(signal.latencyMs.toFixed(6))}`;
    case 'timedOut':
      return `t${signal.sequence}`;
    case 'dropped':
      return signal.reason === 'undecodable'
        ? `dropped ${signal.error.code}`
        : `${signal.reason} ${signal.sequence}`;
    case 'congestion':
      return `${signal.quality} ${signal.sendIntervalMs}`;
    case 'silent':
      return `silent ${signal.silentMs}`;
  }
}

/** The exchange on marbles, with every header it sent and when. */
function exchange(
  scheduler: SchedulerLike,
  options: Partial<ExchangeOptions<Package>> = {},
): {
  run: (datagrams$: Observable<Uint8Array>) => Observable<string>;
  sent: [number, Header][];
} {
  const sent: [number, Header][] = [];
  return {
    sent,
    run: (datagrams$) =>
      datagrams$.pipe(
        exchangePackages({
          decode: decodePackage,
          encode: (header) => encodePackage({ header, events: [] }),
          send: (bytes) => sent.push([scheduler.now(), decodePackage(bytes).header]),
          ...options,
        }),
        map(short),
      ),
  };
}

const GOOD = 'good 25';

describe('exchangePackages', () => {
  it('takes each package once, late ones too, and drops duplicates, stale packages and garbage', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const { run } = exchange(scheduler);
      const datagrams = cold('-a-b-a-c-g-x-y', {
        a: datagram(1),
        b: datagram(3),
        c: datagram(2),
        g: GARBAGE,
        x: datagram(100),
        y: datagram(60),
      });
      expectObservable(run(datagrams), '^ 20ms !').toBe('qa-b-c-d-e-f-g', {
        q: GOOD,
        a: 'r1',
        b: 'r3',
        c: 'duplicate 1',
        d: 'r2 late',
        e: 'dropped ERR_PROTOCOL_ID_MISMATCH',
        f: 'r100',
        g: 'stale 60',
      });
      expectSubscriptions(datagrams.subscriptions).toBe('^ 20ms !');
    });
  });

  it('sends at once, then at the send interval, each package acking what the window holds', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run, sent } = exchange(scheduler, { firstSequence: 7 });
      const datagrams = cold('-- 10ms a-b', { a: datagram(5), b: datagram(7) });
      expectObservable(run(datagrams), '^ 60ms !').toBe('q 11ms a-b', {
        q: GOOD,
        a: 'r5',
        b: 'r7',
      });
      scheduler.flush();
      expect(sent).toEqual([
        [0, { sequence: 7, ack: 0, ackBitfield: 0 }],
        [25, { sequence: 8, ack: 7, ackBitfield: 2 ** 30 }],
        [50, { sequence: 9, ack: 7, ackBitfield: 2 ** 30 }],
      ]);
    });
  });

  it('resolves the acks a header carries, with each round trip and the latency after it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run } = exchange(scheduler);
      // Sent 1 at 0, 2 at 25, 3 at 50; at 30 the other peer acks 2, and 1 by bit 31: only the
      // round trip of 2 is a sample, as 1 may have waited for its ack. At 60 it acks 3.
      const datagrams = cold('- 29ms a 29ms b', {
        a: datagram(1, 2, 2 ** 31),
        b: datagram(2, 3, 2 ** 31),
      });
      expectObservable(run(datagrams), '^ 70ms !').toBe('q 29ms (rab) 25ms (sc)', {
        q: GOOD,
        r: 'r1',
        a: 'a1 rtt 30 latency 0',
        b: 'a2 rtt 5 latency 0.5',
        s: 'r2',
        c: 'a3 rtt 10 latency 1.45',
      });
    });
  });

  it('times out a package whose ack does not come, on the scheduler, though nothing arrives', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run } = exchange(scheduler, { packageTimeoutMs: 100 });
      expectObservable(run(cold('-')), '^ 130ms !').toBe('q 99ms a 24ms b', {
        q: GOOD,
        a: 't1',
        b: 't2',
      });
    });
  });

  it('sends soon to ack a package with events, and when urgent$ asks', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const urgent$ = hot('- 39ms u');
      const { run, sent } = exchange(scheduler, { urgent$ });
      const datagrams = cold('- 9ms e', { e: datagram(1, 0, 0, [EVENT]) });
      expectObservable(run(datagrams), '^ 50ms !').toBe('q 9ms r', { q: GOOD, r: 'r1' });
      scheduler.flush();
      // 0, at once for the event at 10, the beat at 35, urgently at 40 (35 + 25/8 is due).
      expect(sent.map(([time]) => time)).toEqual([0, 10, 35, 40]);
      expect(sent[1]?.[1]).toEqual({ sequence: 2, ack: 1, ackBitfield: 0 });
    });
  });

  it('acks every n-th package at once and keeps the beat n times slower with ackEvery n', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run, sent } = exchange(scheduler, { ackEvery: 4 });
      const datagrams = cold('- 9ms a 9ms b 9ms c 9ms d 9ms e', {
        a: datagram(1),
        b: datagram(2),
        c: datagram(3),
        d: datagram(4),
        e: datagram(5, 0, 0, [EVENT]),
      });
      expectObservable(run(datagrams), '^ 250ms !').toBe('q 9ms a 9ms b 9ms c 9ms d 9ms e', {
        q: GOOD,
        a: 'r1',
        b: 'r2',
        c: 'r3',
        d: 'r4',
        e: 'r5',
      });
      scheduler.flush();
      // At once, at 40 for the fourth package, then for the event that came at 50 an eighth of
      // the 100 ms beat (12.5, rounded up to 13) after it, then every 100 ms.
      expect(sent.map(([time]) => time)).toEqual([0, 40, 53, 153]);
      expect(sent[1]?.[1]).toMatchObject({ ack: 4 });
    });
  });

  it('refuses an ackEvery the ack bitfield cannot cover', () => {
    const options = { decode: decodePackage, encode: () => undefined, send: () => undefined };
    expect(() => exchangePackages({ ...options, ackEvery: 0 })).toThrow(InvalidArgumentError);
    expect(() => exchangePackages({ ...options, ackEvery: 33 })).toThrow(
      'ackEvery must be at most 32',
    );
    expect(() => exchangePackages({ ...options, ackEvery: 1.5 })).toThrow(InvalidArgumentError);
  });

  it('follows the sequence numbers across the wrap, both ways', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run, sent } = exchange(scheduler, { firstSequence: 65535 });
      const datagrams = cold('-a-b-c-d', {
        a: datagram(65534),
        b: datagram(1),
        c: datagram(65535),
        // Acks our first package, 65535, sent at 0.
        d: datagram(2, 65535),
      });
      expectObservable(run(datagrams), '^ 30ms !').toBe('qa-b-c-(de)', {
        q: GOOD,
        a: 'r65534',
        b: 'r1',
        c: 'r65535 late',
        d: 'r2',
        e: 'a65535 rtt 7 latency 0.7',
      });
      scheduler.flush();
      expect(sent.map(([, header]) => header.sequence)).toEqual([65535, 1]);
      // 1, 65535 and 65534 are 1, 2 and 3 behind 2: bits 31, 30 and 29.
      expect(sent[1]?.[1]).toEqual({
        sequence: 1,
        ack: 2,
        ackBitfield: (2 ** 31 + 2 ** 30 + 2 ** 29) >>> 0,
      });
    });
  });

  it('ends silent when nothing decodable came for the connection timeout', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const { run } = exchange(scheduler, { connectionTimeoutMs: 50 });
      // Garbage is no sign of life; a duplicate is.
      const datagrams = cold('- 9ms a 9ms a 9ms g', { a: datagram(1), g: GARBAGE });
      expectObservable(run(datagrams)).toBe('q 9ms r 9ms d 9ms g 39ms (s|)', {
        q: GOOD,
        r: 'r1',
        d: 'duplicate 1',
        g: 'dropped ERR_PROTOCOL_ID_MISMATCH',
        s: 'silent 50',
      });
      expectSubscriptions(datagrams.subscriptions).toBe('^ 69ms !');
    });
  });

  it('neither decodes nor hears a datagram admit refuses, and signals nothing of it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const asked: number[] = [];
      // Refuses the second datagram: a package seen, garbage, and the one package after it.
      const { run } = exchange(scheduler, {
        connectionTimeoutMs: 50,
        admit: (datagram) => {
          asked.push(datagram.length);
          return asked.length !== 2;
        },
      });
      const datagrams = cold('- 9ms a 9ms b 9ms c', { a: datagram(1), b: datagram(2), c: GARBAGE });
      // Silent 50 ms after the package admitted: the refused one is no sign of life.
      expectObservable(run(datagrams)).toBe('q 9ms r 19ms g 29ms (s|)', {
        q: GOOD,
        r: 'r1',
        g: 'dropped ERR_PROTOCOL_ID_MISMATCH',
        s: 'silent 50',
      });
      expectSubscriptions(datagrams.subscriptions).toBe('^ 59ms !');
      scheduler.flush();
      expect(asked).toEqual([datagram(1).length, datagram(2).length, GARBAGE.length]);
    });
  });

  it('does not end when its source completes, and errors with it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { run } = exchange(scheduler, { connectionTimeoutMs: 50 });
      expectObservable(run(cold('-a|', { a: datagram(1) }))).toBe('qr 49ms (s|)', {
        q: GOOD,
        r: 'r1',
        s: 'silent 50',
      });
      expectObservable(run(cold('-#', undefined, new Error('socket closed')))).toBe(
        'q#',
        { q: GOOD },
        new Error('socket closed'),
      );
    });
  });

  it('errors with what the decoder throws that is not a named error, and with what send throws', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const bug = new TypeError('bug');
      const decoding = exchange(scheduler, {
        decode: () => {
          throw bug;
        },
      });
      expectObservable(decoding.run(cold('-a', { a: datagram(1) }))).toBe('q#', { q: GOOD }, bug);
      const sending = exchange(scheduler, {
        send: () => {
          throw bug;
        },
      });
      expectObservable(sending.run(cold('-'))).toBe('(q#)', { q: GOOD }, bug);
    });
  });

  it('reports what send throws once the exchange has ended, as RxJS reports what nobody takes', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 1000);
    const reported: unknown[] = [];
    const onUnhandledError = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const late = new Error('send threw after the end');
      let sends = 0;
      const errors: unknown[] = [];
      const subscription: Subscription = NEVER.pipe(
        exchangePackages({
          decode: decodePackage,
          encode: (header) => encodePackage({ header, events: [] }),
          send: () => {
            if (++sends < 2) return;
            subscription.unsubscribe();
            throw late;
          },
          scheduler,
        }),
      ).subscribe({ error: (error: unknown) => errors.push(error) });
      scheduler.flush();
      expect(sends).toBe(2);
      expect(errors).toEqual([]);
      // RxJS reports it on a timer of its own.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(reported).toEqual([late]);
    } finally {
      config.onUnhandledError = onUnhandledError;
    }
  });

  it('sends nothing and uses no sequence number when encode has nothing to send', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      let calls = 0;
      const { run, sent } = exchange(scheduler, {
        encode: (header) => (++calls % 2 === 0 ? encodePackage({ header, events: [] }) : undefined),
      });
      expectObservable(run(cold('-')), '^ 80ms !').toBe('q', { q: GOOD });
      scheduler.flush();
      expect(sent.map(([time, header]) => [time, header.sequence])).toEqual([
        [25, 1],
        [75, 2],
      ]);
    });
  });

  it('cancels every timer it set when unsubscribed', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 100_000);
    const timers: Subscription[] = [];
    const view: SchedulerLike = {
      now: () => scheduler.now(),
      schedule: (...args: Parameters<SchedulerLike['schedule']>) => {
        const timer = scheduler.schedule(...args);
        timers.push(timer);
        return timer;
      },
    };
    const datagrams = new Subject<Uint8Array>();
    const { run, sent } = exchange(view, { urgent$: NEVER, scheduler: view });
    const subscription = run(datagrams).subscribe();
    // A package pending its ack, the beat, the silence and the congestion checks all set timers.
    scheduler.schedule(() => datagrams.next(datagram(1, 0, 0, [EVENT])), 10);
    scheduler.schedule(() => subscription.unsubscribe(), 600);
    scheduler.flush();
    expect(timers.length).toBeGreaterThan(4);
    expect(timers.every((timer) => timer.closed)).toBe(true);
    expect(sent.at(-1)?.[0]).toBeLessThan(600);
    expect(scheduler.now()).toBeLessThanOrEqual(600);
    expect(datagrams.observed).toBe(false);
  });
});
