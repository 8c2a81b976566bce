import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { Header } from '../protocol/header';
import { acknowledges } from '../protocol/header';

/** How long a sent package waits for its ack before it counts as lost: PyGaSe's 1 s. */
export const PACKAGE_TIMEOUT_MS = 1000;

/** A package that was sent and now waits for its ack. */
export interface SentPackage {
  readonly sequence: number;
}

/** What became of a sent package. */
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
 */
export function resolveAcks(
  sent$: Observable<SentPackage>,
  timeoutMs = PACKAGE_TIMEOUT_MS,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Header, AckOutcome> {
  return (headers) =>
    new Observable<AckOutcome>((subscriber) => {
      // Oldest first, since packages are sent in order.
      const pending: { readonly sequence: number; readonly sentAt: number }[] = [];
      let timer: Subscription | undefined;
      let expiring = false;
      let sentEnded = false;
      let headersEnded = false;

      const completeWhenSettled = (): void => {
        if (sentEnded && headersEnded && pending.length === 0) subscriber.complete();
      };
      const setTimer = (): void => {
        const oldest = pending[0];
        if (timer !== undefined || expiring || oldest === undefined) return;
        timer = scheduler.schedule(expire, oldest.sentAt + timeoutMs - scheduler.now());
      };
      // Times out every package whose time is up; an outcome's handler may send more meanwhile.
      function expire(): void {
        timer = undefined;
        expiring = true;
        const now = scheduler.now();
        for (
          let oldest = pending[0];
          oldest && oldest.sentAt + timeoutMs <= now;
          oldest = pending[0]
        ) {
          pending.shift();
          subscriber.next({ kind: 'timedOut', sequence: oldest.sequence });
        }
        expiring = false;
        setTimer();
        completeWhenSettled();
      }
      const onHeader = (header: Header): void => {
        const now = scheduler.now();
        const acked = pending.filter(({ sequence }) => acknowledges(header, sequence));
        if (acked.length === 0) return;
        pending.splice(0, pending.length, ...pending.filter((sent) => !acked.includes(sent)));
        for (const { sequence, sentAt } of acked) {
          subscriber.next({ kind: 'acked', sequence, rttMs: now - sentAt });
        }
        completeWhenSettled();
      };

      const sending = sent$.subscribe({
        next: ({ sequence }) => {
          pending.push({ sequence, sentAt: scheduler.now() });
          setTimer();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sentEnded = true;
          completeWhenSettled();
        },
      });
      // Headers are listened to even while nothing is pending, so that their errors surface.
      const receiving = headers.subscribe({
        next: onHeader,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          headersEnded = true;
          completeWhenSettled();
        },
      });
      return () => {
        sending.unsubscribe();
        receiving.unsubscribe();
        timer?.unsubscribe();
      };
    });
}
