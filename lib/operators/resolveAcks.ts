import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { Header } from '../protocol/header';
import { acknowledges } from '../protocol/header';

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
      const acks = new PendingAcks(
        (outcome) => {
          subscriber.next(outcome);
          completeWhenSettled();
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
 * known: acked ones when a header comes in, timed-out ones when the timer fires.
 *
 * ## Example
 * ```ts
 * const acks = new PendingAcks((outcome) => console.log(outcome.kind, outcome.sequence));
 * acks.sent(1);
 * acks.receive({ sequence: 9, ack: 1, ackBitfield: 0 }); // acked 1
 * acks.stop();
 * ```
 *
 * @internal
 */
export class PendingAcks {
  // Oldest first, since packages are sent in order.
  private readonly pending: { readonly sequence: number; readonly sentAt: number }[] = [];
  private timer: Subscription | undefined;
  private expiring = false;
  private stopped = false;

  /**
   * @param onOutcome Told what became of each package; it may send more meanwhile.
   * @param timeoutMs How long an unacked package waits; default 1000.
   * @param scheduler Where time is read and timeouts run; default `asyncScheduler`.
   */
  constructor(
    private readonly onOutcome: (outcome: AckOutcome) => void,
    private readonly timeoutMs = PACKAGE_TIMEOUT_MS,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {}

  /** How many packages wait for their ack. */
  get size(): number {
    return this.pending.length;
  }

  /** The package `sequence` was sent now. */
  sent(sequence: number): void {
    this.pending.push({ sequence, sentAt: this.scheduler.now() });
    this.setTimer();
  }

  /** A header came back: the packages it acknowledges are acked, in the order they were sent. */
  receive(header: Header): void {
    const { pending } = this;
    let acked: (typeof pending)[number][] | undefined;
    let kept = 0;
    for (const sent of pending) {
      if (acknowledges(header, sent.sequence)) (acked ??= []).push(sent);
      else pending[kept++] = sent;
    }
    if (acked === undefined) return;
    pending.length = kept;
    const now = this.scheduler.now();
    for (const { sequence, sentAt } of acked) {
      this.onOutcome({ kind: 'acked', sequence, rttMs: now - sentAt });
    }
  }

  /** Cancels the timer: nothing times out any more. */
  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private setTimer(): void {
    const oldest = this.pending[0];
    if (this.timer !== undefined || this.expiring || this.stopped || oldest === undefined) return;
    this.timer = this.scheduler.schedule(
      () => this.expire(),
      oldest.sentAt + this.timeoutMs - this.scheduler.now(),
    );
  }

  // Times out every package whose time is up; an outcome's handler may send more meanwhile.
  private expire(): void {
    this.timer = undefined;
    this.expiring = true;
    const { pending, timeoutMs } = this;
    const now = this.scheduler.now();
    for (let oldest = pending[0]; oldest && oldest.sentAt + timeoutMs <= now; oldest = pending[0]) {
      pending.shift();
      this.onOutcome({ kind: 'timedOut', sequence: oldest.sequence });
    }
    this.expiring = false;
    this.setTimer();
  }
}
