import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { whenSilent } from '../../lib/operators/whenSilent';
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
