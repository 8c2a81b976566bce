import { Subject, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { handOn } from '../../lib/util/handOn';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('handOn', () => {
  it('hands each value, the error and the completion to its handlers, and leaves the source with them', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const values = cold('-a-b-#', { a: 1, b: 2 });
      const done = cold('-a-|', { a: 1 });
      const seen: string[] = [];
      values.subscribe(
        handOn(
          (value) => seen.push(`next ${value}`),
          (error) => seen.push(`error ${String(error)}`),
        ),
      );
      done.subscribe(
        handOn(
          (value) => seen.push(`next ${value}`),
          () => seen.push('not an error'),
          () => seen.push('complete'),
        ),
      );
      flush();
      expect(seen).toEqual(['next 1', 'next 1', 'next 2', 'complete', 'error error']);
      expectSubscriptions(values.subscriptions).toBe('^----!');
      expectSubscriptions(done.subscriptions).toBe('^--!');
    });
  });

  it('sends what the next handler throws to the error handler, and unsubscribes from the source', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const values = cold('-a-b-c-|', { a: 1, b: 2, c: 3 });
      const seen: unknown[] = [];
      const failure = new Error('a bug in the handler');
      values.subscribe(
        handOn(
          (value) => {
            if (value === 2) throw failure;
            seen.push(value);
          },
          (error) => seen.push(error),
          () => seen.push('complete'),
        ),
      );
      flush();
      expect(seen).toEqual([1, failure]);
      expectSubscriptions(values.subscriptions).toBe('^--!');
    });
  });

  it('is torn down by unsubscribing, which ends nothing else', () => {
    testScheduler().run(({ hot, expectSubscriptions, flush }) => {
      const values = hot('-a-b-c-|', { a: 1, b: 2, c: 3 });
      const seen: unknown[] = [];
      const subscription = values.pipe(map((value) => value * 10)).subscribe(
        handOn(
          (value) => seen.push(value),
          (error) => seen.push(error),
          () => seen.push('complete'),
        ),
      );
      const ends = new Subject<void>();
      ends.subscribe(() => subscription.unsubscribe());
      values.subscribe((value) => {
        if (value === 2) ends.next();
      });
      flush();
      expect(seen).toEqual([10, 20]);
      expect(subscription.closed).toBe(true);
      expectSubscriptions(values.subscriptions).toBe(['^--!', '^------!']);
    });
  });
});
