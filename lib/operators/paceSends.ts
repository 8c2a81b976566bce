import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import { wrapTime, wrappedDifference } from '../util/wrappedTime';

/**
 * How much sooner than the send interval an urgent package may follow the last one: an eighth,
 * rounded up to a whole millisecond, so a link at PyGaSe's 40 Hz flushes an event within 4 ms,
 * and never sends more than eight times its rate however many events come.
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
      let count = 0;
      const pacer = new Pacer({ paced: () => subscriber.next(count++) }, scheduler);
      const intervals = sendIntervalMs$.subscribe({
        next: (ms) => {
          if (!(ms > 0)) {
            subscriber.error(
              new InvalidArgumentError(`a send interval must be positive, got ${ms} ms`),
            );
            return;
          }
          pacer.setSendInterval(ms);
        },
        error: (error: unknown) => subscriber.error(error),
      });
      const urgent = urgent$.subscribe({
        next: () => pacer.urgent(),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        intervals.unsubscribe();
        urgent.unsubscribe();
        pacer.stop();
      };
    });
}

/**
 * The step of {@link paceSends}, for a caller that sets the interval and asks for packages itself
 * rather than streaming them: `exchangePackages`, whose connection sends 40 packages a second
 * and should not take two subjects' hops for each. Nothing is sent before the first interval,
 * which sends at once; then one goes out every interval, and sooner when asked, an eighth of the
 * interval after the last at the soonest.
 *
 * @internal
 */
export class Pacer {
  // Its times are on the scheduler's clock wrapped (`wrapTime`): small whole numbers, held in the
  // pacer itself, where a time since 1970 or a fraction of a millisecond is a number V8 keeps in a
  // box of its own, one more object to reach for with each send, among a server's thousands.
  /** The send interval; 0 before the first. */
  private intervalMs = 0;
  private lastSent = 0;
  private nextAt = 0;
  /** When the urgent send asked for is due, if `urgentWaiting`. */
  private urgentAt = 0;
  private urgentWaiting = false;
  private timer: Subscription | undefined;
  /** The timer whose work runs now: it is scheduled again for the next send, not replaced. */
  private running: SchedulerAction<Pacer> | undefined;
  private stopped = false;

  /**
   * @param sender Told at each moment to send (`paced`); it may ask for more, or stop the pacer.
   *   An object with a method, not a function: a server's pacers run some dozens a millisecond,
   *   and a closure would be two objects more to reach for each.
   * @param scheduler Where time is read and sends are scheduled.
   */
  constructor(
    private readonly sender: Paced,
    private readonly scheduler: SchedulerLike,
  ) {}

  /**
   * The send interval is `ms` from now on (a positive number of ms): the first starts the beat
   * with a send at once; a later one counts from the last send, and keeps an urgent send that is
   * due sooner.
   */
  setSendInterval(ms: number): void {
    if (this.stopped) return;
    const first = this.intervalMs === 0;
    this.intervalMs = ms;
    if (first) {
      // Due now: the first send counts from now.
      this.nextAt = wrapTime(this.scheduler.now());
      this.send();
      return;
    }
    const beat = wrapTime(this.lastSent + ms);
    this.sendAt(
      this.urgentWaiting && wrappedDifference(this.urgentAt, beat) < 0 ? this.urgentAt : beat,
    );
  }

  /** Asks for a package soon; before the first interval, the first send takes the request. */
  urgent(): void {
    if (this.stopped || this.intervalMs === 0) return;
    const soonest = wrapTime(this.lastSent + Math.ceil(this.intervalMs / URGENT_GAP_DIVISOR));
    if (wrappedDifference(soonest, this.nextAt) < 0) {
      this.urgentAt = soonest;
      this.urgentWaiting = true;
      this.sendAt(soonest);
    }
  }

  /** Cancels the timer: nothing is sent any more. */
  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  /** Sends at the wrapped time `at`, or now if that has passed. */
  private sendAt(at: number, now = this.scheduler.now()): void {
    let delay = wrappedDifference(at, wrapTime(now));
    // Never more than a beat away: one further is a clock set forward by days (as Date.now() may
    // be), whose wrap makes a time passed look days ahead. Due now, as it is.
    if (delay > this.intervalMs) delay = 0;
    // Due already: it goes now, and counts from now.
    this.nextAt = delay > 0 ? at : wrapTime(now);
    const timer = this.timer;
    if (delay > 0 && timer !== undefined && timer === this.running) {
      // The beat goes on: its timer, running now, is set again, as `interval` sets its own. Once
      // a run: a virtual scheduler makes a new action of it each time, which the timer cancels,
      // so a second setting in the run goes the way of any other.
      this.running.schedule(this, delay);
      this.running = undefined;
      return;
    }
    timer?.unsubscribe();
    this.timer = undefined;
    if (delay <= 0) this.send();
    else this.timer = this.scheduler.schedule(beat, delay, this);
  }

  /** A beat, run by its timer `action`. */
  run(action: SchedulerAction<Pacer>): void {
    this.running = action;
    try {
      this.send();
    } catch (error) {
      // A scheduler ends an action that throws, and with it the next beat set on it: the beat
      // goes on, on a timer of its own.
      this.running = undefined;
      if (!this.stopped && this.timer === action) {
        const due = wrappedDifference(this.nextAt, wrapTime(this.scheduler.now()));
        this.timer = this.scheduler.schedule(
          beat,
          due > this.intervalMs ? 0 : Math.max(0, due),
          this,
        );
      }
      throw error;
    } finally {
      this.running = undefined;
    }
  }

  private send(): void {
    // The beat counts from when the package was due, not from when a busy event loop got to it:
    // so 40 Hz stays 40 Hz instead of drifting a millisecond or so a beat. A package more than a
    // beat late starts the beat afresh.
    const now = this.scheduler.now();
    const wrappedNow = wrapTime(now);
    const intervalMs = this.intervalMs;
    const late = wrappedDifference(wrappedNow, this.nextAt);
    this.lastSent = late >= 0 && late < intervalMs ? this.nextAt : wrappedNow;
    this.urgentWaiting = false;
    this.sendAt(wrapTime(this.lastSent + intervalMs), now);
    this.sender.paced();
  }
}

/**
 * Who a {@link Pacer} tells when to send.
 *
 * @internal
 */
export interface Paced {
  /** It is time to send; what this throws is thrown on to the scheduler. */
  paced(): void;
}

/**
 * The work of every pacer's timer, one function for all: the pacer is its state. A function of
 * each pacer's own would be a closure and a scope to reach for at each send.
 */
function beat(this: SchedulerAction<Pacer>, pacer?: Pacer): void {
  (pacer as Pacer).run(this);
}
