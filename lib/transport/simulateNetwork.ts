import {
  EMPTY,
  asyncScheduler,
  defer,
  finalize,
  isObservable,
  map,
  merge,
  mergeMap,
  timer,
} from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import type { Datagram } from './datagram';
import { seededRandom } from './random';

/**
 * What the simulated network does to datagrams. Every field says its default.
 *
 * @category Testing
 */
export interface NetworkConditions {
  /** Delay of every datagram, in milliseconds; default 0. */
  readonly latencyMs?: number;
  /** Up to this much more or less delay, uniformly at random; default 0. */
  readonly jitterMs?: number;
  /** Share of datagrams lost, 0..1; default 0. */
  readonly loss?: number;
  /** Share of datagrams delivered twice, 0..1; default 0. */
  readonly duplicate?: number;
  /** Whether jitter may deliver datagrams out of order; default true. Without, order is kept. */
  readonly reorder?: boolean;
  /** Seed of the random choices: the same seed, the same fate for the same datagrams. */
  readonly seed?: number;
}

/**
 * Passes datagrams through a simulated network: delayed, jittered, lost, duplicated, reordered,
 * all decided by a seeded generator on `scheduler`, so a run replays exactly from its seed. Works
 * on any datagram stream: a memory network's, or a UDP socket's.
 *
 * Informally: `datagrams$.pipe(simulateNetwork({ latencyMs: 250, loss: 0.25 }))` is a bad link.
 *
 * ## Example
 * ```ts
 * // yojimbo's soak settings
 * const lossy = simulateNetwork(
 *   { latencyMs: 250, jitterMs: 100, loss: 0.25, duplicate: 0.25, reorder: true, seed: 7 },
 *   scheduler,
 * );
 * transport.datagrams$.pipe(lossy).subscribe(handle);
 * ```
 *
 * @param conditions What happens to each datagram; or an Observable of them, which may change
 *   while datagrams flow: each datagram meets the latest (a clean link before the first), and
 *   the seed is the first datagram's conditions'.
 * @param scheduler Where delays are scheduled; default `asyncScheduler`.
 * @return An operator delivering the datagrams that survive, when they arrive.
 *
 * @category Testing
 */
export function simulateNetwork(
  conditions: NetworkConditions | Observable<NetworkConditions>,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<Datagram> {
  return (source) =>
    defer(() => {
      // Conditions that change: each datagram meets the latest (a clean link before the first),
      // and one on its way keeps the fate it met.
      let current: NetworkConditions = isObservable(conditions) ? {} : conditions;
      const watching = isObservable(conditions)
        ? conditions.subscribe((latest) => (current = latest))
        : undefined;
      let random: (() => number) | undefined;
      let lastArrival = -Infinity;
      const arrival = (next: () => number): number => {
        const { latencyMs = 0, jitterMs = 0, reorder = true } = current;
        const now = scheduler.now();
        let at = now + Math.max(0, latencyMs + (next() * 2 - 1) * jitterMs);
        if (!reorder) at = Math.max(at, lastArrival);
        lastArrival = Math.max(lastArrival, at);
        return at - now;
      };
      return source.pipe(
        mergeMap((datagram) => {
          random ??= seededRandom(current.seed ?? 1);
          const next = random;
          const { loss = 0, duplicate = 0 } = current;
          if (next() < loss) return EMPTY;
          const copies = next() < duplicate ? 2 : 1;
          return merge(
            ...Array.from({ length: copies }, () =>
              timer(arrival(next), scheduler).pipe(map(() => datagram)),
            ),
          );
        }),
        finalize(() => watching?.unsubscribe()),
      );
    });
}
