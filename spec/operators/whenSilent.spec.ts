import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { SilenceTimer, whenSilent } from '../../lib/operators/whenSilent';
import { TIME_WRAP } from '../../lib/util/wrappedTime';
import { testScheduler } from '../helpers/marbles';

describe('whenSilent', () => {
  it('emits once the source has been silent for the timeout, from subscription', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-');
      expectObservable(e1.pipe(whenSilent(5))).toBe('-----(x|)', { x: 5 });
      expectSubscriptions(e1.subscriptions).toBe('^----!');
    });
  });

  it('starts the silence again with each value', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('--a--a--------', { a: 1 });
      expectObservable(e1.pipe(whenSilent(5))).toBe('---------- (x|)', { x: 5 });
      expectSubscriptions(e1.subscriptions).toBe('^---------!');
    });
  });

  it('counts the silence on after the source completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', { a: 1 }).pipe(whenSilent(3))).toBe('----(x|)', { x: 3 });
      expectObservable(cold('|').pipe(whenSilent(3))).toBe('---(x|)', { x: 3 });
    });
  });

  it('runs its timer on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const at: number[] = [];
    new Subject<void>().pipe(whenSilent(5000, scheduler)).subscribe(() => at.push(scheduler.now()));
    scheduler.flush();
    expect(at).toEqual([5000]);
  });

  it('passes on an error, and cancels its timer when unsubscribed early', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const error = cold('-#');
      const long = hot('-a-a-a-a-a-a-a', { a: 1 });
      expectObservable(error.pipe(whenSilent(5))).toBe('-#');
      expectObservable(long.pipe(whenSilent(2)), '---!').toBe('----');
      expectSubscriptions(error.subscriptions).toBe('^!');
      expectSubscriptions(long.subscriptions).toBe('^--!');
    });
  });
});

describe('SilenceTimer', () => {
  /** A virtual scheduler, and how many timers were set on it through the view given out. */
  function counted() {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    let timers = 0;
    const view: SchedulerLike = {
      now: () => scheduler.now(),
      schedule: (...args: Parameters<SchedulerLike['schedule']>) => {
        timers++;
        return scheduler.schedule(...args);
      },
    };
    return { scheduler, view, timers: () => timers };
  }

  it('calls back once the last sign of life is the timeout ago, with one timer a silence', () => {
    const { scheduler, view, timers } = counted();
    const silent: number[] = [];
    const silence = new SilenceTimer(() => silent.push(scheduler.now()), 5000, view);
    for (let t = 100; t <= 3000; t += 100) scheduler.schedule(() => silence.heard(), t);
    scheduler.flush();
    expect(silent).toEqual([8000]);
    // The first timer, and at 5000 one more for the rest of the silence: not one per package.
    expect(timers()).toBe(2);
  });

  it('calls back at the timeout when nothing is heard, and never once stopped', () => {
    const { scheduler, view } = counted();
    const silent: string[] = [];
    new SilenceTimer(() => silent.push(`first at ${scheduler.now()}`), 5000, view);
    const stopped = new SilenceTimer(() => silent.push('stopped'), 5000, view);
    scheduler.schedule(() => stopped.stop(), 4000);
    scheduler.flush();
    expect(silent).toEqual(['first at 5000']);
  });

  it('counts the silence as ever when the clock passes 2^30 ms', () => {
    const { scheduler, view } = counted();
    scheduler.frame = TIME_WRAP - 1000;
    const silent: number[] = [];
    const silence = new SilenceTimer(() => silent.push(scheduler.now()), 5000, view);
    scheduler.schedule(() => silence.heard(), 3000);
    scheduler.flush();
    expect(silent).toEqual([TIME_WRAP - 1000 + 8000]);
  });
});
