import { BehaviorSubject, Subject, VirtualAction, VirtualTimeScheduler, of } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { TIME_WRAP } from '../../lib/util/wrappedTime';
import { Pacer, paceSends } from '../../lib/operators/paceSends';
import { TimerWheel } from '../../lib/util/timerWheel';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { testScheduler } from '../helpers/marbles';

describe('paceSends', () => {
  it('sends at once, then every interval as a keepalive', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const urgent = hot('-');
      const interval = cold('a', { a: 80 });
      expectObservable(urgent.pipe(paceSends(interval)), '^ 200ms !').toBe('a 79ms b 79ms c', {
        a: 0,
        b: 1,
        c: 2,
      });
      expectSubscriptions(urgent.subscriptions).toBe('^ 200ms !');
      expectSubscriptions(interval.subscriptions).toBe('^ 200ms !');
    });
  });

  it('sends an urgent package at once when an eighth of the interval has passed', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const urgent = hot('- 29ms u', { u: 1 });
      const interval = cold('a', { a: 80 });
      // sends at 0 and, urgently, at 30; the keepalive then counts from 30: 110
      expectObservable(urgent.pipe(paceSends(interval)), '^ 150ms !').toBe('a 29ms b 79ms c', {
        a: 0,
        b: 1,
        c: 2,
      });
    });
  });

  it('holds an urgent package until an eighth of the interval has passed, and sends once for many', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const urgent = hot('--uuu', { u: 1 });
      const interval = cold('a', { a: 80 });
      // sent at 0; the requests at 2..4 wait for 10, then the keepalive counts from 10
      expectObservable(urgent.pipe(paceSends(interval)), '^ 100ms !').toBe('a 9ms b 79ms c', {
        a: 0,
        b: 1,
        c: 2,
      });
    });
  });

  it('follows a new interval, counted from the last send', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const urgent = hot('-');
      const interval = cold('a 9ms b', { a: 80, b: 40 });
      expectObservable(urgent.pipe(paceSends(interval)), '^ 100ms !').toBe('a 39ms b 39ms c', {
        a: 0,
        b: 1,
        c: 2,
      });
    });
  });

  it('keeps an urgent send that is due sooner when the interval changes', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      // sent at 0; the request at 2 is due at 10; the interval changes to 160 at 5: still 10
      const urgent = hot('--u', { u: 1 });
      const interval = cold('a 4ms b', { a: 80, b: 160 });
      expectObservable(urgent.pipe(paceSends(interval)), '^ 100ms !').toBe('a 9ms b', {
        a: 0,
        b: 1,
      });
    });
  });

  it('errors on a send interval that is not positive', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const failed = hot('-').pipe(paceSends(cold('a', { a: 0 })));
      expectObservable(failed).toBe(
        '#',
        {},
        new InvalidArgumentError('a send interval must be positive, got 0 ms'),
      );
    });
  });

  it('runs its beat on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 100);
    const sends: number[] = [];
    new Subject<void>()
      .pipe(paceSends(of(40), scheduler))
      .subscribe(() => sends.push(scheduler.now()));
    scheduler.flush();
    expect(sends).toEqual([0, 40, 80]);
  });

  it('sets the timer of its beat again for each send, not a new one, and a new one when hurried', () => {
    const beneath = new VirtualTimeScheduler(VirtualAction, 200);
    const wheel = new TimerWheel(beneath);
    const schedule = jest.spyOn(wheel, 'schedule');
    const urgent = new Subject<void>();
    const sends: number[] = [];
    urgent.pipe(paceSends(of(40), wheel)).subscribe(() => sends.push(wheel.now()));
    beneath.schedule(() => urgent.next(), 90);
    beneath.flush();
    // The beat at 40 and 80 ran on the timer set at 0. The request at 90 was due at 85 already
    // (an eighth of 40 after 80), so it sent at once, and a new timer beat on from it.
    expect(sends).toEqual([0, 40, 80, 90, 130, 170]);
    expect(schedule).toHaveBeenCalledTimes(2);
  });

  /**
   * The sends of a 40 ms beat over 200 virtual ms on a clock that reads `clock(virtual time)`,
   * hurried at each of `requests`, at their virtual times.
   */
  function pacedOn(clock: (at: number) => number, requests: readonly number[]): number[] {
    const beneath = new VirtualTimeScheduler(VirtualAction, 200);
    const scheduler: SchedulerLike = {
      now: () => clock(beneath.now()),
      schedule: beneath.schedule.bind(beneath) as SchedulerLike['schedule'],
    };
    const urgent = new Subject<void>();
    const sends: number[] = [];
    urgent.pipe(paceSends(of(40), scheduler)).subscribe(() => sends.push(beneath.now()));
    for (const at of requests) beneath.schedule(() => urgent.next(), at);
    beneath.flush();
    return sends;
  }

  it('keeps its beat on a clock since 1970 that its times wrap past, hurried as ever', () => {
    // Now is a time since 1970 60 ms before the pacer's wrapped times start again at 0.
    const since1970 = Math.ceil(1_764_640_000_000 / TIME_WRAP) * TIME_WRAP - 60;
    // The request at 90 was due at 85 already: at once. The one at 131 waits for 135, an eighth
    // of 40 (5 ms) after the send at 130.
    expect(pacedOn((at) => since1970 + at, [90, 131])).toEqual([0, 40, 80, 90, 130, 135, 175]);
  });

  it('keeps its beat when its clock is set forward by days, hurried or not', () => {
    // A wall clock set a week forward at 50: the last send, at 40, looks days away to a wrap. The
    // request at 60 goes at once, and the beat goes on from it.
    const week = 7 * 24 * 3600 * 1000;
    expect(pacedOn((at) => at + (at >= 50 ? week : 0), [60])).toEqual([0, 40, 60, 100, 140, 180]);
  });

  it('follows an interval set from inside a send on a virtual scheduler, sending nothing extra', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 400);
    const intervals = new BehaviorSubject(40);
    const sends: number[] = [];
    new Subject<void>().pipe(paceSends(intervals, scheduler)).subscribe((n) => {
      sends.push(scheduler.now());
      if (n === 1) intervals.next(100);
    });
    scheduler.flush();
    expect(sends).toEqual([0, 40, 140, 240, 340]);
  });

  it('keeps its beat when the one it tells of a send throws', () => {
    const beneath = new VirtualTimeScheduler(VirtualAction, 200);
    const wheel = new TimerWheel(beneath);
    const sends: number[] = [];
    const pacer = new Pacer(
      {
        paced: () => {
          sends.push(wheel.now());
          if (sends.length === 2) throw new Error('boom');
        },
      },
      wheel,
    );
    pacer.setSendInterval(40);
    expect(() => beneath.flush()).toThrow('boom');
    // The wheel threw on; the virtual scheduler beneath dropped its timer: the next schedule
    // sets one, and the beat goes on from where it was.
    wheel.schedule(() => undefined, 1);
    beneath.flush();
    pacer.stop();
    expect(sends).toEqual([0, 40, 80, 120, 160, 200]);
  });

  it('sends nothing before the first interval, then takes an earlier request with the first send', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const urgent = hot('u', { u: 1 });
      const interval = cold('-- a', { a: 80 });
      expectObservable(urgent.pipe(paceSends(interval)), '^ 50ms !').toBe('--a', { a: 0 });
    });
  });

  it('completes when the requests complete, and passes on errors', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const done = cold('---|');
      const failed = cold('---#');
      const broken = cold('-', {});
      expectObservable(done.pipe(paceSends(cold('a', { a: 80 })))).toBe('a--|', { a: 0 });
      expectObservable(failed.pipe(paceSends(cold('a', { a: 80 })))).toBe('a--#', { a: 0 });
      expectObservable(broken.pipe(paceSends(cold('a-#', { a: 80 })))).toBe('a-#', { a: 0 });
      expectSubscriptions(done.subscriptions).toBe('^--!');
      expectSubscriptions(failed.subscriptions).toBe('^--!');
      expectSubscriptions(broken.subscriptions).toBe('^-!');
    });
  });

  it('completes at once on an empty source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold('|');
      expectObservable(empty.pipe(paceSends(cold('a', { a: 80 })))).toBe('(a|)', { a: 0 });
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
    });
  });

  it('cancels its timers when unsubscribed early', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const urgent = hot('-----u--', { u: 1 });
      const interval = cold('a', { a: 3 });
      expectObservable(urgent.pipe(paceSends(interval)), '----!').toBe('a--b-', { a: 0, b: 1 });
      expectSubscriptions(urgent.subscriptions).toBe('^---!');
      expectSubscriptions(interval.subscriptions).toBe('^---!');
    });
  });
});
