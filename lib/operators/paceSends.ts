import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';

/**
 * How much sooner than the send interval an urgent package may follow the last one: an eighth,
 * so a link at PyGaSe's 40 Hz flushes an event within about 3 ms, and never sends more than eight
 * times its rate however many events come.
 *
 * @category Operators
 */
export const URGENT_GAP_DIVISOR = 8;

/**
 * Decides when packages go out. One goes out at once on subscription, then one every send
 * interval as a keepalive, whether or not there is anything to say. A value from the source (an
 * event dispatched, a package with events to ack) asks for a package sooner: it goes out as soon
 * as an eighth of the interval has passed since the last, and the keepalive counts from it.
 * (PyGaSe only sends on its 40 Hz beat, so every event waits up to 25 ms each way.)
 *
 * Informally: a keepalive beat that urgent things can jump ahead of, within limits.
 *
 * ## Example
 * ```ts
 * urgent$.pipe(paceSends(sendIntervalMs$, scheduler)).subscribe(() => sendNextPackage());
 * ```
 *
 * @param sendIntervalMs$ The send interval, from congestion avoidance; nothing is sent before its
 *   first value.
 * @param scheduler Where time is read and sends are scheduled; default `asyncScheduler`.
 * @return An operator from urgent requests to the moments to send, counted from 0; it errors
 *   with an `InvalidArgumentError` on a send interval that is not positive.
 *
 * @category Operators
 */
export function paceSends(
  sendIntervalMs$: Observable<number>,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<unknown, number> {
  return (urgent$) =>
    new Observable<number>((subscriber) => {
      let intervalMs: number | undefined;
      let lastSent = -Infinity;
      let nextAt = Infinity;
      let urgentAt = Infinity;
      let count = 0;
      let next: Subscription | undefined;

      const sendAt = (at: number, now = scheduler.now()): void => {
        next?.unsubscribe();
        // Due already: it goes now, and counts from now.
        nextAt = Math.max(at, now);
        const delay = at - now;
        if (delay <= 0) send();
        else next = scheduler.schedule(send, delay);
      };
      function send(): void {
        // The beat counts from when the package was due, not from when a busy event loop got to
        // it: so 40 Hz stays 40 Hz instead of drifting a millisecond or so a beat. A package more
        // than a beat late starts the beat afresh.
        const now = scheduler.now();
        lastSent = nextAt <= now && now - nextAt < (intervalMs as number) ? nextAt : now;
        urgentAt = Infinity;
        sendAt(lastSent + (intervalMs as number), now);
        subscriber.next(count++);
      }

      const intervals = sendIntervalMs$.subscribe({
        next: (ms) => {
          if (!(ms > 0)) {
            subscriber.error(
              new InvalidArgumentError(`a send interval must be positive, got ${ms} ms`),
            );
            return;
          }
          const first = intervalMs === undefined;
          intervalMs = ms;
          if (first) send();
          else sendAt(Math.min(urgentAt, lastSent + ms));
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const urgent = urgent$.subscribe({
        next: () => {
          if (intervalMs === undefined) return; // the first send, at the first interval, takes it
          const soonest = lastSent + intervalMs / URGENT_GAP_DIVISOR;
          if (soonest < nextAt) {
            urgentAt = soonest;
            sendAt(soonest);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        intervals.unsubscribe();
        urgent.unsubscribe();
        next?.unsubscribe();
      };
    });
}
