import {
  asyncScheduler,
  connect,
  defer,
  distinctUntilChanged,
  endWith,
  ignoreElements,
  interval,
  map,
  merge,
  scan,
  startWith,
  takeUntil,
  tap,
} from 'rxjs';
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';

/**
 * Whether the link is fast enough for the full send rate.
 *
 * @category Operators
 */
export type Quality = 'good' | 'bad';

/**
 * PyGaSe's numbers for congestion avoidance, in milliseconds.
 *
 * @category Operators
 */
export const CONGESTION = {
  /** Time between packages: 1/40 s when good, 1/20 s when bad. */
  sendIntervalMs: { good: 1000 / 40, bad: 1000 / 20 } as const,
  /** Latency above which the link counts as bad. */
  latencyThresholdMs: 250,
  /** How long good conditions must hold before the rate goes back up: 1 s to 60 s. */
  minThrottleMs: 1000,
  maxThrottleMs: 60_000,
  /** How often the state machine looks at the latency: half the minimum throttle time. */
  checkIntervalMs: 500,
} as const;

/**
 * The state of PyGaSe's throttling state machine.
 *
 * @internal
 */
export interface ThrottleState {
  readonly quality: Quality;
  readonly sendIntervalMs: number;
  readonly throttleMs: number;
  readonly lastQualityChange: number;
  readonly lastGoodMilestone: number;
}

/**
 * The state machine's start at time `now`: good, full rate, minimum throttle time.
 *
 * @internal
 */
export function initialThrottle(now: number): ThrottleState {
  return {
    quality: 'good',
    sendIntervalMs: CONGESTION.sendIntervalMs.good,
    throttleMs: CONGESTION.minThrottleMs,
    lastQualityChange: now,
    lastGoodMilestone: now,
  };
}

/**
 * One step of PyGaSe's throttling state machine, pure. When the latency rises above 250 ms the
 * link turns bad and the send rate halves at once; if good conditions had lasted less than the
 * throttle time, the throttle time doubles (up to 60 s). Once good again, the full rate comes back
 * only after good conditions held for the throttle time, which then halves (down to 1 s).
 *
 * @internal
 */
export function throttleStep(state: ThrottleState, now: number, latencyMs: number): ThrottleState {
  const { good, bad } = CONGESTION.sendIntervalMs;
  if (state.quality === 'bad') {
    if (latencyMs >= CONGESTION.latencyThresholdMs) return state;
    return { ...state, quality: 'good', lastQualityChange: now, lastGoodMilestone: now };
  }
  if (latencyMs > CONGESTION.latencyThresholdMs) {
    const goodLastedLessThanThrottle = now - state.lastQualityChange < state.throttleMs;
    return {
      ...state,
      quality: 'bad',
      sendIntervalMs: bad,
      throttleMs: goodLastedLessThanThrottle
        ? Math.min(state.throttleMs * 2, CONGESTION.maxThrottleMs)
        : state.throttleMs,
      lastQualityChange: now,
    };
  }
  if (now - state.lastGoodMilestone > state.throttleMs) {
    return {
      ...state,
      sendIntervalMs: good,
      throttleMs: Math.max(state.throttleMs / 2, CONGESTION.minThrottleMs),
      lastGoodMilestone: now,
    };
  }
  return state;
}

/**
 * What congestion avoidance decides: how good the link is, and how often to send.
 *
 * @category Operators
 */
export interface CongestionSetting {
  readonly quality: Quality;
  /** How long between two packages, in ms. */
  readonly sendIntervalMs: number;
}

/**
 * Congestion avoidance, PyGaSe's: every 500 ms the state machine (`throttleStep`) looks at
 * the latest latency and sets the quality and the send interval. Emits the first setting at once
 * and then each change.
 *
 * Informally: latency in, how often to send out.
 *
 * ## Example
 * ```ts
 * latency$.pipe(avoidCongestion(scheduler)).subscribe(({ quality, sendIntervalMs }) => ...);
 * ```
 *
 * @param scheduler Where the checks run; default `asyncScheduler`.
 * @return An operator from latencies (ms) to the quality and send interval (ms) they call for.
 *
 * @category Operators
 */
export function avoidCongestion(
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<number, CongestionSetting> {
  return (source) =>
    defer(() => {
      let latest = 0;
      return source.pipe(
        connect((latency$) =>
          merge(
            congestionChecks(() => latest, scheduler),
            latency$.pipe(
              tap((latency) => (latest = latency)),
              ignoreElements(),
            ),
          ).pipe(takeUntil(latency$.pipe(ignoreElements(), endWith(true)))),
        ),
      );
    });
}

/**
 * The checks of {@link avoidCongestion}, on a latency that is read when needed rather than
 * streamed: for a connection, which learns a new latency with every ack, some 40 times a second,
 * and needs it only twice a second. Emits the first setting at once and then each change, and
 * never completes.
 *
 * ## Example
 * ```ts
 * congestionChecks(() => connection.currentLatency, scheduler).subscribe(({ quality }) => ...);
 * ```
 *
 * @param latency Reads the latest latency in ms.
 * @param scheduler Where the checks run; default `asyncScheduler`.
 * @return The quality and send interval (ms) the latency calls for.
 *
 * @internal
 */
export function congestionChecks(
  latency: () => number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<CongestionSetting> {
  return defer(() => {
    const start = initialThrottle(scheduler.now());
    return interval(CONGESTION.checkIntervalMs, scheduler).pipe(
      scan((state) => throttleStep(state, scheduler.now(), latency()), start),
      startWith(start),
      map(({ quality, sendIntervalMs }) => ({ quality, sendIntervalMs })),
      distinctUntilChanged(
        (a, b) => a.quality === b.quality && a.sendIntervalMs === b.sendIntervalMs,
      ),
    );
  });
}
