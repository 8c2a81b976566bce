import { of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { interpolate } from '../../lib/operators/interpolate';
import type { InterpolateOptions } from '../../lib/operators/interpolate';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { testScheduler } from '../helpers/marbles';

const lerp = (from: number, to: number, t: number): number => from + (to - from) * t;

/** Numbers drawn 50 ms behind, a frame every 25 ms, on the test's scheduler. */
const options = (
  scheduler: TestScheduler,
  more: Partial<InterpolateOptions<number>> = {},
): InterpolateOptions<number> => ({ lerp, delayMs: 50, frameMs: 25, scheduler, ...more });

/** A state that carries the server's time of it. */
interface Timed {
  readonly at: number;
  readonly x: number;
}

/** As `options`, for states timed by their own `at`. */
const timedOptions = (scheduler: TestScheduler): InterpolateOptions<Timed> => ({
  lerp: (from, to, t) => ({ at: lerp(from.at, to.at, t), x: lerp(from.x, to.x, t) }),
  timeOf: (state) => state.at,
  delayMs: 50,
  frameMs: 25,
  scheduler,
});

describe('interpolate', () => {
  it('draws each frame the blend of the two states around the moment 50 ms ago', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      // States at 0, 50 and 100; frames at 25, 50, 75, ...
      const states = cold('a 49ms b 49ms c', { a: 0, b: 10, c: 20 });
      // 25: a held (nothing to move to). 50: the moment is a's own, still held, not drawn again.
      // 75: halfway from a to b. 100: b reached. 125: halfway to c. 150: c, then held.
      expectObservable(states.pipe(interpolate(options(scheduler))), '^ 199ms !').toBe(
        '25ms a 49ms b 24ms c 24ms d 24ms e',
        { a: 0, b: 5, c: 10, d: 15, e: 20 },
      );
      expectSubscriptions(states.subscriptions).toBe('^ 199ms !');
    });
  });

  it("blends by the states' own times when given, so that arrival jitter does not show", () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // Taken at 0, 50, 100 by the server's clock; the second arrives 20 ms late.
      const states = cold('a 69ms b 29ms c', {
        a: { at: 0, x: 0 },
        b: { at: 50, x: 10 },
        c: { at: 100, x: 20 },
      });
      const drawn = states.pipe(interpolate(timedOptions(scheduler)));
      // At 75 the moment is 25, between a and b, which came at 70: halfway, as if on time.
      expectObservable(drawn, '^ 159ms !').toBe('25ms a 49ms b 24ms c 24ms d 24ms e', {
        a: { at: 0, x: 0 },
        b: { at: 25, x: 5 },
        c: { at: 50, x: 10 },
        d: { at: 75, x: 15 },
        e: { at: 100, x: 20 },
      });
    });
  });

  it('holds the last state while no newer one comes, and moves on once one does', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // A stall: after b at 50, nothing until c at 200.
      const states = cold('a 49ms b 149ms c', { a: 0, b: 10, c: 20 });
      // b held from 100, drawn once; c comes at 200, and the frames move from b towards it:
      // the moment 150 is 100/150 of the way from b (at 50) to c (at 200), 175 is 125/150.
      expectObservable(states.pipe(interpolate(options(scheduler))), '^ 299ms !').toBe(
        '25ms a 49ms b 24ms c 99ms d 24ms e 24ms f',
        { a: 0, b: 5, c: 10, d: lerp(10, 20, 100 / 150), e: lerp(10, 20, 125 / 150), f: 20 },
      );
    });
  });

  it('drops a state whose time is before the newest one, and takes the later of one moment', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const states = cold('a 49ms (bx) 49ms c', {
        a: { at: 0, x: 0 },
        b: { at: 50, x: 10 },
        x: { at: 40, x: 99 },
        c: { at: 100, x: 20 },
      });
      const drawn = states.pipe(interpolate(timedOptions(scheduler)));
      expectObservable(drawn, '^ 129ms !').toBe('25ms a 49ms b 24ms c 24ms d', {
        a: { at: 0, x: 0 },
        b: { at: 25, x: 5 },
        c: { at: 50, x: 10 },
        d: { at: 75, x: 15 },
      });
    });
  });

  it('completes and errs with its source, and draws nothing after', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const ends = cold('a 49ms b 29ms |', { a: 0, b: 10 });
      const fails = cold('a 49ms b 29ms #', { a: 0, b: 10 });
      const empty = cold<number>('|');
      // It ends on the last state, drawn as it ends.
      expectObservable(ends.pipe(interpolate(options(scheduler)))).toBe('25ms a 49ms b 4ms (c|)', {
        a: 0,
        b: 5,
        c: 10,
      });
      expectObservable(fails.pipe(interpolate(options(scheduler)))).toBe('25ms a 49ms b 4ms #', {
        a: 0,
        b: 5,
      });
      expectObservable(empty.pipe(interpolate(options(scheduler)))).toBe('|');
      expectSubscriptions(ends.subscriptions).toBe('^ 79ms !');
      expectSubscriptions(fails.subscriptions).toBe('^ 79ms !');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
    });
  });

  it('ends a source that ends at once on its last state', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(of(1, 2, 3).pipe(interpolate(options(scheduler)))).toBe('(a|)', { a: 3 });
    });
  });

  it('errs with what lerp or timeOf throws, and stops its frames', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const states = cold('a 49ms b', { a: 0, b: 10 });
      const badLerp = (): number => {
        throw new Error('lerp');
      };
      const badTime = (): number => {
        throw new Error('timeOf');
      };
      expectObservable(states.pipe(interpolate(options(scheduler, { lerp: badLerp })))).toBe(
        '25ms a 49ms #',
        { a: 0 },
        new Error('lerp'),
      );
      expectObservable(states.pipe(interpolate(options(scheduler, { timeOf: badTime })))).toBe(
        '#',
        undefined,
        new Error('timeOf'),
      );
      expectSubscriptions(states.subscriptions).toBe(['^ 74ms !', '(^!)']);
    });
  });

  it('draws nothing before the first state, and stops its frames when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const states = hot<number>('---');
      expectObservable(states.pipe(interpolate(options(scheduler))), '^ 99ms !').toBe('');
      expectSubscriptions(states.subscriptions).toBe('^ 99ms !');
    });
    // Every frame timer went with the subscription: nothing is left to run.
    expect(scheduler.actions).toHaveLength(0);
  });

  it('names what it cannot take, at the call', () => {
    const bad: unknown[] = [
      {},
      { lerp: 1 },
      { lerp, delayMs: -1 },
      { lerp, delayMs: Infinity },
      { lerp, frameMs: Number.NaN },
    ];
    for (const given of bad) {
      expect(() => interpolate(given as InterpolateOptions<number>)).toThrow(InvalidArgumentError);
    }
    expect(() => interpolate(undefined as unknown as InterpolateOptions<number>)).toThrow(
      /lerp function/,
    );
  });
});
