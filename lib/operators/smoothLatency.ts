import { scan } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

/** How much of each new round trip time goes into the smoothed latency: PyGaSe's 0.1. */
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
 */
export function smoothLatency(smoothing = LATENCY_SMOOTHING): OperatorFunction<number, number> {
  return (source) => source.pipe(scan((latency, rtt) => latency + smoothing * (rtt - latency), 0));
}
