import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { Header } from '../protocol/header';
import { acknowledges } from '../protocol/header';
import { timeSince, wrapTime } from '../util/wrappedTime';

/**
 * How long a sent package waits for its ack before it counts as lost: PyGaSe's 1 s.
 *
 * @category Operators
 */
export const PACKAGE_TIMEOUT_MS = 1000;

/**
 * A package that was sent and now waits for its ack.
 *
 * @category Operators
 */
export interface SentPackage {
  readonly sequence: number;
}

/**
 * What became of a sent package.
 *
 * @category Operators
 */
export type AckOutcome =
  | { readonly kind: 'acked'; readonly sequence: number; readonly rttMs: number }
  | { readonly kind: 'timedOut'; readonly sequence: number };

/**
 * Resolves sent packages against the headers that come back: a package is acked when a header's
 * `ack` is its sequence number or when its bit in the ack bitfield is set (all 32 bits; PyGaSe
 * ignores the 32nd), and times out `timeoutMs` after it was sent, on the scheduler, whether or
 * not anything arrives meanwhile (PyGaSe notices only when the next package comes in).
 *
 * Packages are sent in order and all wait alike, so the oldest one pending is always the next to
 * time out: one timer, set for it, serves them all (a timer per package cost a server more than
 * its codec). Acks do not move the timer; when it fires early for a package acked meanwhile, it
 * is simply set again for the oldest one left.
 *
 * Informally: each sent package ends as acked, with its round trip time, or as timed out.
 *
 * ## Example
 * ```ts
 * // PyGaSe's case: pending 2, 3, 4, 5; header ack 4 with bits 01... acks 4 and 2.
 * receivedHeaders$.pipe(resolveAcks(sent$)).subscribe((outcome) => {
 *   if (outcome.kind === 'acked') rtt$.next(outcome.rttMs);
 * });
 * ```
 *
 * @param sent$ The packages as they are sent; the time of sending is the scheduler's now.
 * @param timeoutMs How long an unacked package waits; default 1000.
 * @param scheduler Where time is read and timeouts run; default `asyncScheduler`.
 * @return An operator from received headers to the outcome of each sent package.
 *
 * @category Operators
 */
export function resolveAcks(
  sent$: Observable<SentPackage>,
  timeoutMs = PACKAGE_TIMEOUT_MS,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Header, AckOutcome> {
  return (headers) =>
    new Observable<AckOutcome>((subscriber) => {
      let sentEnded = false;
      let headersEnded = false;
      const completeWhenSettled = (): void => {
        if (sentEnded && headersEnded && acks.size === 0) subscriber.complete();
      };
      const outcome = (next: AckOutcome): void => {
        subscriber.next(next);
        completeWhenSettled();
      };
      const acks = new PendingAcks(
        {
          acked: (sequence, rttMs) => outcome({ kind: 'acked', sequence, rttMs }),
          timedOut: (sequence) => outcome({ kind: 'timedOut', sequence }),
        },
        timeoutMs,
        scheduler,
      );

      const sending = sent$.subscribe({
        next: ({ sequence }) => acks.sent(sequence),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sentEnded = true;
          completeWhenSettled();
        },
      });
      // Headers are listened to even while nothing is pending, so that their errors surface.
      const receiving = headers.subscribe({
        next: (header) => acks.receive(header),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          headersEnded = true;
          completeWhenSettled();
        },
      });
      return () => {
        sending.unsubscribe();
        receiving.unsubscribe();
        acks.stop();
      };
    });
}

/**
 * The packages sent and waiting for their ack, and the one timer that times them out: what
 * {@link resolveAcks} keeps, for a caller that has each send and each header at hand rather than
 * as streams, such as a connection's receive path. Each outcome goes to `onOutcome` as it is
 * known: acked ones when a header comes in, timed-out ones when the timer fires. A package sent
 * and acked allocates nothing here: the pending packages are an array of numbers.
 *
 * ## Example
 * ```ts
 * const acks = new PendingAcks({
 *   acked: (sequence, rttMs) => console.log('acked', sequence, rttMs),
 *   timedOut: (sequence) => console.log('timed out', sequence),
 * });
 * acks.sent(1);
 * acks.receive({ sequence: 9, ack: 1, ackBitfield: 0 }); // acked 1
 * acks.stop();
 * ```
 *
 * @internal
 */
export class PendingAcks {
  // Oldest first, since packages are sent in order. The oldest is in fields of its own, the rest
  // in one array, each package's sequence number and when it was sent side by side, packages
  // [start, end) at 2 * start on. A peer that acks each package as PyGaSe's do has one pending at
  // a time: the array, an object and its elements more, cold by each beat, is then never reached
  // for; an rxgase client acks every fourth, and its packages reach for one array, not two. It
  // never shrinks, so packages sent and acked allocate nothing once it holds as many as are ever
  // pending. The oldest is empty only while the array is. Send times are wrapped (`wrapTime`):
  // small numbers, where a time since 1970 would be in a box of its own.
  private oldest = NONE;
  private oldestSentAt = 0;
  private readonly pending: number[] = [];
  private start = 0;
  private end = 0;
  private timer: Subscription | undefined;
  private expiring = false;
  private stopped = false;

  /**
   * @param onOutcome Told what became of each package; either may send more meanwhile.
   * @param timeoutMs How long an unacked package waits; default 1000.
   * @param scheduler Where time is read and timeouts run; default `asyncScheduler`.
   */
  constructor(
    private readonly onOutcome: {
      readonly acked: (sequence: number, rttMs: number) => void;
      readonly timedOut: (sequence: number) => void;
    },
    private readonly timeoutMs = PACKAGE_TIMEOUT_MS,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /** How many packages wait for their ack. */
  get size(): number {
    return (this.oldest === NONE ? 0 : 1) + this.end - this.start;
  }

  /** The package `sequence` was sent now. */
  sent(sequence: number): void {
    const now = this.scheduler.now();
    if (this.oldest === NONE) {
      this.oldest = sequence;
      this.oldestSentAt = wrapTime(now);
    } else {
      if (2 * this.end === this.pending.length && this.start > 0) this.moveToFront();
      this.pending[2 * this.end] = sequence;
      this.pending[2 * this.end + 1] = wrapTime(now);
      this.end++;
    }
    this.setTimer();
  }

  /** A header came back: the packages it acknowledges are acked, in the order they were sent. */
  receive(header: Header): void {
    if (this.oldest === NONE) return;
    const now = this.scheduler.now();
    // Most headers ack one package: it needs no list.
    let firstSequence = NONE;
    let firstRtt = 0;
    let more: number[] | undefined;
    const oldestAcked = acknowledges(header, this.oldest);
    if (oldestAcked) {
      firstSequence = this.oldest;
      firstRtt = timeSince(now, this.oldestSentAt);
    }
    if (this.start < this.end) {
      const pending = this.pending;
      let kept = this.start;
      for (let i = this.start; i < this.end; i++) {
        const sequence = pending[2 * i] as number;
        const sentAt = pending[2 * i + 1] as number;
        if (!acknowledges(header, sequence)) {
          pending[2 * kept] = sequence;
          pending[2 * kept++ + 1] = sentAt;
        } else if (firstSequence === NONE) {
          firstSequence = sequence;
          firstRtt = timeSince(now, sentAt);
        } else {
          (more ??= []).push(sequence, sentAt);
        }
      }
      this.end = kept;
    }
    if (firstSequence === NONE) return;
    if (oldestAcked) this.dropOldest();
    else if (this.start === this.end) this.start = this.end = 0;
    this.onOutcome.acked(firstSequence, firstRtt);
    if (more === undefined) return;
    for (let i = 0; i < more.length; i += 2) {
      this.onOutcome.acked(more[i] as number, timeSince(now, more[i + 1] as number));
    }
  }

  /** Cancels the timer: nothing times out any more. */
  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private setTimer(): void {
    if (this.timer !== undefined || this.expiring || this.stopped || this.oldest === NONE) return;
    this.timer = this.scheduler.schedule(
      () => this.expire(),
      this.timeoutMs - timeSince(this.scheduler.now(), this.oldestSentAt),
    );
  }

  // Times out every package whose time is up; an outcome's handler may send more meanwhile.
  private expire(): void {
    this.timer = undefined;
    this.expiring = true;
    const now = this.scheduler.now();
    // The fields are read each time: a handler's send may add pending packages.
    while (this.oldest !== NONE && timeSince(now, this.oldestSentAt) >= this.timeoutMs) {
      const sequence = this.oldest;
      this.dropOldest();
      this.onOutcome.timedOut(sequence);
    }
    this.expiring = false;
    this.setTimer();
  }

  /** The oldest pending package is settled: the next oldest, if any, takes its place. */
  private dropOldest(): void {
    if (this.start === this.end) {
      this.oldest = NONE;
      return;
    }
    this.oldest = this.pending[2 * this.start] as number;
    this.oldestSentAt = this.pending[2 * this.start + 1] as number;
    this.start++;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Moves the pending packages to the front of the array, to send more without growing it. */
  private moveToFront(): void {
    const { pending, start } = this;
    for (let i = 2 * start; i < 2 * this.end; i++) pending[i - 2 * start] = pending[i] as number;
    this.end -= start;
    this.start = 0;
  }
}

/** No package: the oldest field while nothing is pending. Sequence numbers are 0..65535. */
const NONE = -1;
