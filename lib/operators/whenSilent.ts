import { asyncScheduler, map, startWith, switchMap, take, timer } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';

/** How long a connection waits for a package before it counts as lost: PyGaSe's 5 s. */
export const CONNECTION_TIMEOUT_MS = 5000;

/**
 * Emits once, and completes, when the source has been silent for `timeoutMs`: measured from
 * subscription, and again from each value.
 *
 * Informally: the connection timeout.
 *
 * ## Example
 * ```ts
 * received$.pipe(whenSilent(5000, scheduler)).subscribe(() => status.next('disconnected'));
 * ```
 *
 * @param timeoutMs How long a silence counts as lost; default 5000.
 * @param scheduler Where the timer runs; default `asyncScheduler`.
 * @return An operator emitting the length of the silence once it has lasted `timeoutMs`.
 */
export function whenSilent(
  timeoutMs = CONNECTION_TIMEOUT_MS,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<unknown, number> {
  return (source) =>
    source.pipe(
      startWith(undefined),
      switchMap(() => timer(timeoutMs, scheduler)),
      take(1),
      map(() => timeoutMs),
    );
}
