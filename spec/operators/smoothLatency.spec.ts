import { smoothLatency, smoothStep } from '../../lib/operators/smoothLatency';
import { testScheduler } from '../helpers/marbles';

describe('smoothLatency', () => {
  it('moves a tenth of the way to each round trip time, from 0', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-a-b|', { a: 100, b: 0 });
      expectObservable(e1.pipe(smoothLatency())).toBe('-x-y-z|', { x: 10, y: 19, z: 17.1 });
      expectSubscriptions(e1.subscriptions).toBe('^-----!');
    });
  });

  it('takes another weight', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-a|', { a: 100 }).pipe(smoothLatency(0.5))).toBe('-x-y|', {
        x: 50,
        y: 75,
      });
    });
  });

  it('completes on empty, stays silent on never, passes errors, stops when unsubscribed', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const empty = cold<number>('|');
      const never = cold<number>('-');
      const error = cold<number>('-a#', { a: 10 });
      const long = hot<number>('-a-a-a|', { a: 10 });
      expectObservable(empty.pipe(smoothLatency())).toBe('|');
      expectObservable(never.pipe(smoothLatency())).toBe('-');
      expectObservable(error.pipe(smoothLatency())).toBe('-x#', { x: 1 });
      expectObservable(long.pipe(smoothLatency()), '--!').toBe('-x-', { x: 1 });
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
      expectSubscriptions(error.subscriptions).toBe('^-!');
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
  });
});

describe('smoothStep', () => {
  it('is one step of smoothLatency: a tenth of the way to the round trip time', () => {
    expect(smoothStep(0, 40)).toBe(4);
    expect(smoothStep(4, 40)).toBe(7.6);
    expect(smoothStep(10, 0, 0.5)).toBe(5);
  });
});
