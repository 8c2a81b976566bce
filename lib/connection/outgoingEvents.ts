import { AsyncSubject } from 'rxjs';
import type { Observable } from 'rxjs';
import { AckTimeoutError, InvalidArgumentError, PackageOverflowError } from '../protocol/errors';
import type { GameEvent } from '../protocol/packages';
import { EVENT_ID_WINDOW, nextEventId } from './eventIds';

/**
 * Checks how many times an event may be sent again: a whole number, 0 or more.
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkRetries(retries: unknown): void {
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    throw new InvalidArgumentError(
      `retries must be a whole number, 0 or more, got ${typeof retries === 'number' ? retries : typeof retries}`,
    );
  }
}

interface PendingEvent {
  readonly event: GameEvent;
  /** Its msgpack map, encoded once for every package that carries it. */
  readonly bytes: Uint8Array;
  /** Its id, the same in every package that carries it. */
  readonly id: number;
  /** Its bytes in a package: the msgpack map and its length prefix. */
  readonly size: number;
  retriesLeft: number;
  attempts: number;
  readonly outcome: AsyncSubject<void>;
}

/** No events: what a package without any carries, shared. */
export const NO_EVENTS: readonly never[] = [];

/**
 * The events a connection has to send: the queue, the events in flight in each sent package, and
 * the fate of each, told through the Observable {@link add} returned.
 */
export class OutgoingEvents {
  private readonly queue: PendingEvent[] = [];
  /**
   * The queue's length, kept beside it: each package asks whether events wait, and a server's
   * package to a client would otherwise reach for the array too, cold in the cache by each beat.
   */
  private queued = 0;
  private readonly inFlight = new Map<number, PendingEvent[]>();
  private inFlightCount = 0;
  private lastId = 0;
  /** The ids of the events not yet settled, oldest first: ids are given in order. */
  private readonly unsettled = new Set<number>();

  /** Whether events wait for a package. */
  get waiting(): boolean {
    return this.queued > 0;
  }

  /** How many events are queued or in flight. */
  get pending(): number {
    return this.queued + this.inFlightCount;
  }

  /**
   * Why no more events may be queued now, or undefined: `limit` events are pending, or the oldest
   * pending event is so far behind the next id that a receiver, which remembers the last
   * {@link EVENT_ID_WINDOW} ids, could no longer tell its resend from an event it handled.
   */
  refusal(limit: number): string | undefined {
    if (this.pending >= limit) return `${limit} events wait to be sent or acknowledged`;
    const oldest = this.unsettled.values().next();
    if (oldest.done === true) return undefined;
    const behind = (nextEventId(this.lastId) - oldest.value) >>> 0;
    return behind < EVENT_ID_WINDOW
      ? undefined
      : `the oldest event waiting for its ack (${oldest.value}) is ${behind} ids behind the next, and a receiver remembers ${EVENT_ID_WINDOW}`;
  }

  /**
   * Queues an event, encoded as `bytes`, of `size` bytes in a package; the result completes on
   * its ack or errors with the reason.
   *
   * @throws {@link InvalidArgumentError} If `retries` is not a whole number: nothing is queued.
   */
  add(event: GameEvent, bytes: Uint8Array, size: number, retries: number): Observable<void> {
    checkRetries(retries);
    const outcome = new AsyncSubject<void>();
    this.lastId = nextEventId(this.lastId);
    const id = this.lastId;
    this.queue.push({ event, bytes, id, size, retriesLeft: retries, attempts: 0, outcome });
    this.queued++;
    this.unsettled.add(id);
    return outcome.asObservable();
  }

  /**
   * Takes from the queue, in order, the events that fit in a package with `room` bytes for
   * events, `maxCount` at most. One that could not fit even alone (what rides beside the events
   * grew since it was queued) fails with a `PackageOverflowError`.
   */
  take(room: number, maxCount = Infinity): readonly PendingEvent[] {
    let left = room;
    const batch: PendingEvent[] = [];
    while (this.queue.length > 0 && batch.length < maxCount) {
      const head = this.queue[0] as PendingEvent;
      if (head.size > room) {
        this.queue.shift();
        this.queued--;
        this.settled(head).error(
          new PackageOverflowError(
            `the ${head.event.type} event takes ${head.size} bytes, a package now has room for ${Math.max(0, room)}`,
          ),
        );
        continue;
      }
      if (head.size > left) break;
      this.queue.shift();
      this.queued--;
      left -= head.size;
      head.attempts++;
      batch.push(head);
    }
    return batch;
  }

  /** The events of `batch` went out in the package with sequence number `sequence`. */
  sent(sequence: number, batch: readonly PendingEvent[]): void {
    if (batch.length === 0) return;
    this.inFlight.set(sequence, [...batch]);
    this.inFlightCount += batch.length;
  }

  /** The events of `batch` cannot be sent, for `reason`. */
  fail(batch: readonly PendingEvent[], reason: unknown): void {
    for (const pending of batch) this.settled(pending).error(reason);
  }

  /** The package `sequence` was acked: its events arrived. */
  acked(sequence: number): void {
    const batch = this.landed(sequence);
    for (const pending of batch) this.settled(pending).complete();
  }

  /**
   * The package `sequence` timed out: its events with retries left go back to the front of the
   * queue, the others fail with an `AckTimeoutError`.
   *
   * @return How many events go again.
   */
  timedOut(sequence: number): number {
    const batch = this.landed(sequence);
    // Re-queue first, then tell: a handler of the failures may close the connection, and the
    // events still to be re-sent must be where close() finds them.
    const again = batch.filter((pending) => pending.retriesLeft > 0);
    for (const pending of again) pending.retriesLeft--;
    this.queue.unshift(...again);
    this.queued += again.length;
    for (const pending of batch) {
      if (again.includes(pending)) continue;
      this.settled(pending).error(
        new AckTimeoutError(
          `the ${pending.event.type} event was not acknowledged after ${pending.attempts} attempt(s)`,
        ),
      );
    }
    return again.length;
  }

  /**
   * Every event in flight goes back to the queue, before those queued, oldest first: their
   * packages went over a link that dropped, and go again over the one that took its place.
   * Their ids stay: a receiver that got one already acks it again but does not handle it again.
   */
  resendInFlight(): void {
    const inFlight = [...this.inFlight.values()].flat().sort((a, b) => (a.id - b.id) | 0);
    this.inFlight.clear();
    this.inFlightCount = 0;
    this.queue.unshift(...inFlight);
    this.queued += inFlight.length;
  }

  /** Fails every event queued or in flight with `reason`, and forgets them. */
  clear(reason: unknown): void {
    const pending = [...this.inFlight.values()].flat().concat(this.queue);
    this.inFlight.clear();
    this.inFlightCount = 0;
    this.queue.length = 0;
    this.queued = 0;
    for (const event of pending) this.settled(event).error(reason);
  }

  /** The outcome of an event, to tell what became of it: it is no longer pending. */
  private settled(pending: PendingEvent): AsyncSubject<void> {
    this.unsettled.delete(pending.id);
    return pending.outcome;
  }

  /** The events of the package `sequence`, no longer in flight. */
  private landed(sequence: number): readonly PendingEvent[] {
    // Most packages carry no event: nothing to look up.
    if (this.inFlightCount === 0) return NO_EVENTS;
    const batch = this.inFlight.get(sequence) ?? NO_EVENTS;
    this.inFlight.delete(sequence);
    this.inFlightCount -= batch.length;
    return batch;
  }
}
