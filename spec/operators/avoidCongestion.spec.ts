import { BehaviorSubject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { ThrottleState } from '../../lib/operators/avoidCongestion';
import {
  CONGESTION,
  avoidCongestion,
  congestionChecks,
  initialThrottle,
  throttleStep,
} from '../../lib/operators/avoidCongestion';
import { testScheduler } from '../helpers/marbles';

const GOOD = { quality: 'good', sendIntervalMs: 25 };
const BAD = { quality: 'bad', sendIntervalMs: 50 };

describe('throttleStep', () => {
  it("walks PyGaSe's congestion avoidance test", () => {
    // tests/connection_test.py, TestConnection.test_congestion_avoidance, in milliseconds
    const min = CONGESTION.minThrottleMs;
    const above = CONGESTION.latencyThresholdMs + 10;
    const below = CONGESTION.latencyThresholdMs - 10;
    let state: ThrottleState = initialThrottle(0);
    let t = min;
    const step = (latency: number, dt: number): ThrottleState => {
      t += dt;
      state = throttleStep(state, t, latency);
      return state;
    };
    expect(throttleStep(state, t, 0)).toMatchObject({ quality: 'good', sendIntervalMs: 25 });
    expect(step(above, min)).toMatchObject({ quality: 'bad', sendIntervalMs: 50, throttleMs: min });
    expect(step(below, min / 2)).toMatchObject({
      quality: 'good',
      sendIntervalMs: 50,
      throttleMs: min,
    });
    expect(step(below, 1.1 * min)).toMatchObject({
      quality: 'good',
      sendIntervalMs: 25,
      throttleMs: min,
    });
    step(above, min / 2);
    step(below, min / 2);
    expect(step(above, min / 2)).toMatchObject({
      quality: 'bad',
      sendIntervalMs: 50,
      throttleMs: 2 * min,
    });
    step(below, min / 2);
    expect(step(below, 2.1 * min)).toMatchObject({
      quality: 'good',
      sendIntervalMs: 25,
      throttleMs: min,
    });
  });

  it('doubles the throttle time up to 60 s while the link keeps flapping', () => {
    let state = initialThrottle(0);
    for (let t = 1; t < 100; t++) state = throttleStep(state, t * 10, t % 2 ? 1000 : 0);
    expect(state.throttleMs).toBe(CONGESTION.maxThrottleMs);
  });
});

describe('avoidCongestion', () => {
  it('starts good at once and turns bad at the next check after the latency rises', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const latency = hot('-- 600ms a', { a: 300 });
      const expected = '   g 999ms b';
      expectObservable(latency.pipe(avoidCongestion()), '^ 1500ms !').toBe(expected, {
        g: GOOD,
        b: BAD,
      });
      expectSubscriptions(latency.subscriptions).toBe('^ 1500ms !');
    });
  });

  it('goes back to the full rate only after good conditions held for the throttle time', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // Latency 300 from 100: bad at the check at 500, and since good lasted less than the
      // throttle time, that doubles to 2000. Latency 100 from 700: good at 1000, still at the
      // slow rate; the full rate comes back at the first check more than 2000 ms later: 3500.
      const latency = hot('- 99ms a 599ms b', { a: 300, b: 100 });
      const expected = '   g 499ms b 499ms s 2499ms g';
      expectObservable(latency.pipe(avoidCongestion()), '^ 4000ms !').toBe(expected, {
        g: GOOD,
        b: BAD,
        s: { quality: 'good', sendIntervalMs: 50 },
      });
    });
  });

  it("walks PyGaSe's congestion test on its 500 ms checks", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // The latencies of PyGaSe's walk, each set just before the check that sees it:
      // bad at 2000 (good lasted 2 s: throttle stays 1 s), good at 2500, full rate at 4000;
      // bad at 4500, good at 5000, bad again at 5500 (good lasted 0.5 s: throttle doubles to
      // 2 s), good at 6000, and the full rate only once that held for 2 s: at 8500.
      const latency = hot('1900ms a 499ms b 1999ms a 499ms b 499ms a 499ms b', { a: 260, b: 240 });
      const expected = 'g 1999ms b 499ms s 1499ms g 499ms b 499ms s 499ms b 499ms s 2499ms g';
      expectObservable(latency.pipe(avoidCongestion()), '^ 9000ms !').toBe(expected, {
        g: GOOD,
        b: BAD,
        s: { quality: 'good', sendIntervalMs: 50 },
      });
    });
  });

  it('runs its checks on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 1000);
    const seen: [number, string][] = [];
    new BehaviorSubject(300)
      .pipe(avoidCongestion(scheduler))
      .subscribe(({ quality }) => seen.push([scheduler.now(), quality]));
    scheduler.flush();
    expect(seen).toEqual([
      [0, 'good'],
      [500, 'bad'],
    ]);
  });

  it('uses the latest latency at each check', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const latency = hot('- 100ms a 50ms b', { a: 300, b: 10 });
      expectObservable(latency.pipe(avoidCongestion()), '^ 1200ms !').toBe('g', { g: GOOD });
    });
  });

  it('completes with its source, and passes on errors', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const done = cold<number>('- 700ms |');
      const failed = cold<number>('- 700ms #');
      expectObservable(done.pipe(avoidCongestion())).toBe('g 700ms |', { g: GOOD });
      expectObservable(failed.pipe(avoidCongestion())).toBe('g 700ms #', { g: GOOD });
      expectSubscriptions(done.subscriptions).toBe('^ 700ms !');
      expectSubscriptions(failed.subscriptions).toBe('^ 700ms !');
    });
  });

  it('completes at once on an empty source, runs on a never source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<number>('|');
      const never = cold<number>('-');
      expectObservable(empty.pipe(avoidCongestion())).toBe('(g|)', { g: GOOD });
      expectObservable(never.pipe(avoidCongestion()), '^ 2000ms !').toBe('g', { g: GOOD });
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^ 2000ms !');
    });
  });
});

describe('congestionChecks', () => {
  it('reads the latency at each check, and emits the first setting and each change', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      let latency = 0;
      const checks = congestionChecks(() => latency);
      // Read at 500, 1000 and 1500 only: the rise at 600 and the fall at 900 go unseen.
      hot('600ms a 299ms b 299ms a', { a: 300, b: 10 }).subscribe((value) => (latency = value));
      expectObservable(checks, '^ 1600ms !').toBe('g 1499ms b', { g: GOOD, b: BAD });
    });
  });
});
