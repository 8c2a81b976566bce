import { Subject, config, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Multicast } from '../../lib/util/multicast';

describe('Multicast', () => {
  it('emits as a Subject does to subscribers that come and go over time', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
      ({ cold, expectObservable }) => {
        const multicast = new Multicast<string>();
        const subject = new Subject<string>();
        cold('-a-b-c-d-|').subscribe({
          next: (value) => {
            multicast.next(value);
            subject.next(value);
          },
          complete: () => {
            multicast.complete();
            subject.complete();
          },
        });
        for (const subscription of ['^', '--^-!', '----^', '----------^']) {
          expectObservable(multicast.observable, subscription).toBe(expectedFor(subscription));
          expectObservable(subject, subscription).toBe(expectedFor(subscription));
        }
      },
    );

    /** What a subscriber over `subscription` gets of `-a-b-c-d-|`. */
    function expectedFor(subscription: string): string {
      return {
        '^': '-a-b-c-d-|',
        '--^-!': '---b',
        '----^': '-----c-d-|',
        '----------^': '----------|',
      }[subscription] as string;
    }
  });

  it('hands a value to those subscribed when it came, not to one that subscribed meanwhile', () => {
    const multicast = new Multicast<number>();
    const seen: string[] = [];
    multicast.observable.subscribe((value) => {
      seen.push(`first ${value}`);
      if (value === 1) multicast.observable.subscribe((later) => seen.push(`later ${later}`));
    });
    multicast.next(1);
    multicast.next(2);
    expect(seen).toEqual(['first 1', 'first 2', 'later 2']);
  });

  it('lets a subscriber go in the middle of a value, the others still getting it', () => {
    const multicast = new Multicast<number>();
    const seen: string[] = [];
    multicast.observable.pipe(take(1)).subscribe((value) => seen.push(`once ${value}`));
    multicast.observable.subscribe((value) => seen.push(`always ${value}`));
    expect(multicast.observed).toBe(true);
    multicast.next(1);
    multicast.next(2);
    expect(seen).toEqual(['once 1', 'always 1', 'always 2']);
  });

  it('tells whether anyone subscribes, and keeps no one once completed', () => {
    const multicast = new Multicast<number>();
    expect(multicast.observed).toBe(false);
    const subscription = multicast.observable.subscribe();
    expect(multicast.observed).toBe(true);
    subscription.unsubscribe();
    expect(multicast.observed).toBe(false);
    multicast.observable.subscribe();
    multicast.complete();
    expect(multicast.observed).toBe(false);
  });

  it('keeps handing on after a subscriber throws, which RxJS reports', () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (error) => reported.push(error);
    jest.useFakeTimers();
    try {
      const multicast = new Multicast<number>();
      const seen: number[] = [];
      multicast.observable.subscribe(() => {
        throw new Error('bug');
      });
      multicast.observable.subscribe((value) => seen.push(value));
      multicast.next(1);
      multicast.next(2);
      jest.runAllTimers();
      expect(seen).toEqual([1, 2]);
      expect(reported).toEqual([new Error('bug'), new Error('bug')]);
    } finally {
      config.onUnhandledError = null;
      jest.useRealTimers();
    }
  });

  it('emits nothing once completed', () => {
    const multicast = new Multicast<number>();
    const seen: string[] = [];
    multicast.observable.subscribe({
      next: (value) => seen.push(`${value}`),
      complete: () => seen.push('done'),
    });
    multicast.complete();
    multicast.complete();
    multicast.next(1);
    expect(seen).toEqual(['done']);
  });
});
