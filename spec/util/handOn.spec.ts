import { Observable, Subject, Subscription, UnsubscriptionError, config, map } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { handOn, handTo } from '../../lib/util/handOn';

/** A handler that is never to be called: it throws what it is given. */
function unexpected(value: unknown): never {
  throw value instanceof Error ? value : new Error(`unexpected: ${String(value)}`);
}

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

  it('is torn down with the subscription it was added to, which ends nothing else', () => {
    testScheduler().run(({ hot, cold, expectSubscriptions, flush }) => {
      const values = hot('-a-b-c-|', { a: 1, b: 2, c: 3 });
      const other = cold('-------|');
      const seen: unknown[] = [];
      const outer = new Subscription();
      outer.add(
        values.pipe(map((value) => value * 10)).subscribe(
          handOn(
            (value) => seen.push(value),
            (error) => seen.push(error),
          ),
        ),
      );
      other.subscribe(handOn(() => undefined, unexpected));
      values.subscribe((value) => {
        if (value === 2) outer.unsubscribe();
      });
      flush();
      expect(seen).toEqual([10, 20]);
      expectSubscriptions(values.subscriptions).toBe(['^--!', '^------!']);
      expectSubscriptions(other.subscriptions).toBe('^------!');
    });
  });

  it('takes values from a Subject, and completes with no handler for it', () => {
    const subject = new Subject<number>();
    const seen: number[] = [];
    const subscription = subject.subscribe(handOn((value) => seen.push(value), unexpected));
    subject.next(1);
    subject.next(2);
    subject.complete();
    expect(seen).toEqual([1, 2]);
    expect(subscription.closed).toBe(true);
    expect(subject.observed).toBe(false);
  });

  describe('reports what it cannot hand on, never throwing it back into the source', () => {
    let reported: unknown[];
    // RxJS reports on a timer of its own: the fake timers run it.
    beforeEach(() => {
      jest.useFakeTimers();
      reported = [];
      config.onUnhandledError = (error) => reported.push(error);
    });
    afterEach(() => {
      config.onUnhandledError = null;
      jest.useRealTimers();
    });

    it('an error handler that throws, after which the other subscribers still get the value', () => {
      const subject = new Subject<number>();
      const seen: number[] = [];
      const bug = new Error('the error handler failed');
      subject.subscribe(
        handOn(
          () => {
            throw new Error('the next handler failed');
          },
          () => {
            throw bug;
          },
        ),
      );
      subject.subscribe((value) => seen.push(value));
      expect(() => subject.next(1)).not.toThrow();
      expect(seen).toEqual([1]);
      jest.runAllTimers();
      expect(reported).toEqual([bug]);
    });

    it('a complete handler that throws', () => {
      const subject = new Subject<number>();
      const bug = new Error('the complete handler failed');
      const subscription = subject.subscribe(
        handOn(
          () => undefined,
          unexpected,
          () => {
            throw bug;
          },
        ),
      );
      expect(() => subject.complete()).not.toThrow();
      expect(subscription.closed).toBe(true);
      jest.runAllTimers();
      expect(reported).toEqual([bug]);
    });

    it('a next handler that ended its own subscription before it threw', () => {
      const subject = new Subject<number>();
      const errors: unknown[] = [];
      const bug = new Error('thrown after the end');
      const subscription: Subscription = subject.subscribe(
        handOn(
          () => {
            subscription.unsubscribe();
            throw bug;
          },
          (error) => errors.push(error),
        ),
      );
      subject.next(1);
      expect(errors).toEqual([]);
      jest.runAllTimers();
      expect(reported).toEqual([bug]);
    });
  });

  it('tells its error handler before its teardown runs, so a teardown that throws cannot keep it from it', () => {
    const order: string[] = [];
    let source: Subscriber<number> | undefined;
    const values = new Observable<number>((subscriber) => {
      source = subscriber;
      return () => {
        order.push('teardown');
        throw new Error('the teardown failed');
      };
    });
    values.subscribe(handOn(unexpected, () => order.push('error handler')));
    expect(() => source?.error(new Error('the source failed'))).toThrow(UnsubscriptionError);
    expect(order).toEqual(['error handler', 'teardown']);
  });
});

describe('handTo', () => {
  it("hands each value to its handler's method, and what that throws to the error handler", () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const values = cold('-a-b-c-|', { a: 1, b: 2, c: 3 });
      const seen: unknown[] = [];
      const failure = new Error('a bug in the handler');
      const handler = {
        handle(value: number): void {
          if (value === 3) throw failure;
          seen.push(`${value} to ${this === handler ? 'the handler' : 'another'}`);
        },
      };
      values.subscribe(handTo(handler, (error) => seen.push(error)));
      flush();
      expect(seen).toEqual(['1 to the handler', '2 to the handler', failure]);
      expectSubscriptions(values.subscriptions).toBe('^----!');
    });
  });

  it('hands on the error and the completion to their handlers', () => {
    testScheduler().run(({ cold, expectSubscriptions, flush }) => {
      const failed = cold('-a-#', { a: 1 });
      const done = cold('-a-|', { a: 1 });
      const seen: string[] = [];
      const handler = { handle: (value: number) => void seen.push(`next ${value}`) };
      failed.subscribe(handTo(handler, (error) => seen.push(`error ${String(error)}`)));
      done.subscribe(handTo(handler, unexpected, () => seen.push('complete')));
      flush();
      expect(seen).toEqual(['next 1', 'next 1', 'error error', 'complete']);
      expectSubscriptions(failed.subscriptions).toBe('^--!');
      expectSubscriptions(done.subscriptions).toBe('^--!');
    });
  });
});
