import { Observable, asyncScheduler } from 'rxjs';
import { timeSince, wrapTime } from '../util/wrappedTime';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';

/**
 * How long a connection waits for a package before it counts as lost: PyGaSe's 5 s.
 *
 * @category Operators
 */
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
 *
 * @category Operators
 */
export function whenSilent(
  timeoutMs = CONNECTION_TIMEOUT_MS,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<unknown, number> {
  return (source) =>
    new Observable<number>((subscriber) => {
      const silence = new SilenceTimer(
        () => {
          subscriber.next(timeoutMs);
          subscriber.complete();
        },
        timeoutMs,
        scheduler,
      );
      const listening = source.subscribe({
        next: () => silence.heard(),
        error: (error: unknown) => subscriber.error(error),
      });
      return () => {
        listening.unsubscribe();
        silence.stop();
      };
    });
}

/**
 * The timer behind {@link whenSilent}, for a caller that hears from its peer directly: it calls
 * `onSilent` once the last {@link heard} (or the start) is `timeoutMs` ago.
 *
 * Hearing from the peer only notes the time. The one timer fires when the silence would be over
 * if nothing had been heard since it was set, and sets itself again for the rest of the silence
 * as it stands: one timer a silence, not one for every package a connection receives.
 *
 * ## Example
 * ```ts
 * const silence = new SilenceTimer(() => connection.close('timeout'), 5000, scheduler);
 * datagrams$.subscribe(() => silence.heard());
 * // and when done: silence.stop();
 * ```
 *
 * @internal
 */
export class SilenceTimer implements Hearing {
  lastHeard: number;
  private readonly hearing: Hearing;
  private timer: Subscription | undefined;

  /**
   * Starts counting the silence, now.
   *
   * @param onSilent Called once, when the silence has lasted `timeoutMs`.
   * @param timeoutMs How long a silence counts as lost; default 5000.
   * @param scheduler Where time is read and the timer runs; default `asyncScheduler`.
   * @param hearing Where the time the peer was last heard is kept, if not in the timer: an
   *   object the caller touches anyway for each datagram sets it there itself, and the timer
   *   reads it only when it runs. It is set to now.
   */
  constructor(
    private readonly onSilent: () => void,
    private readonly timeoutMs = CONNECTION_TIMEOUT_MS,
    private readonly scheduler: SchedulerLike = asyncScheduler,
    hearing?: Hearing,
  ) {
    this.hearing = hearing ?? this;
    this.lastHeard = this.hearing.lastHeard = wrapTime(scheduler.now());
    this.timer = scheduler.schedule(() => this.check(), timeoutMs);
  }

  /** The peer was heard from, now: the silence starts again. */
  heard(): void {
    this.hearing.lastHeard = wrapTime(this.scheduler.now());
  }

  /** Cancels the timer: `onSilent` will not be called. */
  stop(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private check(): void {
    const silentFor = timeSince(this.scheduler.now(), this.hearing.lastHeard);
    if (silentFor >= this.timeoutMs) {
      this.timer = undefined;
      this.onSilent();
      return;
    }
    this.timer = this.scheduler.schedule(() => this.check(), this.timeoutMs - silentFor);
  }
}

/**
 * When a peer was last heard from, on the scheduler's clock wrapped (`wrapTime`, a small number
 * kept in the object itself): what a {@link SilenceTimer} reads.
 *
 * @internal
 */
export interface Hearing {
  lastHeard: number;
}
