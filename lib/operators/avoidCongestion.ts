import {
  asyncScheduler,
  connect,
  defer,
  distinctUntilChanged,
  endWith,
  ignoreElements,
  interval,
  map,
  scan,
  startWith,
  takeUntil,
  withLatestFrom,
} from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';

/** Whether the link is fast enough for the full send rate. */
export type Quality = 'good' | 'bad';

/** PyGaSe's numbers for congestion avoidance, in milliseconds. */
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

/** The state of PyGaSe's throttling state machine. */
export interface ThrottleState {
  readonly quality: Quality;
  readonly sendIntervalMs: number;
  readonly throttleMs: number;
  readonly lastQualityChange: number;
  readonly lastGoodMilestone: number;
}

/** The state machine's start at time `now`: good, full rate, minimum throttle time. */
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
 * Congestion avoidance, PyGaSe's: every 500 ms the state machine ({@link throttleStep}) looks at
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
 */
export function avoidCongestion(
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<number, Pick<ThrottleState, 'quality' | 'sendIntervalMs'>> {
  return (source) =>
    defer(() => {
      const start = initialThrottle(scheduler.now());
      return source.pipe(
        startWith(0),
        connect((latency$) =>
          interval(CONGESTION.checkIntervalMs, scheduler).pipe(
            withLatestFrom(latency$),
            scan((state, [, latency]) => throttleStep(state, scheduler.now(), latency), start),
            startWith(start),
            map(({ quality, sendIntervalMs }) => ({ quality, sendIntervalMs })),
            distinctUntilChanged(
              (a, b) => a.quality === b.quality && a.sendIntervalMs === b.sendIntervalMs,
            ),
            takeUntil(latency$.pipe(ignoreElements(), endWith(true))),
          ),
        ),
      );
    });
}
