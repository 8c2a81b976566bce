import {
  asyncScheduler,
  defer,
  filter,
  ignoreElements,
  map,
  merge,
  mergeMap,
  share,
  take,
  timer,
} from 'rxjs';
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
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
    defer(() => {
      const received = headers.pipe(
        share({ resetOnComplete: false, resetOnError: false, resetOnRefCountZero: true }),
      );
      const outcomes = sent$.pipe(
        mergeMap(({ sequence }): Observable<AckOutcome> => {
          const sentAt = scheduler.now();
          // The timeout runs on its own: it fires even when the headers have ended meanwhile.
          return merge<AckOutcome[]>(
            received.pipe(
              filter((header) => acknowledges(header, sequence)),
              map(() => ({ kind: 'acked' as const, sequence, rttMs: scheduler.now() - sentAt })),
            ),
            timer(timeoutMs, scheduler).pipe(map(() => ({ kind: 'timedOut' as const, sequence }))),
          ).pipe(take(1));
        }),
      );
      // Keep listening to the headers even while nothing is pending, so errors surface.
      return merge(outcomes, received.pipe(ignoreElements()));
    });
}
