import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
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
 * How much of the send interval a package from the peer may bring a replying pacer's next send
 * forward (see `Pacer.heard`), and how long its beat waits past its time for the peer's next
 * package while the peer keeps pace: a quarter, 6.25 ms at 40 Hz.
 *
 * @internal
 */
export const REPLY_WINDOW_DIVISOR = 4;

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
      const pacer = new Pacer(() => subscriber.next(count++), scheduler);
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
 * A pacer that `replies` answers the peer: a package from it (`heard`) sends one at once when the
 * beat is due within a quarter interval, and while the peer keeps pace (sends about once an
 * interval), the beat's timer waits a quarter interval past its time for the peer's package. The beat keeps its
 * time, so the rate stays one package an interval however fast the peer sends; a beat that
 * waited in vain moves half its wait later, so that within a few beats the peer's packages come
 * in its window, and from then on each package sent answers one, in the turn that took it. For a
 * server, that is each client's package and the package back in one go, with the connection's
 * objects fresh in the processor's cache: with 500 PyGaSe clients in process it spent about a
 * twelfth less (measured side by side). The ack goes back at once, too. One peer of a connection
 * replies, not both: the server.
 *
 * @internal
 */
export class Pacer {
  private intervalMs: number | undefined;
  private lastSent = -Infinity;
  private nextAt = Infinity;
  private urgentAt = Infinity;
  /** When the peer's last package came; a pacer that does not reply never notes it. */
  private lastHeard = -Infinity;
  /** How long before that the one before came. */
  private heardGap = Infinity;
  /** How long past `nextAt` the timer set waits for the peer's package; 0 but while replying. */
  private waitsMs = 0;
  private timer: Subscription | undefined;
  /** The timer whose work runs now: it is scheduled again for the next send, not replaced. */
  private running: SchedulerAction<unknown> | undefined;
  private stopped = false;
  /** The timer's work: one function for every send, not a closure each. */
  private readonly beat: (this: SchedulerAction<unknown>) => void;

  /**
   * @param onSend Called at each moment to send; it may ask for more, or stop the pacer.
   * @param scheduler Where time is read and sends are scheduled.
   * @param replies Whether a package from the peer may bring the next send forward (`heard`).
   */
  constructor(
    private readonly onSend: () => void,
    private readonly scheduler: SchedulerLike,
    private readonly replies = false,
  ) {
    const run = (action: SchedulerAction<unknown>): void => {
      this.running = action;
      try {
        this.send();
      } catch (error) {
        // A scheduler ends an action that throws, and with it the next beat set on it: the beat
        // goes on, on a timer of its own.
        this.running = undefined;
        if (!this.stopped && this.timer === action) {
          this.timer = this.scheduler.schedule(
            this.beat,
            Math.max(0, this.nextAt - this.scheduler.now()),
          );
        }
        throw error;
      } finally {
        this.running = undefined;
      }
    };
    this.beat = function (this: SchedulerAction<unknown>) {
      run(this);
    };
  }

  /**
   * The send interval is `ms` from now on (a positive number of ms): the first starts the beat
   * with a send at once; a later one counts from the last send, and keeps an urgent send that is
   * due sooner.
   */
  setSendInterval(ms: number): void {
    if (this.stopped) return;
    const first = this.intervalMs === undefined;
    this.intervalMs = ms;
    if (first) this.send();
    else this.sendAt(Math.min(this.urgentAt, this.lastSent + ms));
  }

  /** Asks for a package soon; before the first interval, the first send takes the request. */
  urgent(): void {
    if (this.stopped || this.intervalMs === undefined) return;
    const soonest = this.lastSent + this.intervalMs / URGENT_GAP_DIVISOR;
    // Sooner than the beat's timer, which may wait past the beat's time for the peer.
    if (soonest < this.nextAt + this.waitsMs) {
      this.urgentAt = soonest;
      this.sendAt(soonest);
    }
  }

  /**
   * A package came from the peer: a pacer that replies sends one at once if the beat is due
   * within a quarter interval, or was due up to a quarter interval ago and waits for this
   * package, and an eighth of the interval has passed since the last send. The beat keeps its
   * time: the next is due an interval after the one answered. Before the first interval, nothing.
   *
   * @return Whether a package was sent.
   */
  heard(): boolean {
    if (!this.replies || this.stopped || this.intervalMs === undefined) return false;
    const now = this.scheduler.now();
    this.heardGap = now - this.lastHeard;
    this.lastHeard = now;
    const intervalMs = this.intervalMs;
    const due = this.nextAt;
    if (
      now < due - intervalMs / REPLY_WINDOW_DIVISOR ||
      now - this.lastSent < intervalMs / URGENT_GAP_DIVISOR
    ) {
      return false;
    }
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.send(due);
    return true;
  }

  /** Cancels the timer: nothing is sent any more. */
  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  /**
   * Sends at `at`, now if it is due already (then the beat counts from now); the timer set for
   * it waits `waitsMs` longer, for the peer's package (see {@link heard}).
   */
  private sendAt(at: number, now = this.scheduler.now(), waitsMs = 0): void {
    this.nextAt = Math.max(at, now);
    const delay = at - now;
    const timer = this.timer;
    this.waitsMs = delay > 0 ? waitsMs : 0;
    if (delay > 0 && timer !== undefined && timer === this.running) {
      // The beat goes on: its timer, running now, is set again, as `interval` sets its own. Once
      // a run: a virtual scheduler makes a new action of it each time, which the timer cancels,
      // so a second setting in the run goes the way of any other.
      this.running.schedule(undefined, delay + waitsMs);
      this.running = undefined;
      return;
    }
    timer?.unsubscribe();
    this.timer = undefined;
    if (delay <= 0) this.send();
    else this.timer = this.scheduler.schedule(this.beat, delay + waitsMs);
  }

  /** Sends, and sets the beat for the next; `answered` is the beat time a reply answers. */
  private send(answered?: number): void {
    const now = this.scheduler.now();
    const intervalMs = this.intervalMs as number;
    let from: number;
    if (answered !== undefined) from = answered;
    else {
      // The beat counts from when the package was due, not from when a busy event loop got to
      // it: so 40 Hz stays 40 Hz instead of drifting a millisecond or so a beat. A package more
      // than a beat late starts the beat afresh.
      from = this.nextAt <= now && now - this.nextAt < intervalMs ? this.nextAt : now;
      // A beat that waited for the peer's package in vain moves half the wait later, to where
      // the peer's packages come: they answer the beats from then on.
      from += this.waitsMs / 2;
    }
    this.lastSent = Math.min(from, now);
    this.urgentAt = Infinity;
    // While the peer keeps pace (its last two packages came at most an interval and a quarter
    // apart, the last within an interval), the beat waits for its next package, which sends the
    // next one. A peer that sends less often (an rxgase client, every 100 ms or so) leaves the
    // beat on time.
    const window = intervalMs / REPLY_WINDOW_DIVISOR;
    const keepsPace = now - this.lastHeard < intervalMs && this.heardGap <= intervalMs + window;
    const waitsMs = keepsPace ? window : 0;
    this.sendAt(from + intervalMs, now, waitsMs);
    this.onSend();
  }
}
