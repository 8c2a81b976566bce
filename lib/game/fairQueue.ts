import { checkPositive } from '../options/checkOption';
import type { GameEvent } from '../protocol/packages';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';

/**
 * The game loop's default for `maxEventsPerClientPerTick`: 64, at a 20 ms tick 3,200 events a
 * second from each client, where a game's inputs are tens.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK = 64;

/**
 * The game loop's default for `maxQueuedEventsPerClient`: 1,024, as many as a `Client` may have
 * sent and not yet seen acked (`DEFAULT_MAX_PENDING_EVENTS`), so a client's whole queue, sent at
 * once, waits rather than being dropped.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT = 1024;

/** An event waiting for the game loop, with its sender (none for the server's own). */
export interface QueuedEvent {
  readonly event: GameEvent;
  readonly clientAddress: Address | undefined;
  /** The sender's address key. */
  readonly key: string | undefined;
}

/** Events of one client dropped since the last tick, as the queue tells its loop. */
export interface Dropped {
  readonly clientAddress: Address;
  readonly count: number;
}

/**
 * The events waiting for the game loop's next tick, fair between clients: a tick takes at most
 * `perTick` events of each client, in the order they came; the rest of that client's wait for the
 * next tick, at most `maxQueued` of them; one more is dropped and counted. Events the server
 * pushes itself (no client) are neither bounded nor held back.
 *
 * ## Example
 * ```ts
 * const queue = new FairQueue(64, 1024);
 * queue.push(event, client);
 * for (const { event, clientAddress } of queue.take()) handle(event, clientAddress);
 * for (const { clientAddress, count } of queue.dropped()) report(clientAddress, count);
 * ```
 */
export class FairQueue {
  private waiting: QueuedEvent[] = [];
  /** Events waiting, by client key. */
  private readonly queued = new Map<string, number>();
  private readonly drops = new Map<string, { clientAddress: Address; count: number }>();
  private droppedInAll = 0;

  /**
   * @throws {@link InvalidArgumentError} If `perTick` or `maxQueued` is not a whole number above 0.
   */
  constructor(
    readonly perTick: number,
    readonly maxQueued: number,
  ) {
    checkPositive('maxEventsPerClientPerTick', perTick, { whole: true });
    checkPositive('maxQueuedEventsPerClient', maxQueued, { whole: true });
  }

  /** How many events were dropped, all clients together, since the queue began. */
  get droppedCount(): number {
    return this.droppedInAll;
  }

  /** How many events wait now. */
  get size(): number {
    return this.waiting.length;
  }

  /**
   * Queues an event for a tick to come.
   *
   * @return Whether it was queued; false: its client has `maxQueued` waiting, and it is dropped.
   */
  push(event: GameEvent, clientAddress: Address | undefined): boolean {
    const key = clientAddress === undefined ? undefined : addressKey(clientAddress);
    if (key !== undefined && clientAddress !== undefined) {
      const queued = this.queued.get(key) ?? 0;
      if (queued >= this.maxQueued) {
        const drop = this.drops.get(key) ?? { clientAddress, count: 0 };
        drop.count++;
        this.drops.set(key, drop);
        this.droppedInAll++;
        return false;
      }
      this.queued.set(key, queued + 1);
    }
    this.waiting.push({ event, clientAddress, key });
    return true;
  }

  /** This tick's events, in the order they came: at most `perTick` of each client. */
  take(): QueuedEvent[] {
    const taken: QueuedEvent[] = [];
    const left: QueuedEvent[] = [];
    const takenOf = new Map<string, number>();
    for (const queued of this.waiting) {
      if (queued.key === undefined) {
        taken.push(queued);
        continue;
      }
      const count = takenOf.get(queued.key) ?? 0;
      if (count < this.perTick) {
        takenOf.set(queued.key, count + 1);
        taken.push(queued);
      } else {
        left.push(queued);
      }
    }
    this.waiting = left;
    for (const [key, count] of takenOf) {
      const rest = (this.queued.get(key) ?? 0) - count;
      if (rest > 0) this.queued.set(key, rest);
      else this.queued.delete(key);
    }
    return taken;
  }

  /** The events dropped since the last call, by client; the tally starts afresh. */
  dropped(): Dropped[] {
    const drops = [...this.drops.values()];
    this.drops.clear();
    return drops;
  }
}
