import {
  Subject,
  catchError,
  endWith,
  ignoreElements,
  map,
  mergeMap,
  of,
  startWith,
  take,
} from 'rxjs';
import type { Observable, ObservableInput } from 'rxjs';
import { demultiplex } from '../../lib/operators/demultiplex';
import type { Demultiplexed } from '../../lib/operators/demultiplex';
import { testScheduler } from '../helpers/marbles';
import { InvalidArgumentError } from '../../lib/protocol/errors';

/** Values are `key` then `element`: `x1` is element `1` for key `x`. */
const split = (ends?: (group: Demultiplexed<string, string, string>) => ObservableInput<unknown>) =>
  demultiplex((value: string) => value.charAt(0), {
    element: (value) => value.slice(1),
    ...(ends !== undefined && { ends }),
  });

/** Each group's elements as `key` and element, and `key!` when the group completes. */
const flat = (groups: Observable<Demultiplexed<string, string, string>>): Observable<string> =>
  groups.pipe(
    mergeMap((group) =>
      group.pipe(
        map((element) => `${group.key}${element}`),
        endWith(`${group.key}!`),
      ),
    ),
  );

const values = { a: 'x1', b: 'y1', c: 'x2', d: 'y2', e: 'x3' };

describe('demultiplex', () => {
  it('emits nothing for an empty source, and completes with it', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('|');
      expectObservable(e1.pipe(split())).toBe('|');
      expectSubscriptions(e1.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing for a source that never emits', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-');
      expectObservable(e1.pipe(split())).toBe('-');
      expectSubscriptions(e1.subscriptions).toBe('^');
    });
  });

  it('opens a group for each key as its first value comes', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', values);
      const keys = e1.pipe(
        split(),
        // Subscribed as emitted, as a group must be, and kept open.
        mergeMap((group) => group.pipe(ignoreElements(), startWith(group.key))),
      );
      expectObservable(keys).toBe('-x-y-------|');
      expectSubscriptions(e1.subscriptions).toBe('^----------!');
    });
  });

  it('routes each value to the group of its key, and completes every group with the source', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', values);
      expectObservable(flat(e1.pipe(split()))).toBe('-a-b-c-d-e-(XY|)', {
        ...values,
        X: 'x!',
        Y: 'y!',
      });
      expectSubscriptions(e1.subscriptions).toBe('^----------!');
    });
  });

  it('forgets a group its subscriber leaves: the next value of its key opens a new one', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', values);
      const firsts = e1.pipe(
        split(),
        mergeMap((group, index) =>
          group.pipe(
            take(1),
            map((element) => `${index}:${element}`),
          ),
        ),
      );
      expectObservable(firsts).toBe('-a-b-c-d-e-|', {
        a: '0:1',
        b: '1:1',
        c: '2:2',
        d: '3:2',
        e: '4:3',
      });
      expectSubscriptions(e1.subscriptions).toBe('^----------!');
    });
  });

  it('completes a group when `ends` says so, and forgets its key', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', values);
      const e2 = cold('---s');
      expectObservable(flat(e1.pipe(split(() => e2)))).toBe('-a-bXcYdXeY(X|)', {
        ...values,
        X: 'x!',
        Y: 'y!',
      });
      expectSubscriptions(e1.subscriptions).toBe('^----------!');
      expectSubscriptions(e2.subscriptions).toBe([
        '-^--!',
        '---^--!',
        '-----^--!',
        '-------^--!',
        '---------^-!',
      ]);
    });
  });

  it('drops a group not subscribed to as it is emitted, and its value with it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const e1 = hot('-a-c-e-|', values);
      expectObservable(
        e1.pipe(
          split(),
          map((group) => group.key),
        ),
      ).toBe('-x-x-x-|');
    });
  });

  it('hands an opening value to no group when `opensOnly` says it only opens one', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', { a: 'x0', b: 'y1', c: 'x2', d: 'x0', e: 'y0' });
      const groups = e1.pipe(
        demultiplex((value: string) => value.charAt(0), {
          element: (value) => value.slice(1),
          opensOnly: (value) => value.endsWith('0'),
        }),
      );
      expectObservable(flat(groups)).toBe('---b-c-d-e-(XY|)', {
        b: 'y1',
        c: 'x2',
        d: 'x0',
        e: 'y0',
        X: 'x!',
        Y: 'y!',
      });
      expectSubscriptions(e1.subscriptions).toBe('^----------!');
    });
  });

  it('errors every group, then the result, when the source errors', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-#', values);
      const caught = e1.pipe(
        split(),
        mergeMap((group) =>
          group.pipe(
            map((element) => `${group.key}${element}`),
            catchError((error: unknown) => of(`${group.key}${String(error)}`)),
          ),
        ),
      );
      expectObservable(caught).toBe('-a-b-(XY#)', { ...values, X: 'xerror', Y: 'yerror' });
      expectSubscriptions(e1.subscriptions).toBe('^----!');
    });
  });

  it('unsubscribes from the source, every group and every `ends` when unsubscribed from', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-d-e-|', values);
      const e2 = cold('----------s');
      expectObservable(flat(e1.pipe(split(() => e2))), '------!').toBe('-a-b-c-', values);
      expectSubscriptions(e1.subscriptions).toBe('^-----!');
      expectSubscriptions(e2.subscriptions).toBe(['-^----!', '---^--!']);
    });
  });

  it('ends its groups without a word when unsubscribed from', () => {
    const source = new Subject<string>();
    const seen: string[] = [];
    const groups: Demultiplexed<string, string, string>[] = [];
    const subscription = source.pipe(split()).subscribe((group) => {
      groups.push(group);
      group.subscribe({
        next: (element) => seen.push(element),
        complete: () => seen.push('complete'),
        error: () => seen.push('error'),
      });
    });
    source.next('x1');
    subscription.unsubscribe();
    source.next('x2');
    expect(seen).toEqual(['1']);
    expect(source.observed).toBe(false);
    // An ended group completes whoever subscribes to it late.
    let completed = false;
    groups[0]?.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('errors every group and the result when a callback throws', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('-a-b-c-', values);
      const groups = e1.pipe(
        demultiplex((value: string) => value.charAt(0), {
          element: (value) => {
            if (value === 'x2') throw 'bad';
            return value.slice(1);
          },
        }),
        mergeMap((group) =>
          group.pipe(
            map((element) => `${group.key}${element}`),
            catchError((error: unknown) => of(`${group.key}${String(error)}`)),
          ),
        ),
      );
      expectObservable(groups).toBe('-a-b-(XY#)', { ...values, X: 'xbad', Y: 'ybad' }, 'bad');
      expectSubscriptions(e1.subscriptions).toBe('^----!');
    });
  });

  it('takes one subscriber a group', () => {
    const source = new Subject<string>();
    const errors: unknown[] = [];
    source.pipe(split()).subscribe((group) => {
      group.subscribe();
      group.subscribe({ error: (error: unknown) => errors.push(error) });
    });
    source.next('x1');
    expect(errors).toEqual([expect.any(InvalidArgumentError)]);
  });
});
