import fc from 'fast-check';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { AckOutcome, SentPackage } from '../../lib/operators/resolveAcks';
import { PendingAcks, resolveAcks } from '../../lib/operators/resolveAcks';
import type { Header } from '../../lib/protocol/header';
import { acknowledges } from '../../lib/protocol/header';
import { TIME_WRAP } from '../../lib/util/wrappedTime';
import { testScheduler } from '../helpers/marbles';

const h = (ack: number, bits = 0): Header => ({ sequence: 1, ack, ackBitfield: bits >>> 0 });
const sent = (sequence: number): SentPackage => ({ sequence });
const acked = (sequence: number, rttMs: number): AckOutcome => ({ kind: 'acked', sequence, rttMs });
const timedOut = (sequence: number): AckOutcome => ({ kind: 'timedOut', sequence });

/** Pending acks with `timeoutMs` on `scheduler`, and the outcomes they tell, in order. */
function recording(timeoutMs: number, scheduler: VirtualTimeScheduler) {
  const outcomes: AckOutcome[] = [];
  const acks = new PendingAcks(
    {
      acked: (sequence, rttMs) => outcomes.push(acked(sequence, rttMs)),
      timedOut: (sequence) => outcomes.push(timedOut(sequence)),
    },
    timeoutMs,
    scheduler,
  );
  return { acks, outcomes };
}

describe('resolveAcks', () => {
  it('acks a package by the ack field, with its round trip time', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const sent$ = hot('  -s--------', { s: sent(1) });
      const headers = cold('----a-----', { a: h(1) });
      const expected = '    ----x-----';
      expectObservable(headers.pipe(resolveAcks(sent$, 1000))).toBe(expected, { x: acked(1, 3) });
      expectSubscriptions(headers.subscriptions).toBe('^---------');
    });
  });

  it("resolves PyGaSe's case: pending 2, 3, 4, 5 and ack 4 with bits 01 leave 3 and 5", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const sent$ = hot('  (wxyz)------', { w: sent(2), x: sent(3), y: sent(4), z: sent(5) });
      const headers = hot('---a--------', { a: h(4, 0b01 << 30) });
      const expected = '   ---(bc)-----';
      expectObservable(headers.pipe(resolveAcks(sent$, 1000)), '^ 20ms !').toBe(expected, {
        b: acked(2, 3),
        c: acked(4, 3),
      });
    });
  });

  it('uses all 32 bits of the bitfield: bit 0 acks ack - 32', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const sent$ = hot('  s---', { s: sent(68) });
      const headers = hot('--a-', { a: h(100, 1) });
      expectObservable(headers.pipe(resolveAcks(sent$, 1000))).toBe('--x-', { x: acked(68, 2) });
    });
  });

  it('times a package out on the scheduler, though nothing arrives', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const sent$ = hot('-s-t', { s: sent(1), t: sent(2) });
      const headers = cold<Header>('-');
      expectObservable(headers.pipe(resolveAcks(sent$, 10))).toBe('-- 9ms x-y', {
        x: timedOut(1),
        y: timedOut(2),
      });
    });
  });

  it('ignores an ack after the timeout, and a second ack', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const sent$ = hot('  s-t--------------', { s: sent(1), t: sent(2) });
      const headers = hot('--b-b- 10ms a----', { a: h(1), b: h(2) });
      expectObservable(headers.pipe(resolveAcks(sent$, 5))).toBe('--x--y-----------', {
        x: acked(2, 0),
        y: timedOut(1),
      });
    });
  });

  it('times out what is pending even after the headers ended', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const sent$ = hot('-s---', { s: sent(1) });
      const headers = cold<Header>('--|');
      expectObservable(headers.pipe(resolveAcks(sent$, 5)), '^ 10ms !').toBe('------x', {
        x: timedOut(1),
      });
    });
  });

  it('runs its timeouts on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const outcomes: [number, AckOutcome][] = [];
    const sent$ = new Subject<SentPackage>();
    new Subject<Header>()
      .pipe(resolveAcks(sent$, 1000, scheduler))
      .subscribe((outcome) => outcomes.push([scheduler.now(), outcome]));
    sent$.next(sent(7));
    scheduler.flush();
    expect(outcomes).toEqual([[1000, timedOut(7)]]);
  });

  it('times out the next package on time when the one before it was acked', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const sent$ = hot('  s--t------------', { s: sent(1), t: sent(2) });
      const headers = hot('----a-----------', { a: h(1) });
      const expected = '   ----x--------y--';
      expectObservable(headers.pipe(resolveAcks(sent$, 10)), '^ 15ms !').toBe(expected, {
        x: acked(1, 4),
        y: timedOut(2),
      });
      expectSubscriptions(headers.subscriptions).toBe('^---------------!');
    });
  });

  it('keeps one timer for any number of pending packages', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const sent$ = new Subject<SentPackage>();
    const outcomes: AckOutcome[] = [];
    new Subject<Header>()
      .pipe(resolveAcks(sent$, 1000, scheduler))
      .subscribe((outcome) => outcomes.push(outcome));
    for (let sequence = 1; sequence <= 100; sequence++) sent$.next(sent(sequence));
    expect(scheduler.actions).toHaveLength(1);
    scheduler.flush();
    expect(outcomes).toEqual(Array.from({ length: 100 }, (_, i) => timedOut(i + 1)));
  });

  it('completes once the sources ended and the last pending package timed out', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const sent$ = cold('s|', { s: sent(1) });
      const headers = cold<Header>('--|');
      expectObservable(headers.pipe(resolveAcks(sent$, 5))).toBe('-----(x|)', { x: timedOut(1) });
    });
  });

  it('emits nothing for headers when nothing was sent, and completes with both sources', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const sent$ = cold<SentPackage>('---|');
      const headers = cold('-a-a|', { a: h(1) });
      expectObservable(headers.pipe(resolveAcks(sent$, 5))).toBe('----|');
      expectSubscriptions(headers.subscriptions).toBe('^---!');
    });
  });

  it('completes on empty sources, stays silent on never', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Header>('|');
      const never = cold<Header>('-');
      expectObservable(empty.pipe(resolveAcks(cold<SentPackage>('|'), 5))).toBe('|');
      expectObservable(never.pipe(resolveAcks(cold<SentPackage>('-'), 5))).toBe('-');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
    });
  });

  it('passes on an error of the headers or of the sent packages', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const headers = cold<Header>('--#');
      expectObservable(headers.pipe(resolveAcks(hot<SentPackage>('s', { s: sent(1) }), 5))).toBe(
        '--#',
      );
      expectSubscriptions(headers.subscriptions).toBe('^-!');
      const more = cold<Header>('-');
      expectObservable(more.pipe(resolveAcks(cold<SentPackage>('---#'), 5))).toBe('---#');
      expectSubscriptions(more.subscriptions).toBe('^--!');
    });
  });

  it('cancels its timers when unsubscribed early', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const sent$ = hot('  s-------', { s: sent(1) });
      const headers = hot<Header>('--------');
      expectObservable(headers.pipe(resolveAcks(sent$, 5)), '--!').toBe('---');
      expectSubscriptions(headers.subscriptions).toBe('^-!');
      expectSubscriptions(sent$.subscriptions).toBe('^-!');
    });
  });
});

/** PendingAcks timing out after 100 ms in virtual time, each outcome noted with its time. */
function recorded() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const outcomes: [number, AckOutcome][] = [];
  const acks = new PendingAcks(
    {
      acked: (sequence, rttMs) => outcomes.push([scheduler.now(), acked(sequence, rttMs)]),
      timedOut: (sequence) => outcomes.push([scheduler.now(), timedOut(sequence)]),
    },
    100,
    scheduler,
  );
  return { scheduler, outcomes, acks };
}

describe('PendingAcks', () => {
  it('tells each outcome as it is known: acks as headers come, timeouts on the scheduler', () => {
    const { scheduler, outcomes, acks } = recorded();
    acks.sent(1);
    scheduler.schedule(() => acks.sent(2), 10);
    scheduler.schedule(() => acks.sent(3), 20);
    scheduler.schedule(() => acks.receive(h(3, 1 << 31)), 30); // acks 3, and 2 by bit 31
    scheduler.flush();
    expect(outcomes).toEqual([
      [30, acked(2, 20)],
      [30, acked(3, 10)],
      [100, timedOut(1)],
    ]);
    expect(acks.size).toBe(0);
  });

  it("keeps each package's send time when it moves the pending ones to the front", () => {
    const { scheduler, outcomes, acks } = recorded();
    acks.sent(1);
    scheduler.schedule(() => acks.sent(2), 50);
    // 1 timed out at 100: 3 goes where the arrays end, and 2 moves to the front.
    scheduler.schedule(() => acks.sent(3), 120);
    scheduler.schedule(() => acks.receive(h(2)), 130);
    scheduler.flush();
    expect(outcomes).toEqual([
      [100, timedOut(1)],
      [130, acked(2, 80)],
      [220, timedOut(3)],
    ]);
  });

  it('tells what a plain list of the packages sent would, on random runs, resends in handlers too', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), resendOnTimeout: fc.boolean() }),
      fc.record({
        kind: fc.constant('header' as const),
        back: fc.nat(40),
        bits: fc.integer({ min: 0, max: 0xffffffff }),
      }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 150 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 150 }), (steps) => {
        const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
        let resend = false;
        const horizon = steps.reduce((ms, s) => ms + (s.kind === 'wait' ? s.ms : 0), 0) + 500;
        // The same sends, headers and timeouts for PendingAcks and for a plain list.
        const run = (make: (outcomes: Outcomes) => Acks) => {
          const told: [number, AckOutcome][] = [];
          let next = 1;
          const acks: Acks = make({
            acked: (sequence, rttMs) => told.push([scheduler.now(), acked(sequence, rttMs)]),
            timedOut: (sequence) => {
              told.push([scheduler.now(), timedOut(sequence)]);
              // A handler that sends again, as a connection resending an event does, for a while.
              if (resend && scheduler.now() < horizon) acks.sent(next++);
            },
          });
          return { told, acks, send: () => acks.sent(next++), last: () => next - 1 };
        };
        const real = run((outcomes) => new PendingAcks(outcomes, 100, scheduler));
        const plain = run((outcomes) => new PlainAcks(outcomes, 100, scheduler));
        let at = 0;
        for (const s of steps) {
          if (s.kind === 'wait') at += s.ms;
          scheduler.schedule(() => {
            for (const side of [real, plain]) {
              if (s.kind === 'send') {
                resend = s.resendOnTimeout;
                side.send();
              } else if (s.kind === 'header') {
                const ack = Math.max(1, side.last() - s.back);
                side.acks.receive({ sequence: 1, ack, ackBitfield: s.bits });
              }
            }
          }, at);
        }
        scheduler.flush();
        expect(real.told).toEqual(plain.told);
        expect(real.acks.size).toBe(0);
      }),
    );
  });

  it('times nothing out once stopped, though packages were pending', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const { acks, outcomes } = recording(100, scheduler);
    acks.sent(1);
    acks.stop();
    acks.sent(2);
    scheduler.flush();
    expect(outcomes).toEqual([]);
    expect(scheduler.now()).toBe(0);
  });
});

type Outcomes = ConstructorParameters<typeof PendingAcks>[0];
interface Acks {
  sent(sequence: number): void;
  receive(header: Header): void;
  readonly size: number;
}

/** The packages pending as a plain list of objects, filtered and shifted: what PendingAcks must tell. */
class PlainAcks implements Acks {
  private pending: { sequence: number; sentAt: number }[] = [];
  private timer: { unsubscribe(): void } | undefined;
  private expiring = false;

  constructor(
    private readonly outcomes: Outcomes,
    private readonly timeoutMs: number,
    private readonly scheduler: VirtualTimeScheduler,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  sent(sequence: number): void {
    this.pending.push({ sequence, sentAt: this.scheduler.now() });
    this.setTimer();
  }

  receive(header: Header): void {
    const hit = this.pending.filter((p) => acknowledges(header, p.sequence));
    this.pending = this.pending.filter((p) => !acknowledges(header, p.sequence));
    const now = this.scheduler.now();
    for (const p of hit) this.outcomes.acked(p.sequence, now - p.sentAt);
  }

  private setTimer(): void {
    const oldest = this.pending[0];
    if (this.timer !== undefined || this.expiring || oldest === undefined) return;
    this.timer = this.scheduler.schedule(
      () => this.expire(),
      oldest.sentAt + this.timeoutMs - this.scheduler.now(),
    );
  }

  private expire(): void {
    this.timer = undefined;
    this.expiring = true;
    const now = this.scheduler.now();
    for (let p = this.pending[0]; p && p.sentAt + this.timeoutMs <= now; p = this.pending[0]) {
      this.pending.shift();
      this.outcomes.timedOut(p.sequence);
    }
    this.expiring = false;
    this.setTimer();
  }
}

describe('PendingAcks across the wrap of its kept times', () => {
  it('gives the round trip and times out as ever when the clock passes 2^30 ms', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    scheduler.frame = TIME_WRAP - 10;
    const { acks, outcomes } = recording(1000, scheduler);
    acks.sent(1);
    scheduler.schedule(() => acks.sent(2), 5);
    scheduler.schedule(() => acks.receive(h(1)), 25);
    scheduler.flush();
    // 1 was sent 10 ms before the wrap and acked 15 ms after it; 2 timed out 1 s after it left.
    expect(outcomes).toEqual([acked(1, 25), timedOut(2)]);
    expect(scheduler.now()).toBe(TIME_WRAP - 10 + 1005);
  });
});
