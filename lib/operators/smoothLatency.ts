import { scan } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

/**
 * How much of each new round trip time goes into the smoothed latency: PyGaSe's 0.1.
 *
 * @category Operators
 */
export const LATENCY_SMOOTHING = 0.1;

/**
 * Smooths round trip times into a latency, as PyGaSe does: `latency += 0.1 * (rtt - latency)`,
 * starting from 0, so jitter does not swing it.
 *
 * Informally: a moving exponential average of the round trips.
 *
 * ## Example
 * ```ts
 * const latency$ = rtt$.pipe(smoothLatency());
 * ```
 *
 * @param smoothing The weight of each new round trip, 0..1; default 0.1.
 * @return An operator from round trip times to the latency after each.
 *
 * @category Operators
 */
export function smoothLatency(smoothing = LATENCY_SMOOTHING): OperatorFunction<number, number> {
  return (source) => source.pipe(scan((latency, rtt) => smoothStep(latency, rtt, smoothing), 0));
}

/**
 * The step of {@link smoothLatency}, pure: the latency after one more round trip time.
 *
 * ## Example
 * ```ts
 * smoothStep(0, 40); // 4
 * smoothStep(4, 40); // 7.6
 * ```
 *
 * @param latency The latency so far, in ms (0 before the first round trip).
 * @param rttMs The round trip time just measured.
 * @param smoothing The weight of the new round trip, 0..1; default 0.1.
 * @return The new latency.
 *
 * @internal
 */
export function smoothStep(latency: number, rttMs: number, smoothing = LATENCY_SMOOTHING): number {
  return latency + smoothing * (rttMs - latency);
}
